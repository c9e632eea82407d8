import numpy as np
from hypothesis import settings

# Reproducible property tests: the same examples on every run and machine, no local database.
settings.register_profile("book", derandomize=True, database=None, deadline=None)
settings.load_profile("book")

# Fixture submissions are student code written to misbehave (endless loops, sys.exit, processes
# that outlive them): pytest must never import them, as --doctest-modules would.
collect_ignore_glob = ["fixtures/*"]


def assert_sig(actual, expected: str, what=""):
    """Assert that ``actual`` rounds to the reference ``expected``, a decimal string such as
    "0.593269992": within half a unit of its last written digit. DESIGN.md writes its reference
    values with 8 or 9 significant digits; the check uses exactly the precision written."""
    actual = float(actual)
    mantissa = expected.lower().split("e")[0]
    exponent = int(expected.lower().split("e")[1]) if "e" in expected.lower() else 0
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    unit = 10.0 ** (exponent - decimals)
    assert abs(actual - float(expected)) <= 0.5 * unit * (1 + 1e-9), (
        f"{what}: got {actual!r}, expected {expected} (to its last digit)")


def snapshot(net):
    """Deep copies of every parameter, to show a call left the network unchanged."""
    return [w.copy() for w in net.W[1:]], [b.copy() for b in net.b[1:]]


def assert_unchanged(net, snap):
    Ws, bs = snap
    assert len(net.W) == len(Ws) + 1 and len(net.b) == len(bs) + 1
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        np.testing.assert_array_equal(net.W[l], W)
        np.testing.assert_array_equal(net.b[l], b)

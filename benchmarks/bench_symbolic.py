"""How long the book's symbolic derivations take (not a test).

    make bench          (or: .venv/bin/python benchmarks/bench_symbolic.py [--rounds 3])

Targets (issue 4): the worked example's gradients built, differentiated and lambdified in under
0.5 s; every symbolic derivation that chapters 2 and 3 run in under 5 s each. Each row is timed
from a cleared sympy cache (sympy caches results, so a second run in one process would otherwise
be free), and the median of ``--rounds`` runs is printed. The first worked-example run also
pays for importing sympy's code printers once per process; that run is printed on its own.
"""
from common import argument_parser, one_blas_thread

one_blas_thread()                   # before numpy is imported

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import sympy  # noqa: E402

from bpcore import Network, data, symbolic  # noqa: E402


def worked_example_gradients():
    """Chapter 2: build the worked example's formulas, differentiate, lambdify, evaluate."""
    ex = data.worked_example()
    sym = symbolic.SymbolicNetwork([2, 2, 2], names="worked")
    sym.gradients(ex.network(), ex.X, ex.Y)


def worked_example_chapter():
    """Chapter 2: the above, plus both chain rules and sympy's value for all 8 weights."""
    ex = data.worked_example()
    net = ex.network()
    sym = symbolic.SymbolicNetwork([2, 2, 2], names="worked")
    sym.chain_rule("w5", net, ex.X, ex.Y)
    sym.chain_rule("w1", net, ex.X, ex.Y)
    for name in data.WEIGHT_NAMES:
        sym.gradient(name, net, ex.X, ex.Y)


def compare_2_4_3_2():
    """Chapter 3: the three-way gradient check of the 2-4-3-2 network."""
    rng = np.random.default_rng(3)
    net = Network([2, 4, 3, 2], "sigmoid", seed=3,
                  biases=[rng.standard_normal(n) for n in (4, 3, 2)])
    symbolic.compare(net, rng.standard_normal((2, 5)), rng.uniform(0, 1, (2, 5)))


def sympy_gradient(sizes):
    def run():
        net = Network(sizes, "sigmoid")
        rng = np.random.default_rng(0)
        X, Y = rng.standard_normal((sizes[0], 10)), rng.uniform(0, 1, (sizes[-1], 10))
        symbolic.from_network(net).gradients(net, X, Y)
    run.__doc__ = f"Chapter 3 timing plot: sympy gradient of {'-'.join(map(str, sizes))}"
    return run


def proof(*args, **kw):
    def run():
        assert symbolic.prove_bp(*args, **kw).holds is (not kw)
    what = f"{'-'.join(map(str, args[0]))} {args[1]} {args[2] if len(args) > 2 else 'quadratic'}"
    run.__doc__ = f"Chapter 3: CAS proof of BP1-BP4, {what}" + (f" ({kw['broken']})" if kw else "")
    return run


WORK = [
    (worked_example_gradients, 0.5),
    (worked_example_chapter, 5.0),
    (proof([2, 2, 2], "generic", "quadratic"), 5.0),
    (proof([2, 2, 2], "sigmoid", "quadratic"), 5.0),
    (proof([2, 2, 2], "sigmoid", "cross_entropy"), 5.0),
    (proof([2, 3, 2, 1], "generic", "quadratic"), 5.0),
    (proof([2, 3, 2, 1], "sigmoid", "quadratic"), 5.0),
    (proof([2, 3, 2, 1], "tanh", "quadratic"), 5.0),
    (proof([2, 3, 2, 1], "sigmoid", broken="BP2-no-transpose"), 5.0),
    (compare_2_4_3_2, 5.0),
    (sympy_gradient([2, 1, 1, 2]), 5.0),
    (sympy_gradient([2, 2, 2, 2]), 5.0),
    (sympy_gradient([2, 3, 3, 2]), 5.0),
]


def timed(fn):
    sympy.core.cache.clear_cache()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argument_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    first = timed(worked_example_gradients)
    print(f"\nSymbolic derivations (median of {args.rounds} runs, sympy cache cleared "
          f"before each)\n")
    print(f"{'derivation':<72} {'seconds':>8} {'target':>7}  ")
    print(f"{'worked example gradients, first run in this process (imports printers)':<72} "
          f"{first:>8.3f} {'':>7}")
    worst = True
    for fn, target in WORK:
        t = statistics.median(timed(fn) for _ in range(args.rounds))
        ok = t < target
        worst &= ok
        print(f"{fn.__doc__.splitlines()[0][:72]:<72} {t:>8.3f} {'< ' + str(target):>7}  "
              f"{'ok' if ok else 'OVER'}")
    print("\nall within target" if worst else "\nSOME DERIVATIONS ARE OVER TARGET")


if __name__ == "__main__":
    main()

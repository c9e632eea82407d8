"""Chapter 6's exercises, hidden width: counting a network's parameters, and XOR by hand with a
hidden layer of unit steps.

Each exercise is one block: solution, checker, then the declaration with the hint and the
known-wrong answers. The tasks are stated in chapters/06-hidden-width.md.
"""
import numpy as np

from bpcore import data
from bpcore.network import Network

from .core import Exercise, Incorrect, NotAttempted, as_numbers, call, compare, incorrect_if


# == Exercise 6.1: n_parameters ==================================================================

def n_parameters(sizes):
    pairs = zip(sizes[:-1], sizes[1:])
    weights = sum(n_in * n_out for n_in, n_out in pairs)   # W^l
    # b^l for layers 1..L; the input layer has none
    biases = sum(sizes[1:])
    return weights + biases


def check_n_parameters(f):
    r = np.random.default_rng(61)
    cases = [[2, 1], [2, 2, 2], [2, 3, 4, 2], [3, 30, 10, 3, 1], [784, 100, 10]]
    cases += [[int(n) for n in r.integers(1, 40, size=k)] for k in (2, 3, 4, 5)]
    for sizes in cases:
        incorrect_if(_count_problem(call(f, list(sizes), name="n_parameters"), sizes))


def _count_problem(got, sizes):
    """What is wrong with ``got`` as the number of parameters for ``sizes``, if anything."""
    problem = compare(got, Network(sizes).n_params, f"n_parameters({sizes})", rtol=0, atol=0)
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    if problem and compare(got, weights, "", rtol=0, atol=0) is None:
        problem += "; it counts the weights only: every neuron of layers 1..L has a bias"
    elif problem and compare(got, weights + sum(sizes), "", rtol=0, atol=0) is None:
        problem += "; it gives the inputs biases too, but layer 0 has no parameters"
    return problem


q1 = Exercise(
    "Exercise 6.1", "n_parameters", n_parameters, check_n_parameters,
    "W^l has shape (n_l, n_{l-1}) and b^l has n_l entries, for l = 1..L. The input "
    "layer has neither. `zip(sizes[:-1], sizes[1:])` walks over consecutive pairs.",
    title="the number of weights and biases of a network",
    wrong={"the biases forgotten": (
        lambda sizes: sum(a * b for a, b in zip(sizes[:-1], sizes[1:])), "weights only")})


# == Exercise 6.2: xor_weights ===================================================================

# Hidden unit 1 is OR (x1 + x2 > 0.5), unit 2 is AND (x1 + x2 > 1.5); the output fires for
# OR and not AND (h1 - h2 > 0.5).
XOR_WEIGHTS = ([[1, 1], [1, 1]], [-0.5, -1.5], [[1, -1]], [-0.5])


def _xor_parts(answer, name):
    """The four parts (W1, b1, W2, b2) of the reader's answer as float arrays."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        got = f"{len(answer)} items" if isinstance(answer, (tuple, list)) else (
            type(answer).__name__)
        raise Incorrect(f"{name}: expected four arrays (W1, b1, W2, b2) in a tuple, got {got}")
    parts = []
    for part, value in zip(("W1", "b1", "W2", "b2"), answer):
        if value is None or value is Ellipsis:
            raise NotAttempted(f"`{name}`: {part} is still {value!r}")
        parts.append(as_numbers(value, f"{name}, {part}"))
    return parts


def _xor_shape_problem(W1, b1, W2, b2, name):
    if W1.ndim != 2 or W1.shape[1] != 2 or W1.shape[0] == 0:
        return (f"{name}: W1 should have shape (H, 2), one row per hidden unit and one column "
                f"per input, got {W1.shape}")
    H = W1.shape[0]
    if b1.size != H:
        return (f"{name}: b1 should hold {H} bias{'es' if H > 1 else ''}, one per hidden unit, "
                f"got {b1.size}")
    if W2.shape != (1, H):
        return (f"{name}: W2 should have shape (1, {H}), one weight per hidden unit into the "
                f"output, got {W2.shape}")
    if b2.size != 1:
        return f"{name}: b2 should be one number, the output's bias, got {b2.size}"
    if not all(np.all(np.isfinite(p)) for p in (W1, b1, W2, b2)):
        return f"{name}: the weights and biases must be finite numbers"
    return None


def check_xor_weights(answer):
    name = "xor_weights"
    W1, b1, W2, b2 = _xor_parts(answer, name)
    incorrect_if(_xor_shape_problem(W1, b1, W2, b2, name))
    H = W1.shape[0]
    net = Network([2, H, 1], "step", weights=[W1, W2],
                  biases=[b1.reshape(H, 1), b2.reshape(1, 1)])
    X, Y = data.xor()
    wrong = (net.predict(X) != Y)[0]
    if wrong.any():
        points = ", ".join(f"({int(x1)}, {int(x2)})" for x1, x2 in X.T[wrong])
        raise Incorrect(f"{name}: the 2-{H}-1 step network answers {int(wrong.sum())} of the "
                        f"4 points wrong: {points}")


q2 = Exercise(
    "Exercise 6.2", "xor_weights", XOR_WEIGHTS, check_xor_weights,
    "XOR is 'x1 OR x2, but not x1 AND x2'. One step unit can compute OR and another AND "
    "(each is a line that cuts off one or three corners); the output unit then fires "
    "when the first is on and the second off.",
    title="XOR by hand with a hidden layer of unit steps",
    wrong={"the output unit computes OR of the hidden units: wrong at (1, 1)": (
        ([[1.0, 1.0], [1.0, 1.0]], [-0.5, -1.5], [[1.0, 1.0]], [-0.5]), "(1, 1)")},
    right={"three hidden units": ([[1, 1], [1, 1], [0, 0]], [-0.5, -1.5, -1], [[1, -1, 5]],
                                  [-0.5])})

"""The book's self-check exercises, chapter by chapter (the machinery is :mod:`bpcore.exercises`).

    from bpcore import questions
    q1, q2 = questions.chapter(1)

Every checker compares the reader's answer with what ``bpcore`` computes on fresh seeded data
(never on numbers printed in the chapter), and the derivative exercises are also held against
finite differences, so an answer that happens to match one case still has to be a derivative.
Each exercise's solution is a plain function below; the tests run every checker on it and on a
known-wrong answer.
"""
from __future__ import annotations

import numpy as np

from .activations import get_activation
from .exercises import Exercise, call, compare
from .network import Network

_sigmoid = get_activation("sigmoid")


def _rng(seed):
    return np.random.default_rng(seed)


def _finite_difference(f, z, eps=1e-6):
    """Central difference of an elementwise function f at every entry of z."""
    return (f(z + eps) - f(z - eps)) / (2 * eps)


# == Chapter 1: forward propagation =============================================================

def _layer_forward_solution(W, b, a_prev):
    z = W @ a_prev + b                  # (n_l, n_{l-1}) @ (n_{l-1}, m) + (n_l, 1) -> (n_l, m)
    a = 1 / (1 + np.exp(-z))            # sigma(z), elementwise
    return z, a


def _check_layer_forward(f):
    for n_in, n_out, m, seed in [(2, 3, 1, 1), (3, 2, 5, 2), (4, 4, 7, 3)]:
        r = _rng(seed)
        W, b, a_prev = r.normal(size=(n_out, n_in)), r.normal(size=(n_out, 1)), r.normal(
            size=(n_in, m))
        t = Network([n_in, n_out], "sigmoid", weights=[W], biases=[b]).forward(a_prev)
        got = call(f, W, b, a_prev, name="layer_forward")
        problem = compare(got, (t.z[1], t.a[1]),
                          f"layer_forward(W, b, a_prev) with W {W.shape}, a_prev {a_prev.shape}",
                          parts=("z", "a"))
        if problem:
            return problem
    return None


def _network_output_solution(Ws, bs, X):
    a = X
    for W, b in zip(Ws, bs):            # layers l = 1..L
        a = 1 / (1 + np.exp(-(W @ a + b)))
    return a


def _check_network_output(f):
    for sizes, m, seed in [([2, 2, 2], 1, 4), ([2, 3, 4, 1], 6, 5), ([3, 5, 2], 4, 6)]:
        net = Network(sizes, "sigmoid", seed=seed)
        r = _rng(seed)
        net.b[1:] = [r.normal(size=b.shape) for b in net.b[1:]]
        X = r.normal(size=(sizes[0], m))
        got = call(f, list(net.W[1:]), list(net.b[1:]), X, name="network_output")
        problem = compare(got, net.predict(X),
                          f"network_output for a {'-'.join(map(str, sizes))} network on X "
                          f"{X.shape}")
        if problem:
            return problem
    return None


# == Chapter 3: the four equations ===============================================================

def _output_delta_solution(a, y, z):
    sigma = 1 / (1 + np.exp(-z))
    return (a - y) * sigma * (1 - sigma)        # BP1: grad_a C (.) sigma'(z^L), quadratic cost


def _check_output_delta(f):
    r = _rng(7)
    net = Network([3, 4, 2], "sigmoid", "quadratic", seed=7)
    X, Y = r.normal(size=(3, 5)), r.uniform(size=(2, 5))
    g = net.gradients(X, Y)
    z, a = g.trace.z[2], g.trace.a[2]
    got = call(f, a, Y, z, name="output_delta")
    problem = compare(got, g.delta[2], "output_delta(a, y, z)")
    if problem is None:
        return None
    # Say whether it is at least dC_x/dz^L: nudge each z^L and watch the per-sample cost.
    def cost_of_z(zz):
        return 0.5 * (_sigmoid.f(zz) - Y) ** 2
    slope = _finite_difference(cost_of_z, z)
    if compare(got, slope, "") is not None:
        problem += ("; it fails the gradient check: it is not the slope of the cost "
                    "C_x = 1/2 (a - y)^2 with respect to z^L (measured by finite differences)")
    return problem


def _hidden_delta_solution(W_next, delta_next, z):
    sigma = 1 / (1 + np.exp(-z))
    return (W_next.T @ delta_next) * sigma * (1 - sigma)      # BP2


def _check_hidden_delta(f):
    r = _rng(8)
    net = Network([2, 5, 3], "sigmoid", "quadratic", seed=8)
    X, Y = r.normal(size=(2, 4)), r.uniform(size=(3, 4))
    g = net.gradients(X, Y)
    got = call(f, net.W[2], g.delta[2], g.trace.z[1], name="hidden_delta")
    return compare(got, g.delta[1], "hidden_delta(W_next, delta_next, z)")


def _parameter_gradients_solution(delta, a_prev):
    m = delta.shape[1]
    dW = delta @ a_prev.T / m                         # BP4, averaged over the m samples
    db = delta.sum(axis=1, keepdims=True) / m         # BP3
    return dW, db


def _check_parameter_gradients(f):
    r = _rng(9)
    net = Network([3, 4, 2], "sigmoid", "quadratic", seed=9)
    X, Y = r.normal(size=(3, 6)), r.uniform(size=(2, 6))
    g = net.gradients(X, Y)
    got = call(f, g.delta[2], g.trace.a[1], name="parameter_gradients")
    problem = compare(got, (g.W[2], g.b[2]), "parameter_gradients(delta, a_prev)",
                      parts=("dW", "db"))
    if problem and isinstance(got, (tuple, list)) and len(got) == 2:
        # Is it a gradient at all? Compare with finite differences of C on W^2.
        from .gradcheck import numeric_gradients
        nW, nb = numeric_gradients(net, X, Y)
        if compare(got[0], nW[2], "") is not None:
            problem += ("; dW fails the gradient check against finite differences "
                        "(remember the cost averages over the m samples)")
    return problem


_CHAPTERS = {
    1: [
        Exercise(
            "Exercise 1.1", "layer_forward",
            "Write `layer_forward(W, b, a_prev)` returning the pair `(z, a)` of one sigmoid "
            "layer: z = W a_prev + b and a = sigma(z). `a_prev` holds one sample per column.",
            _check_layer_forward,
            "`W @ a_prev` has one column per sample; adding `b`, a column (n_l, 1), broadcasts "
            "it across the columns. sigma(z) = 1 / (1 + exp(-z)) elementwise.",
            _layer_forward_solution),
        Exercise(
            "Exercise 1.2", "network_output",
            "Write `network_output(Ws, bs, X)` returning a^L for the lists `Ws = [W^1, ..., W^L]` "
            "and `bs = [b^1, ..., b^L]` of a sigmoid network.",
            _check_network_output,
            "Start with a = X and apply one layer at a time: a = sigma(W a + b). Note that these "
            "lists start at layer 1 (unlike `net.W`, whose index 0 is unused).",
            _network_output_solution),
    ],
    3: [
        Exercise(
            "Exercise 3.1", "output_delta",
            "Write `output_delta(a, y, z)`: BP1 for the quadratic cost C_x = 1/2 ||a - y||^2 and "
            "a sigmoid output layer (a = a^L, y the targets, z = z^L; one sample per column).",
            _check_output_delta,
            "BP1 is grad_a C (.) sigma'(z^L). For the quadratic cost grad_a C = a - y; for the "
            "sigmoid, sigma'(z) = sigma(z) (1 - sigma(z)). Multiply elementwise, not with @.",
            _output_delta_solution),
        Exercise(
            "Exercise 3.2", "hidden_delta",
            "Write `hidden_delta(W_next, delta_next, z)`: BP2 for a sigmoid hidden layer l, "
            "given W^{l+1}, delta^{l+1} and z^l.",
            _check_hidden_delta,
            "Move the error back through the weights with the transpose, (W^{l+1})^T delta^{l+1}, "
            "then multiply elementwise by sigma'(z^l). Check the shapes: the result is like z.",
            _hidden_delta_solution),
        Exercise(
            "Exercise 3.3", "parameter_gradients",
            "Write `parameter_gradients(delta, a_prev)` returning `(dW, db)` for one layer by BP4 "
            "and BP3, averaged over the m samples (the columns).",
            _check_parameter_gradients,
            "Per sample, dC/dw_jk = a_k delta_j is an outer product; summed over the samples "
            "that is delta @ a_prev.T. BP3 sums delta over the columns. Divide both by m.",
            _parameter_gradients_solution),
    ],
}


def chapter(number: int) -> tuple[Exercise, ...]:
    """The exercises of chapter ``number``, in order: ``q1, q2 = questions.chapter(1)``."""
    if number not in _CHAPTERS:
        raise ValueError(f"number: expected a chapter with exercises, one of "
                         f"{sorted(_CHAPTERS)}, got {number!r}")
    return tuple(_CHAPTERS[number])


def all_exercises() -> list[Exercise]:
    """Every exercise of the book, chapter by chapter."""
    return [q for n in sorted(_CHAPTERS) for q in _CHAPTERS[n]]

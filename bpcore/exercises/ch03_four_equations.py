"""Chapter 3's exercises, the four equations: BP1 (the output error), BP2 (a hidden layer's error),
and BP3 and BP4 (a layer's gradients, averaged over a batch).

Each exercise is one block: solution, checker, then the declaration with the hint and the
known-wrong answers. The tasks are stated in chapters/03-four-equations.md.
"""
import numpy as np

from bpcore.activations import get_activation
from bpcore.gradcheck import numeric_gradients
from bpcore.network import Network

from .core import (Exercise, Incorrect, call, compare, finite_difference, gradient_check,
                   incorrect_if)

_sigmoid = get_activation("sigmoid")


def _backprop_case(sizes, m, seed):
    """A fresh sigmoid network with quadratic cost, m random samples, and bpcore's backprop."""
    r = np.random.default_rng(seed)
    net = Network(sizes, "sigmoid", "quadratic", seed=seed)
    X, Y = r.normal(size=(sizes[0], m)), r.uniform(size=(sizes[-1], m))
    return net, X, Y, net.gradients(X, Y)


# == Exercise 3.1: output_delta (BP1) ============================================================

def output_delta(a, y, z):
    sigma = 1 / (1 + np.exp(-z))
    # BP1: grad_a C (.) sigma'(z^L), with the quadratic cost
    return (a - y) * sigma * (1 - sigma)


def check_output_delta(f):
    net, X, Y, g = _backprop_case([3, 4, 2], 5, 7)
    z, a = g.trace.z[2], g.trace.a[2]
    got = call(f, a, Y, z, name="output_delta")
    problem = compare(got, g.delta[2], "output_delta(a, y, z)")
    if problem is None:
        return
    # Say whether it is at least dC_x/dz^L: nudge each z^L and watch the per-sample cost.
    slope = finite_difference(lambda zz: 0.5 * (_sigmoid.f(zz) - Y) ** 2, z)
    raise Incorrect(problem + gradient_check(
        got, slope, "the cost C_x = 1/2 (a - y)^2 with respect to z^L"))


q1 = Exercise(
    "Exercise 3.1", "output_delta", output_delta, check_output_delta,
    "BP1 is grad_a C (.) sigma'(z^L). For the quadratic cost grad_a C = a - y; for the "
    "sigmoid, sigma'(z) = sigma(z) (1 - sigma(z)). Multiply elementwise, not with @.",
    title="BP1, the output error, for the quadratic cost",
    wrong={"sigma'(a) in place of sigma'(z), the mistake of the forward/backward-"
           "propagation article": (
               lambda a, y, z: (a - y) * _sigmoid.f(a) * (1 - _sigmoid.f(a)),
               "fails the gradient check")})


# == Exercise 3.2: hidden_delta (BP2) ============================================================

def hidden_delta(W_next, delta_next, z):
    sigma = 1 / (1 + np.exp(-z))
    return (W_next.T @ delta_next) * sigma * (1 - sigma)      # BP2


def check_hidden_delta(f):
    net, X, Y, g = _backprop_case([2, 5, 3], 4, 8)
    got = call(f, net.W[2], g.delta[2], g.trace.z[1], name="hidden_delta")
    incorrect_if(compare(got, g.delta[1], "hidden_delta(W_next, delta_next, z)"))


q2 = Exercise(
    "Exercise 3.2", "hidden_delta", hidden_delta, check_hidden_delta,
    "Move the error back through the weights with the transpose, (W^{l+1})^T delta^{l+1}, "
    "then multiply elementwise by sigma'(z^l). Check the shapes: the result is like z.",
    title="BP2, a hidden layer's error",
    wrong={"sigma'(z) = sigma(z) (1 - sigma(z)) with the factor (1 - sigma(z)) forgotten": (
        lambda W_next, delta_next, z: (W_next.T @ delta_next) * _sigmoid.f(z),
        "wrong values")})


# == Exercise 3.3: parameter_gradients (BP3, BP4) ================================================

def parameter_gradients(delta, a_prev):
    m = delta.shape[1]
    dW = delta @ a_prev.T / m                  # BP4, averaged over m
    db = delta.sum(axis=1, keepdims=True) / m  # BP3
    return dW, db


def check_parameter_gradients(f):
    net, X, Y, g = _backprop_case([3, 4, 2], 6, 9)
    got = call(f, g.delta[2], g.trace.a[1], name="parameter_gradients")
    problem = compare(got, (g.W[2], g.b[2]), "parameter_gradients(delta, a_prev)",
                      parts=("dW", "db"))
    if problem and isinstance(got, (tuple, list)) and len(got) == 2:
        # Is it a gradient at all? Compare with finite differences of C on W^2.
        nW, nb = numeric_gradients(net, X, Y)
        if compare(got[0], nW[2], "") is not None:
            problem += ("; dW fails the gradient check against finite differences "
                        "(remember the cost averages over the m samples)")
    incorrect_if(problem)


q3 = Exercise(
    "Exercise 3.3", "parameter_gradients", parameter_gradients, check_parameter_gradients,
    "Per sample, dC/dw_jk = a_k delta_j is an outer product; summed over the samples "
    "that is delta @ a_prev.T. BP3 sums delta over the columns. Divide both by m.",
    title="BP3 and BP4, a layer's gradients averaged over the batch",
    wrong={"no average over the m samples": (
        lambda delta, a_prev: (delta @ a_prev.T, delta.sum(axis=1, keepdims=True)),
        "fails the gradient check")})

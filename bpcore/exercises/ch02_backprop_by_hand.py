"""Chapter 2's exercises, backpropagation by hand: dE/dw5 of an output weight, then dE/dw1 of a
hidden one, in the 2-2-2 sigmoid network of the worked example.

Each exercise is one block: solution, checker, then the declaration with the hint and the
known-wrong answers. The tasks are stated in chapters/02-backprop-by-hand.md.
"""
import numpy as np

from bpcore.gradcheck import numeric_gradients
from bpcore.network import Network

from .core import Exercise, Incorrect, call, compare, gradient_check


def _small_networks(seeds):
    """Fresh 2-2-2 sigmoid networks like the worked example (random weights, biases, input and
    targets, one sample), each with bpcore's gradients and finite-difference gradients."""
    for seed in seeds:
        r = np.random.default_rng(seed)
        net = Network([2, 2, 2], "sigmoid", "quadratic", seed=seed,
                      biases=[r.normal(size=2), r.normal(size=2)])
        X, Y = r.uniform(-1, 1, size=(2, 1)), r.uniform(0, 1, size=(2, 1))
        nW, _ = numeric_gradients(net, X, Y)
        yield net, X, Y, net.gradients(X, Y), nW


def _check_weight_gradient(f, signature, seeds, l, arguments, diagnose):
    """Check the reader's dE/dw of the weight w^l_11 (w5 for l = 2, w1 for l = 1) on fresh 2-2-2
    networks. ``arguments(net, X, Y, g)`` gives the numbers the reader's function takes, and
    ``diagnose(got, net, X, g)`` names a known mistake in a wrong value (or returns "")."""
    name, w = signature.split("(")[0], {2: "w5", 1: "w1"}[l]
    for net, X, Y, g, nW in _small_networks(seeds):
        got = call(f, *(float(x) for x in arguments(net, X, Y, g)), name=name)
        problem = compare(got, g.W[l][0, 0], signature)
        if problem:
            raise Incorrect(problem + diagnose(got, net, X, g) + gradient_check(
                got, nW[l][0, 0], f"E when {w} is nudged",
                "measured by finite differences on a fresh 2-2-2 network"))


# == Exercise 2.1: dE_dw5 ========================================================================

def dE_dw5(out_h1, out_o1, target_o1):
    # E = 1/2 (t1 - out_o1)^2 + ...
    dE_dout = out_o1 - target_o1
    # out_o1 = sigma(net_o1), and sigma' = out (1 - out)
    dout_dnet = out_o1 * (1 - out_o1)
    # net_o1 = w5 out_h1 + w6 out_h2 + b2
    dnet_dw5 = out_h1
    return dE_dout * dout_dnet * dnet_dw5


def _opposite_sign(got, net, X, g):
    if compare(got, -g.W[2][0, 0], "") is None:
        return ("; it has the opposite sign: E = 1/2 (t1 - out_o1)^2, so "
                "dE/dout_o1 = out_o1 - t1")
    return ""


def check_dE_dw5(f):
    _check_weight_gradient(
        f, "dE_dw5(out_h1, out_o1, target_o1)", [11, 12, 13, 14], 2,
        lambda net, X, Y, g: (g.trace.a[1][0, 0], g.trace.a[2][0, 0], Y[0, 0]), _opposite_sign)


q1 = Exercise(
    "Exercise 2.1", "dE_dw5", dE_dw5, check_dE_dw5,
    "Write the three factors separately, as in the chapter. E has the term "
    "1/2 (t1 - out_o1)^2; out_o1 = sigma(net_o1) and sigma' can be written with "
    "out_o1 itself; net_o1 = w5 out_h1 + w6 out_h2 + b2.",
    title="the chain rule for an output weight",
    wrong={"the factor sigma'(net_o1) = out_o1 (1 - out_o1) missing": (
        lambda out_h1, out_o1, t1: (out_o1 - t1) * out_h1, "fails the gradient check")})


# == Exercise 2.2: dE_dw1 ========================================================================

def dE_dw1(delta_o1, delta_o2, w5, w7, out_h1, i1):
    # out_h1 reaches E along two paths: through o1 (edge w5)
    # and through o2 (edge w7); then sigma'(net_h1)
    back = w5 * delta_o1 + w7 * delta_o2
    delta_h1 = back * out_h1 * (1 - out_h1)
    # net_h1 = w1 i1 + w2 i2 + b1, so dnet_h1/dw1 = i1
    return delta_h1 * i1


def _dE_dw1_arguments(net, X, Y, g):
    """delta_o1, delta_o2, w5, w7, out_h1 and i1 of a network's forward and backward pass."""
    d, a = g.delta[2][:, 0], g.trace.a[1][:, 0]
    return d[0], d[1], net.W[2][0, 0], net.W[2][1, 0], a[0], X[0, 0]


def _one_path(got, net, X, g):
    d_o1, d_o2, w5, w7, out_h1, i1 = _dE_dw1_arguments(net, X, None, g)
    slope_h1 = out_h1 * (1 - out_h1) * i1
    return "".join(f"; it follows only the path through {path}, but out_h1 feeds both output "
                   f"neurons" for path, back in (("o1", w5 * d_o1), ("o2", w7 * d_o2))
                   if compare(got, back * slope_h1, "") is None)


def check_dE_dw1(f):
    _check_weight_gradient(f, "dE_dw1(delta_o1, delta_o2, w5, w7, out_h1, i1)",
                           [15, 16, 17, 18], 1, _dE_dw1_arguments, _one_path)


q2 = Exercise(
    "Exercise 2.2", "dE_dw1", dE_dw1, check_dE_dw1,
    "out_h1 reaches E along two paths, one through each output neuron: add them, each "
    "being an output error times the weight on its edge. Then multiply by "
    "dout_h1/dnet_h1 and by dnet_h1/dw1.",
    title="the chain rule for a hidden weight, along both paths",
    wrong={"only the path through o1": (
        lambda d1, d2, w5, w7, h1, i1: w5 * d1 * h1 * (1 - h1) * i1,
        "only the path through o1")})

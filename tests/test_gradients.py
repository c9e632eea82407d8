"""Backpropagation (BP1-BP4) against finite differences and against sympy."""
import numpy as np
import pytest
from hypothesis import given

from bpcore import ACTIVATIONS, COSTS, Network, gradcheck, numeric_gradients
from bpcore.gradcheck import relative_error
from strategies import DIFFERENTIABLE, networks


@given(networks())
def test_backprop_agrees_with_finite_differences(case):
    net, X, Y = case
    report = gradcheck(net, X, Y)
    assert report.max_error < 1e-6, f"{net}\n{report}"


@pytest.mark.parametrize("cost", sorted(COSTS))
@pytest.mark.parametrize("activation", DIFFERENTIABLE)
def test_every_activation_with_every_cost(activation, cost):
    """Each pair at least once, whatever hypothesis draws: the activation in both hidden
    layers (BP2) and, where the cost allows it, at the output too (BP1)."""
    rng = np.random.default_rng(7)
    output = "sigmoid" if cost == "cross_entropy" else activation
    net = Network([3, 4, 3, 2], [activation, activation, output], cost,
                  biases=[rng.standard_normal(n) for n in (4, 3, 2)], seed=7)
    X, Y = rng.standard_normal((3, 5)), rng.uniform(0, 1, (2, 5))
    assert gradcheck(net, X, Y).max_error < 1e-6


@given(networks())
def test_gradients_have_the_shapes_of_the_parameters(case):
    net, X, Y = case
    g = net.gradients(X, Y)
    for l in range(1, net.L + 1):
        assert g.W[l].shape == net.W[l].shape
        assert g.b[l].shape == net.b[l].shape == (net.sizes[l], 1)
        assert g.delta[l].shape == (net.sizes[l], X.shape[1])
    assert g.W[0] is None and g.delta[0] is None


def test_batch_gradient_is_the_mean_of_per_sample_gradients():
    rng = np.random.default_rng(3)
    net = Network([3, 4, 2], ["tanh", "sigmoid"], "cross_entropy", seed=3)
    X, Y = rng.standard_normal((3, 6)), rng.uniform(0, 1, (2, 6))
    g = net.gradients(X, Y)
    per_sample = [net.gradients(X[:, [i]], Y[:, [i]]) for i in range(6)]
    for l in (1, 2):
        np.testing.assert_allclose(g.W[l], np.mean([p.W[l] for p in per_sample], axis=0),
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(g.delta[l], np.hstack([p.delta[l] for p in per_sample]),
                                   rtol=1e-12)


def test_gradcheck_catches_a_broken_backward_pass(monkeypatch):
    """A wrong BP2 (forgetting sigma'(z^l)) must show up as a large error in the hidden layer."""
    rng = np.random.default_rng(0)
    net = Network([2, 4, 3, 2], "sigmoid", "quadratic", seed=0)
    X, Y = rng.standard_normal((2, 5)), rng.uniform(0, 1, (2, 5))
    assert gradcheck(net, X, Y).max_error < 1e-8
    sigmoid = ACTIVATIONS["sigmoid"]
    broken = type(sigmoid)("sigmoid", sigmoid.f, lambda z, a: np.ones_like(z), sigmoid.sympy)
    net.activations[1] = broken
    report = gradcheck(net, X, Y)
    assert report.worst[1] > 1e-2 and report.worst[3] < 1e-8


def test_numeric_gradients_leave_the_network_unchanged():
    net = Network([2, 3, 1], "tanh", seed=1)
    before = [p.copy() for p in net.W[1:] + net.b[1:]]
    numeric_gradients(net, np.ones((2, 2)), np.zeros((1, 2)))
    for p, q in zip(net.W[1:] + net.b[1:], before):
        np.testing.assert_array_equal(p, q)


def test_numeric_gradients_of_one_kind_are_those_of_both():
    """which="b" (or "W") nudges only the biases (weights), with the very same numbers."""
    rng = np.random.default_rng(3)
    net = Network([2, 3, 2], ["tanh", "sigmoid"], "cross_entropy", seed=3)
    X, Y = rng.standard_normal((2, 5)), rng.uniform(0, 1, (2, 5))
    both_W, both_b = numeric_gradients(net, X, Y)
    calls = []
    real_cost = net._cost
    net._cost = lambda *args: calls.append(1) or real_cost(*args)
    only_W, none_b = numeric_gradients(net, X, Y, which="W")
    passes_W = len(calls)
    none_W, only_b = numeric_gradients(net, X, Y, which="b")
    assert none_b is None and none_W is None
    assert passes_W == 4 * (6 + 6) and len(calls) - passes_W == 4 * (3 + 2)
    for l in (1, 2):
        np.testing.assert_array_equal(only_W[l], both_W[l])
        np.testing.assert_array_equal(only_b[l], both_b[l])
    with pytest.raises(ValueError, match="which"):
        numeric_gradients(net, X, Y, which="w")


def test_both_stencils_agree_with_backprop():
    rng = np.random.default_rng(5)
    net = Network([2, 3, 2], "tanh", "mse", seed=5)
    X, Y = rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    assert gradcheck(net, X, Y, eps=1e-6, stencil=2).max_error < 1e-6
    assert gradcheck(net, X, Y).max_error < 1e-9
    assert "layer" in gradcheck(net, X, Y).table()


def test_relative_error_is_scaled_by_the_largest_entry():
    assert relative_error([1.0, 1e-9], [1.0, 2e-9]) == pytest.approx(1e-9)
    assert relative_error([2.0], [1.0]) == pytest.approx(0.5)
    assert relative_error([0.0], [0.0]) == 0.0


# -- sympy: each registered derivative is the derivative of the registered expression --------

@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_derivative_matches_sympy(name):
    import sympy as sp
    act = ACTIVATIONS[name]
    z = sp.Symbol("z", real=True)
    f = sp.lambdify(z, act.sympy(z), "numpy")
    df = sp.lambdify(z, sp.diff(act.sympy(z), z), "numpy")
    pts = np.array([-3.1, -0.7, -0.2, 0.3, 0.9, 2.5])  # away from the kink at 0
    np.testing.assert_allclose(act.f(pts), np.broadcast_to(f(pts), pts.shape), rtol=1e-12)
    np.testing.assert_allclose(act.df(pts, act.f(pts)), np.broadcast_to(df(pts), pts.shape),
                               rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(COSTS))
def test_cost_gradient_matches_sympy(name):
    import sympy as sp
    cost = COSTS[name]
    a = sp.symbols("a1:4")
    y = sp.symbols("y1:4")
    Cx = cost.sympy(a, y)
    A = np.array([[0.2], [0.7], [0.4]])
    Y = np.array([[0.0], [1.0], [0.3]])
    subs = {**dict(zip(a, A.ravel())), **dict(zip(y, Y.ravel()))}
    assert cost.value(A, Y) == pytest.approx(float(Cx.subs(subs)), rel=1e-12)
    grad = [float(sp.diff(Cx, aj).subs(subs)) for aj in a]
    np.testing.assert_allclose(cost.grad(A, Y).ravel(), grad, rtol=1e-12)

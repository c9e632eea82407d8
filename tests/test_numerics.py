"""Numerical stability: no overflow warnings, finite costs at saturated outputs.
pytest turns every warning into an error (pyproject.toml), so 'no warning' is asserted."""
import numpy as np
import pytest

from bpcore import ACTIVATIONS, COSTS, Network, gradcheck


def test_sigmoid_at_plus_minus_1000_is_exact_and_silent():
    s = ACTIVATIONS["sigmoid"].f(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert s[1] > 0 and abs(s[1] - np.exp(-40.0)) < 1e-30  # the tail keeps its precision


def test_cross_entropy_at_outputs_exactly_zero_and_one_is_finite():
    ce = COSTS["cross_entropy"]
    A = np.array([[0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    assert np.isfinite(ce.value(A, Y)) and ce.value(A, Y) > 10
    assert np.all(np.isfinite(ce.grad(A, Y)))
    assert ce.value(A[:, :2], Y[:, :2]) < 1e-9  # right and certain: nearly zero cost


def test_saturated_sigmoid_output_still_gets_the_right_gradient():
    """With cross-entropy and a sigmoid output, delta^L = a - y exactly, even at a = 1."""
    net = Network([1, 1], "sigmoid", "cross_entropy", weights=[[[1000.0]]], biases=[0.0])
    g = net.gradients([[1.0]], [[0.0]])
    assert g.trace.output[0, 0] == 1.0
    assert g.delta[1][0, 0] == 1.0 and np.isfinite(g.cost)


def test_tanh_and_relu_networks_on_huge_inputs_stay_finite():
    net = Network([2, 3, 1], ["tanh", "sigmoid"], seed=0)
    out = net.predict(np.array([[1e6, -1e6], [-1e6, 1e6]]))
    assert np.all(np.isfinite(out))


def _one_neuron(z, y, cost="cross_entropy"):
    """One sigmoid neuron with w = 1, b = 0 and input z: its z^1 is z."""
    net = Network([1, 1], "sigmoid", cost, weights=[[[1.0]]], biases=[0.0])
    return net, np.array([[float(z)]]), np.array([[float(y)]])


def _exact_cross_entropy(z, y):
    """-[y ln sigma(z) + (1 - y) ln(1 - sigma(z))] in 400-digit arithmetic (mpmath), enough
    to hold 1 - sigma(800) ~ e^-800."""
    import mpmath
    with mpmath.workdps(400):
        z = mpmath.mpf(z)
        sigma = 1 / (1 + mpmath.exp(-z))
        return float(-(y * mpmath.log(sigma) + (1 - y) * mpmath.log(1 - sigma)))


@pytest.mark.parametrize("z, y", [(30.0, 0.0), (30.0, 1.0), (30.0, 0.25), (-40.0, 1.0),
                                  (800.0, 0.0), (-800.0, 0.0), (0.0, 0.5)])
def test_cross_entropy_of_a_saturated_sigmoid_is_exact(z, y):
    """C from z^L: at z = 30, y = 0 the clipped cost was 27.63; the true value is
    softplus(30) = 30.000000000000092."""
    exact = _exact_cross_entropy(z, y)
    if (z, y) == (30.0, 0.0):
        assert exact == pytest.approx(30.000000000000092, rel=1e-15)
    net, X, Y = _one_neuron(z, y)
    assert net.cost(X, Y) == pytest.approx(exact, rel=1e-14, abs=1e-300)
    assert net.gradients(X, Y).cost == pytest.approx(exact, rel=1e-14, abs=1e-300)


@pytest.mark.parametrize("z, y", [(30.0, 0.0), (-30.0, 1.0), (36.0, 0.5), (-25.0, 0.7),
                                  (20.0, 0.3)])
def test_cross_entropy_agrees_with_its_gradient_when_saturated(z, y):
    """The cost and BP1 (delta = a - y) describe the same function: finite differences of the
    exact cost give backprop's gradient, where the clipped cost gave an error of 1.0."""
    net, X, Y = _one_neuron(z, y)
    report = gradcheck(net, X, Y)
    assert report.max_error < 1e-6, report.table()


def test_right_and_certain_output_has_a_gradient_exact_to_rounding():
    """z = 30, y = 1: dC/dz = sigma(30) - 1 = -9.36e-14, and a - y gives it to the rounding of
    a = sigma(30) (1.1e-16 absolute), the precision of a float64 near 1."""
    net, X, Y = _one_neuron(30.0, 1.0)
    exact = -float(1 / (1 + np.exp(30.0)))                        # -sigma(-30)
    got = float(net.gradients(X, Y).b[1][0, 0])
    assert abs(got - exact) <= np.finfo(float).eps and got < 0


def _chain(depth=8, w=0.1):
    """A chain of one-unit sigmoid layers, every w = 0.1, zero biases; x = 1, y = 1."""
    net = Network([1] * (depth + 1), "sigmoid", "quadratic",
                  weights=[[[w]]] * depth, biases=[0.0] * depth)
    return net, np.ones((1, 1)), np.ones((1, 1))


def test_gradcheck_says_below_resolution_instead_of_calling_an_exact_gradient_a_bug():
    net, X, Y = _chain()
    report = gradcheck(net, X, Y)
    assert abs(float(report.backprop_W[1][0, 0])) < 1e-12            # dC/dw1 ~ 7e-13
    assert report.resolution > abs(float(report.backprop_W[1][0, 0]))
    assert not report.resolved(report.backprop_W[1]) and report.resolved(report.backprop_W[8])
    assert report.max_error < 1e-6, report.table()                   # was 0.31
    assert "below resolution" in report.table().splitlines()[1]


def _with_df(net, l, df):
    sigmoid = net.activations[l]
    net.activations[l] = type(sigmoid)(sigmoid.name, sigmoid.f, df, sigmoid.sympy)


def test_gradcheck_still_catches_sigma_prime_of_a_on_the_chain():
    """The forward/backward-propagation article's slip: sigma'(a) = sigma(a)(1 - sigma(a))
    where sigma'(z) = a (1 - a) is meant. On the output layer it is resolvable and caught."""
    net, X, Y = _chain()
    sigmoid = ACTIVATIONS["sigmoid"]
    _with_df(net, 8, lambda z, a: sigmoid.f(a) * (1 - sigmoid.f(a)))
    assert gradcheck(net, X, Y).worst[8] > 1e-2


def test_gradcheck_catches_a_missing_transpose_in_bp2(monkeypatch):
    import bpcore.network as network
    rng = np.random.default_rng(3)
    net = Network([3, 3, 3], "tanh", "quadratic", seed=3)
    X, Y = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def bp2_without_transpose(W_next, delta_next, sigma, z, a):
        return (W_next @ delta_next) * sigma.df(z, a)

    monkeypatch.setattr(network, "bp2", bp2_without_transpose)
    report = gradcheck(net, X, Y)
    assert report.worst[1] > 1e-2 and report.worst[2] < 1e-8

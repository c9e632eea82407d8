"""Numerical stability: no overflow warnings, finite costs at saturated outputs.
pytest turns every warning into an error (pyproject.toml), so 'no warning' is asserted."""
import numpy as np

from bpcore import ACTIVATIONS, LOSSES, Network


def test_sigmoid_at_plus_minus_1000_is_exact_and_silent():
    s = ACTIVATIONS["sigmoid"].f(np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0]))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert s[1] > 0 and abs(s[1] - np.exp(-40.0)) < 1e-30  # the tail keeps its precision


def test_cross_entropy_at_outputs_exactly_zero_and_one_is_finite():
    ce = LOSSES["cross_entropy"]
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

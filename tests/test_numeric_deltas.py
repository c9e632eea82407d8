"""The error of a neuron measured by its definition, delta^l_j = dC/dz^l_j: nudge z^l_j, run the
forward pass on, and compare the change of the cost with backpropagation's delta (BP1, BP2)."""
import numpy as np
import pytest
from hypothesis import given

from bpcore import Network
from bpcore.gradcheck import nudged_costs, numeric_deltas, relative_error, resolution
from conftest import assert_unchanged, snapshot
from strategies import networks


def worst_per_layer(net, X, Y, **kwargs):
    """Backprop's delta^l against numeric_deltas, relative error per layer, beyond what finite
    differences resolve for the largest per-sample cost."""
    g = net.gradients(X, Y)
    measured = numeric_deltas(net, X, Y, **kwargs)
    costs = nudged_costs(net, X, Y, 1, 0, 0.0)
    res = resolution(float(np.max(np.abs(costs))), kwargs.get("eps", 1e-4))
    assert measured[0] is None and len(measured) == net.L + 1
    for l in range(1, net.L + 1):
        assert measured[l].shape == g.delta[l].shape
    return [relative_error(g.delta[l], measured[l], resolution=res)
            for l in range(1, net.L + 1)]


@given(networks())
def test_measured_deltas_agree_with_backpropagation(case):
    net, X, Y = case
    snap = snapshot(net)
    assert max(worst_per_layer(net, X, Y)) < 1e-6
    assert_unchanged(net, snap)


def test_the_plain_central_difference_agrees_to_its_own_accuracy():
    rng = np.random.default_rng(4)
    net = Network([3, 4, 3, 2], "sigmoid", seed=4,
                  biases=[rng.standard_normal(n) for n in (4, 3, 2)])
    X, Y = rng.standard_normal((3, 3)), rng.uniform(0, 1, (2, 3))
    assert max(worst_per_layer(net, X, Y, stencil=2)) < 1e-6
    assert max(worst_per_layer(net, X, Y, stencil=4)) < 1e-9


def test_nudging_moves_the_cost_by_delta_times_the_nudge():
    rng = np.random.default_rng(2)
    net = Network([2, 3, 2], ["tanh", "sigmoid"], "cross_entropy", seed=2)
    X, Y = rng.standard_normal((2, 4)), rng.uniform(0, 1, (2, 4))
    g = net.gradients(X, Y)
    base = nudged_costs(net, X, Y, 1, 2, 0.0)
    assert base.shape == (4,)
    assert base.mean() == pytest.approx(net.cost(X, Y), rel=1e-14)
    eps = 1e-6
    moved = nudged_costs(net, X, Y, 1, 2, eps) - base
    np.testing.assert_allclose(moved, g.delta[1][2] * eps, rtol=1e-4, atol=1e-14)
    # only neuron 2's weighted input moved: the others' deltas say nothing about it
    assert not np.allclose(moved, g.delta[1][0] * eps, rtol=1e-4)


def test_the_output_layer_is_bp1():
    """At the output, nudging z^L_j changes a^L_j alone: the measured delta is BP1's."""
    net = Network([1, 1], "sigmoid", "quadratic", weights=[[[2.0]]], biases=[2.0])
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    a = net.predict(X)[0, 0]
    measured = numeric_deltas(net, X, Y)[1][0, 0]
    assert measured == pytest.approx((a - 0.0) * a * (1 - a), rel=1e-9)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(layer=0), ValueError, ["layer", "1 to L = 2", "got 0"]),
    (dict(layer=3), ValueError, ["layer", "got 3"]),
    (dict(layer=1.0), TypeError, ["layer", "whole number", "1.0"]),
    (dict(layer=True), TypeError, ["layer", "True"]),
    (dict(neuron=3), ValueError, ["neuron", "3 neurons", "0 to 2", "got 3"]),
    (dict(neuron=-1), ValueError, ["neuron", "got -1"]),
    (dict(neuron="1"), TypeError, ["neuron", "'1'"]),
    (dict(shift=float("nan")), ValueError, ["shift", "finite", "nan"]),
    (dict(shift="0.1"), TypeError, ["shift", "'0.1'"]),
    (dict(X=np.ones((4, 2))), ValueError, ["X", "transposed"]),
    (dict(Y=np.ones((3, 4))), ValueError, ["Y"]),
])
def test_bad_arguments_are_named_and_leave_the_network_unchanged(kwargs, error, words):
    net = Network([2, 3, 2], "tanh", seed=0)
    args = dict(X=np.ones((2, 4)), Y=np.zeros((2, 4)), layer=1, neuron=0, shift=1e-4)
    args.update(kwargs)
    snap = snapshot(net)
    with pytest.raises(error) as info:
        nudged_costs(net, args["X"], args["Y"], args["layer"], args["neuron"], args["shift"])
    for word in words:
        assert word in str(info.value), f"{word!r} not in: {info.value}"
    assert_unchanged(net, snap)


@pytest.mark.parametrize("kwargs, words", [
    (dict(eps=0.0), ["eps", "0.0"]), (dict(eps=1), ["eps", "1"]),
    (dict(stencil=3), ["stencil", "2 or 4", "3"]),
])
def test_numeric_deltas_names_a_bad_step_or_stencil(kwargs, words):
    net = Network([2, 3, 2], "tanh", seed=0)
    snap = snapshot(net)
    with pytest.raises(ValueError) as info:
        numeric_deltas(net, np.ones((2, 2)), np.zeros((2, 2)), **kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)
    assert_unchanged(net, snap)

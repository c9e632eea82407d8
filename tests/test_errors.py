"""Bad input: a clear error that names the argument, says what was expected and what came,
and leaves the network exactly as it was."""
import numpy as np
import pytest

from bpcore import Network, data
from conftest import assert_unchanged, snapshot

X, Y = data.moons(20, seed=0)          # X (2, 20), Y (2, 20)


@pytest.fixture
def net():
    return Network([2, 3, 2], ["tanh", "sigmoid"], "cross_entropy", seed=0)


def every_entry_point(net, X_, Y_, lr=0.5):
    """Call each public method that takes data; each must raise."""
    return [
        lambda: net.gradients(X_, Y_),
        lambda: net.cost(X_, Y_),
        lambda: net.train(X_, Y_, lr=lr, steps=3),
        lambda: net.train(X_, Y_, lr=lr, epochs=1, batch_size=4),
    ]


def assert_all_raise(net, calls, error, *fragments):
    snap = snapshot(net)
    for call in calls:
        with pytest.raises(error) as info:
            call()
        for fragment in fragments:
            assert fragment in str(info.value), f"{fragment!r} not in: {info.value}"
        assert_unchanged(net, snap)


def test_transposed_X_is_recognised_and_X_T_suggested(net):
    calls = every_entry_point(net, X.T, Y) + [lambda: net.forward(X.T)]
    assert_all_raise(net, calls, ValueError, "X", "transposed", "X.T", "(20, 2)", "(n_0, m)")


def test_X_with_the_wrong_number_of_rows(net):
    assert_all_raise(net, [lambda: net.forward(np.ones((3, 5)))], ValueError,
                     "X", "expected 2 rows", "(3, 5)")


def test_one_dimensional_X_gets_a_reshape_hint(net):
    assert_all_raise(net, [lambda: net.forward(np.array([0.05, 0.1]))], ValueError,
                     "X", "2-D", "reshape(-1, 1)")


def test_Y_of_the_wrong_shape(net):
    assert_all_raise(net, every_entry_point(net, X, Y[:1]), ValueError,
                     "Y", "(2, 20)", "(1, 20)")
    assert_all_raise(net, every_entry_point(net, X, Y.T), ValueError, "Y", "Y.T")


def test_one_dimensional_targets_for_one_output():
    net = Network([3, 2, 1], ["sigmoid", "identity"], "mse")
    Xr, Yr = data.regression(10)
    assert_all_raise(net, every_entry_point(net, Xr, Yr[0]), ValueError,
                     "Y", "reshape(1, -1)")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data(net, bad):
    Xb = X.copy()
    Xb[1, 3] = bad
    assert_all_raise(net, every_entry_point(net, Xb, Y), ValueError, "X", "finite")
    Yb = Y.copy()
    Yb[0, 0] = bad
    assert_all_raise(net, every_entry_point(net, X, Yb), ValueError, "Y", "finite")


def test_non_numeric_data(net):
    assert_all_raise(net, every_entry_point(net, [["a", "b"]], Y), TypeError, "X", "numbers")


def test_empty_data(net):
    assert_all_raise(net, every_entry_point(net, np.zeros((2, 0)), np.zeros((2, 0))),
                     ValueError, "X", "no samples")


@pytest.mark.parametrize("lr,error", [(0, ValueError), (-0.1, ValueError),
                                      (float("nan"), ValueError), (float("inf"), ValueError),
                                      ("0.5", TypeError), (None, TypeError), (True, TypeError)])
def test_learning_rate(net, lr, error):
    calls = [lambda: net.train(X, Y, lr=lr, steps=3),
             lambda: net.train(X, Y, lr=lr, epochs=1, batch_size=2)]
    assert_all_raise(net, calls, error, "lr")


def test_cross_entropy_targets_outside_0_1(net):
    assert_all_raise(net, every_entry_point(net, X, 2 * Y - 0.5), ValueError,
                     "Y", "cross_entropy", "[0, 1]", "-0.5", "1.5")


def test_training_length_and_batch_arguments(net):
    calls = [lambda: net.train(X, Y, lr=0.1),
             lambda: net.train(X, Y, lr=0.1, steps=3, epochs=2),
             lambda: net.train(X, Y, lr=0.1, steps=0),
             lambda: net.train(X, Y, lr=0.1, steps=2.5),
             lambda: net.train(X, Y, lr=0.1, steps=3, batch_size=0),
             lambda: net.train(X, Y, lr=0.1, steps=3, record_every=0)]
    snap = snapshot(net)
    for call in calls:
        with pytest.raises((TypeError, ValueError)) as info:
            call()
        assert any(w in str(info.value) for w in ("steps", "epochs", "batch_size",
                                                  "record_every"))
        assert_unchanged(net, snap)


# -- construction ------------------------------------------------------------------------

@pytest.mark.parametrize("sizes,fragment", [
    ([2, 0, 1], "sizes[1]"), ([2, -3, 1], "sizes[1]"), ([2, 1.5, 1], "sizes[1]"),
    ([2, "3", 1], "sizes[1]"), ([2, True], "sizes[1]"), ([2], "at least two"),
    (3, "list of layer widths"), ("221", "list of layer widths")])
def test_sizes_must_be_positive_integers(sizes, fragment):
    with pytest.raises((TypeError, ValueError), match="sizes") as info:
        Network(sizes)
    assert fragment in str(info.value)


def test_numpy_integers_are_fine_as_sizes():
    assert Network(np.array([2, 3, 1])).sizes == [2, 3, 1]


def test_weights_whose_shapes_do_not_chain():
    with pytest.raises(ValueError) as info:
        Network([2, 2, 2], weights=[np.ones((2, 2)), np.ones((2, 3))])
    msg = str(info.value)
    assert "weights[1] (W^2)" in msg and "(2, 2)" in msg and "(2, 3)" in msg
    with pytest.raises(ValueError, match="expected 2 matrices"):
        Network([2, 2, 2], weights=[np.ones((2, 2))])
    with pytest.raises(ValueError, match=r"biases\[0\] \(b\^1\)"):
        Network([2, 2, 2], biases=[np.ones(3), np.ones(2)])
    with pytest.raises(ValueError, match="weights.*finite"):
        Network([2, 2], weights=[[[1.0, np.nan], [0.0, 1.0]]])


def test_number_of_activations_must_match_the_layers():
    with pytest.raises(ValueError) as info:
        Network([2, 3, 1], activation=["tanh", "sigmoid", "relu"])
    assert "expected 2 names" in str(info.value) and "len(sizes) - 1" in str(info.value)


def test_unknown_activation_and_cost_list_the_valid_names():
    with pytest.raises(ValueError) as info:
        Network([2, 1], activation="sigmoind")
    for name in ("'sigmoind'", "sigmoid", "tanh", "relu", "leaky_relu", "identity", "step"):
        assert name in str(info.value)
    with pytest.raises(ValueError, match=r"activation\[1\] \(layer 2\)"):
        Network([2, 2, 1], activation=["tanh", "softmax"])
    with pytest.raises(ValueError) as info:
        Network([2, 1], cost="crossentropy")
    for name in ("'crossentropy'", "quadratic", "mse", "cross_entropy"):
        assert name in str(info.value)
    with pytest.raises(TypeError, match="activation"):
        Network([2, 1], activation=3)


def test_cross_entropy_needs_a_sigmoid_output():
    with pytest.raises(ValueError, match="sigmoid"):
        Network([2, 2], activation="relu", cost="cross_entropy")


def test_given_parameters_are_copied():
    W1, b1 = np.ones((3, 2)), np.zeros(3)
    net = Network([2, 3], weights=[W1], biases=[b1])
    W1[0, 0] = 5.0
    b1[0] = 5.0
    assert net.W[1][0, 0] == 1.0 and net.b[1][0, 0] == 0.0
    assert net.b[1].shape == (3, 1)


def test_default_initialisation_is_seeded_and_scaled():
    a, b, c = Network([50, 40, 1], seed=3), Network([50, 40, 1], seed=3), Network([50, 40, 1])
    np.testing.assert_array_equal(a.W[1], b.W[1])
    np.testing.assert_array_equal(c.W[1], Network([50, 40, 1], seed=0).W[1])  # None means 0
    assert not np.array_equal(a.W[1], c.W[1])
    assert np.std(a.W[1]) == pytest.approx(1 / np.sqrt(50), rel=0.1)
    assert np.all(a.b[1] == 0)


def test_the_cross_entropy_shortcut_refuses_another_output_activation():
    """delta = a - y holds only for a sigmoid output: Cost.delta (and bp1) say so."""
    from bpcore import ACTIVATIONS, COSTS, bp1
    z = np.array([[0.3, -1.2]])
    a, y = np.tanh(z), np.array([[0.0, 1.0]])
    with pytest.raises(ValueError, match="sigma: the cross_entropy cost's BP1 needs a 'sigmoid'"):
        bp1(COSTS["cross_entropy"], ACTIVATIONS["tanh"], z, a, y)
    s = ACTIVATIONS["sigmoid"].f(z)
    np.testing.assert_array_equal(bp1(COSTS["cross_entropy"], ACTIVATIONS["sigmoid"], z, s, y),
                                  s - y)

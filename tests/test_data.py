import numpy as np
import pytest

from bpcore import data


def test_moons_shapes_labels_and_determinism():
    X, Y = data.moons(200, noise=0.2, seed=1)
    assert X.shape == (2, 200) and Y.shape == (2, 200)
    np.testing.assert_array_equal(Y.sum(axis=0), 1)          # one-hot columns
    assert Y[1].sum() == 100
    X2, Y2 = data.moons(200, noise=0.2, seed=1)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    X3, _ = data.moons(200, noise=0.2, seed=2)
    assert not np.array_equal(X, X3)
    X1, Y1 = data.moons(201, noise=0.0, one_hot=False)
    assert X1.shape == (2, 201) and Y1.shape == (1, 201) and set(np.unique(Y1)) == {0.0, 1.0}


def test_moons_noise_is_the_standard_deviation_around_the_arcs():
    X0, Y0 = data.moons(400, noise=0.0, seed=0, one_hot=False)
    X1, _ = data.moons(400, noise=0.3, seed=0, one_hot=False)
    upper = Y0[0] == 0
    # Without noise the upper moon lies on the unit circle; the lower one on its shifted twin.
    np.testing.assert_allclose(np.hypot(X0[0, upper], X0[1, upper]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(X0[0, ~upper] - 1, X0[1, ~upper] - 0.5), 1.0,
                               atol=1e-12)
    assert np.std(X1 - X0) == pytest.approx(0.3, rel=0.1)


def test_xor_and_regression():
    X, Y = data.xor()
    np.testing.assert_array_equal(Y[0], np.logical_xor(X[0], X[1]))
    X, Y = data.regression(500, seed=4)
    assert X.shape == (3, 500) and Y.shape == (1, 500)
    assert X.min() >= -1 and X.max() <= 1
    Xn, Yn = data.regression(500, noise=0.0, seed=4)
    np.testing.assert_array_equal(X, Xn)
    assert np.std(Y - Yn) == pytest.approx(0.05, rel=0.2)


def test_worked_example_is_the_2_2_2_network():
    ex = data.worked_example()
    net = ex.network()
    assert net.sizes == [2, 2, 2] and net.cost_function.name == "quadratic"
    assert [a.name for a in net.activations[1:]] == ["sigmoid", "sigmoid"]
    np.testing.assert_array_equal(net.b[1], [[0.35], [0.35]])
    # Two networks from the example do not share arrays.
    other = ex.network()
    other.W[1][0, 0] = 9
    assert net.W[1][0, 0] == 0.15


@pytest.mark.parametrize("kwargs", [dict(n=0), dict(noise=-1), dict(noise=float("nan"))])
def test_data_arguments_are_checked(kwargs):
    with pytest.raises((ValueError, TypeError)):
        data.moons(**kwargs)

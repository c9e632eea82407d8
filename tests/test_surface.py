"""bpcore.book.surface: the cost over two weights, and gradient descent restricted to them."""
import numpy as np
import pytest

from bpcore import TrainingDiverged, data, numeric_gradients
from bpcore.book.surface import ErrorSurface

from conftest import assert_unchanged, snapshot


@pytest.fixture(scope="module")
def problem():
    net, X, Y = data.two_minima()
    return net, X, Y, ErrorSurface(net, X, Y, p=(1, 1, 1), q=(2, 1, 1))


def test_grid_is_the_cost_of_the_network_with_those_weights(problem):
    net, X, Y, surface = problem
    u, v = np.array([-1.0, 0.5, 2.0]), np.array([-3.0, 2.0])
    C = surface.grid(u, v)
    assert C.shape == (2, 3)
    other = net.copy()
    other.W[1][0, 0], other.W[2][0, 0] = u[2], v[0]
    assert C[0, 2] == pytest.approx(other.cost(X, Y), rel=1e-12)
    assert surface.cost(0.5, 2.0) == pytest.approx(0.0, abs=1e-25)   # the targets' own weights


def test_two_minima_one_global_one_local(problem):
    *_, surface = problem
    right = surface.descend((1.0, 1.0), lr=0.5, steps=3000)
    left = surface.descend((-2.0, -1.0), lr=0.5, steps=3000)
    np.testing.assert_allclose(right.points[-1], [0.5, 2.0], atol=1e-6)
    assert right.final_cost < 1e-12
    assert left.final_cost > 0.1                       # stuck in the other valley
    # ... and it is a minimum: every small move from there costs more.
    pu, pv = left.points[-1]
    for du, dv in [(1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)]:
        assert surface.cost(pu + du, pv + dv) > left.final_cost


def test_descend_steps_along_the_backprop_gradient(problem):
    net, X, Y, surface = problem
    start, lr = (3.5, -1.0), 0.1
    path = surface.descend(start, lr=lr, steps=1)
    moved = net.copy()
    moved.W[1][0, 0], moved.W[2][0, 0] = start
    numeric_W, _ = numeric_gradients(moved, X, Y)            # finite differences, not backprop
    expected = np.array(start) - lr * np.array([numeric_W[1][0, 0], numeric_W[2][0, 0]])
    np.testing.assert_allclose(path.points[1], expected, rtol=1e-7)
    assert path.cost[0] == pytest.approx(moved.cost(X, Y))


def test_curvature_sets_the_largest_learning_rate_that_settles(problem):
    *_, surface = problem
    H = surface.hessian(0.5, 2.0)
    np.testing.assert_allclose(H, H.T, rtol=1e-6)
    h = np.linalg.eigvalsh(H).max()
    assert np.all(np.linalg.eigvalsh(H) > 0)              # a minimum: curved up both ways
    # Just below 2/h the walk settles at the bottom; just above it, it cannot.
    below = surface.descend((0.5 + 1e-3, 2.0), lr=0.95 * 2 / h, steps=2000)
    above = surface.descend((0.5 + 1e-3, 2.0), lr=1.05 * 2 / h, steps=2000)
    assert below.final_cost < 1e-12
    assert above.final_cost > 1e-6


def test_divergence_names_the_learning_rate_and_keeps_the_finite_path(problem):
    net, X, Y, surface = problem
    before = snapshot(surface.net)
    with pytest.raises(TrainingDiverged, match=r"lr=6\b.*smaller learning rate") as info:
        surface.descend((3.5, -1.0), lr=6.0, steps=400)
    err = info.value
    assert err.lr == 6.0 and 0 < err.step <= 400
    assert np.all(np.isfinite(err.history.cost)) and len(err.history.cost) == err.step
    assert_unchanged(surface.net, before)


def test_bad_arguments(problem):
    net, X, Y, _ = problem
    with pytest.raises(ValueError, match="layer l must be 1..2"):
        ErrorSurface(net, X, Y, p=(3, 1, 1), q=(2, 1, 1))
    with pytest.raises(ValueError, match="j in 1..1"):
        ErrorSurface(net, X, Y, p=(1, 1, 1), q=(2, 2, 1))
    with pytest.raises(ValueError, match="another weight"):
        ErrorSurface(net, X, Y, p=(1, 1, 1), q=(1, 1, 1))
    with pytest.raises(ValueError, match="X.T"):
        ErrorSurface(net, X.T, Y, p=(1, 1, 1), q=(2, 1, 1))

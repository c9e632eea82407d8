"""bpcore.book.speed: what is timed and how slopes are fitted (never how fast anything is)."""
import pytest

from bpcore.book import speed


def test_slope_recovers_the_power_law():
    timings = [speed.Timing([2, h, 2], P, {"backprop": 1e-4 * P, "finite differences":
                                           1e-6 * P**2, "sympy": None})
               for h, P in [(1, 7), (2, 12), (4, 22), (8, 42)]]
    assert speed.slope(timings, "backprop") == pytest.approx(1.0)
    assert speed.slope(timings, "finite differences") == pytest.approx(2.0)
    assert speed.slope(timings, "finite differences", min_params=20) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="method: need at least two"):
        speed.slope(timings, "sympy")


def test_gradient_times_runs_sympy_only_on_small_networks():
    messages = []
    timings = speed.gradient_times([[2, 1, 2], [2, 8, 2]], sympy_max_params=10,
                                   progress=messages.append)
    assert [t.n_params for t in timings] == [7, 42]
    assert timings[0].seconds["sympy"] is not None and timings[1].seconds["sympy"] is None
    assert all(t.seconds["backprop"] > 0 and t.seconds["finite differences"] > 0
               for t in timings)
    assert messages == ["timing 2-1-2 (7 parameters)", "timing 2-8-2 (42 parameters)"]

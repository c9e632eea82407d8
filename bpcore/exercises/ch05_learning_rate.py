"""Chapter 5's exercises, the learning rate: the largest stable rate for a Hessian, and a rate
that makes the chapter's walk settle in the global minimum.

Both checkers run bpcore's gradient descent with the reader's rate. Each exercise is one block:
solution, checker, then the declaration with the hint and the known-wrong answers. The tasks
are stated in chapters/05-learning-rate.md.
"""
import numbers

import numpy as np

from bpcore import data
from bpcore.book.surface import ErrorSurface
from bpcore.network import Network
from bpcore.train import TrainingDiverged

from .core import Exercise, Incorrect, call, compare, incorrect_if


def _rate_problem(value, name):
    """None when ``value`` is a finite number > 0 (a learning rate), else what it is not."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return f"{name}: expected a number, got {type(value).__name__}"
    try:
        value = float(value)
    except OverflowError:
        value = float("inf")
    if not np.isfinite(value):
        return f"{name}: expected a finite number, got {value}"
    if value <= 0:
        return f"{name}: a learning rate must be > 0, got {value:g}"
    return None


# == Exercise 5.1: largest_stable_lr =============================================================

def largest_stable_lr(H):
    # the curvature of the steepest direction
    h = np.linalg.eigvalsh(H).max()
    # along it an update multiplies the distance to the
    # minimum by 1 - lr h: it shrinks only if |1 - lr h| < 1
    return 2 / h


def _settles(net, X, Y, lr, steps=400):
    """Does bpcore's gradient descent with rate ``lr`` still make the cost fall at the end?"""
    try:
        history = net.copy().train(X, Y, lr=lr, steps=steps, train_biases=False)
    except TrainingDiverged:
        return False
    cost = history.cost
    return bool(cost[-1] <= cost[0] and cost[-1] <= cost[-2])


def _too_large_or_small(got, net, X, Y):
    """Run gradient descent a little below and above the reader's rate: which way is it off?"""
    if _rate_problem(got, "") is not None:
        return ""
    if not _settles(net, X, Y, 0.97 * float(got)):
        return ("; too large: bpcore's gradient descent on this cost does not settle even with "
                "a rate 3% below your answer")
    if _settles(net, X, Y, 1.03 * float(got)):
        return ("; too small: bpcore's gradient descent on this cost still settles with a "
                "rate 3% above your answer")
    return ""


def check_largest_stable_lr(f):
    for n, m, seed in [(2, 20, 51), (3, 30, 52), (5, 40, 53)]:
        # A linear neuron with the quadratic cost: C = 1/(2m) sum (w x - y)^2 is a bowl in the
        # weights w, and its Hessian is H = X X^T / m everywhere.
        r = np.random.default_rng(seed)
        X = r.normal(size=(n, m)) * r.uniform(0.3, 3.0, size=(n, 1))
        Y = r.normal(size=(1, m))
        net = Network([n, 1], "identity", "quadratic", seed=seed)
        H = X @ X.T / m
        got = call(f, H, name="largest_stable_lr")
        problem = compare(got, 2 / np.linalg.eigvalsh(H).max(),
                          f"largest_stable_lr(H) for a {n} x {n} Hessian H")
        if problem:
            raise Incorrect(problem + _too_large_or_small(got, net, X, Y))


q1 = Exercise(
    "Exercise 5.1", "largest_stable_lr", largest_stable_lr, check_largest_stable_lr,
    "In the bowl C = h/2 w^2, one update multiplies w by 1 - lr h. With several weights "
    "each direction along an eigenvector of H has its own h (its eigenvalue, from "
    "`np.linalg.eigvalsh`): which one breaks first as lr grows?",
    title="the largest stable learning rate for a Hessian H",
    wrong={"the flattest direction instead of the steepest": (
        lambda H: 2 / np.linalg.eigvalsh(H).min(), "too large")})


# == Exercise 5.2: lr_that_converges =============================================================

# 200 updates, not the chapter's 300: its "good" rate (0.5) is then still on its way.
_START, _STEPS, _GOAL = (3.5, -1.0), 200, 1e-6


def check_lr_that_converges(lr):
    incorrect_if(_rate_problem(lr, "lr_that_converges"))
    lr = float(lr)
    net, X, Y = data.two_minima()
    surface = ErrorSurface(net, X, Y, p=(1, 1, 1), q=(2, 1, 1))
    try:
        walk = surface.descend(_START, lr=lr, steps=_STEPS)
    except TrainingDiverged as e:
        raise Incorrect(f"diverged with lr={lr:g}: the cost overflowed at update {e.step} of "
                        f"{_STEPS}") from None
    cost = walk.cost
    if walk.final_cost < _GOAL:
        return
    if walk.final_cost > cost[0]:
        raise Incorrect(f"diverged with lr={lr:g}: after {_STEPS} updates the cost is higher "
                        f"than at the start ({walk.final_cost:.3g})")
    if np.any(np.diff(cost[-50:]) > 0):
        raise Incorrect(f"too large: with lr={lr:g} the walk is still bouncing after {_STEPS} "
                        f"updates (the cost goes up as well as down; it ends at "
                        f"{walk.final_cost:.3g}, the goal is below {_GOAL:g})")
    raise Incorrect(f"too slow: with lr={lr:g} the cost is still {walk.final_cost:.3g} after "
                    f"{_STEPS} updates (the goal is below {_GOAL:g})")


q2 = Exercise(
    "Exercise 5.2", "lr_that_converges", 0.7, check_lr_that_converges,
    "Too small and the walk is still on the shelf after 200 updates (the chapter's "
    "good rate needs more); above 2/h, the limit at the bottom, it ends up bouncing "
    "there. The chapter prints that limit: try rates a little below it.",
    title="a learning rate for the chapter's walk",
    wrong={"a rate above 2/h at the valley floor": (1.5, "still bouncing")})

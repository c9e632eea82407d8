"""Chapter 4's exercises, activation functions: the slopes sigma'(z) and ReLU'(z).

Each exercise is one block: solution, checker, then the declaration with the hint and the
known-wrong answers. The tasks are stated in chapters/04-activations.md.
"""
import numpy as np

from bpcore.activations import get_activation

from .core import Exercise, Incorrect, call, compare, finite_difference, gradient_check

_sigmoid, _relu = get_activation("sigmoid"), get_activation("relu")


def _activation_inputs(seed, avoid_zero=False):
    """Fresh arrays of weighted inputs z of several shapes, from -12 to 12 and a few far out."""
    r = np.random.default_rng(seed)
    zs = [r.normal(scale=3, size=(3, 5)), r.uniform(-12, 12, size=(1, 9)),
          np.array([[-30.0, -8.0, -0.5, 0.25, 2.0, 30.0]]), r.normal(size=7)]
    if avoid_zero:                        # the kink: no test point within 1e-3 of z = 0
        zs = [np.where(np.abs(z) < 1e-3, 0.5, z) for z in zs]
    return zs


def _check_slope(f, name, act, seed, diagnose, avoid_zero=False):
    """Check the reader's derivative ``f`` against bpcore's ``act.df`` on fresh inputs; when it
    differs, ``diagnose(got, z)`` names a known mistake (or returns ""), and the message says
    whether it is at least the slope of ``act.f`` (finite differences)."""
    for z in _activation_inputs(seed, avoid_zero):
        got = call(f, z, name=name)
        problem = compare(got, act.df(z, act.f(z)), f"{name}(z) for z of shape {z.shape}")
        if problem:
            raise Incorrect(problem + diagnose(got, z) + gradient_check(
                got, finite_difference(act.f, z), f"{act.name}(z)"))


# == Exercise 4.1: sigmoid_prime =================================================================

def sigmoid_prime(z):
    a = 1 / (1 + np.exp(-z))       # sigma(z)
    return a * (1 - a)             # sigma(z) (1 - sigma(z))


def _sigmoid_prime_of_z(got, z):
    if compare(got, z * (1 - z), "") is None:
        return ("; it computes z (1 - z): the shortcut a (1 - a) needs the activation "
                "a = sigma(z), not z (like taking sigma' at a instead of z, the mistake "
                "chapter 3 corrects in the forward/backward-propagation article)")
    return ""


def check_sigmoid_prime(f):
    _check_slope(f, "sigmoid_prime", _sigmoid, 41, _sigmoid_prime_of_z)


q1 = Exercise(
    "Exercise 4.1", "sigmoid_prime", sigmoid_prime, check_sigmoid_prime,
    "sigma(z) = 1 / (1 + e^-z). Its derivative can be written with sigma(z) itself: "
    "compute a = sigma(z) first, then combine a with 1 - a. Use numpy's elementwise "
    "operations, so that any shape works.",
    title="the slope of the sigmoid",
    wrong={"the derivative taken at z instead of at a = sigma(z)": (
        lambda z: z * (1 - z), "not z")})


# == Exercise 4.2: relu_prime ====================================================================

def relu_prime(z):
    # slope 1 right of the kink, 0 left of it
    return np.where(z > 0, 1.0, 0.0)


def _relu_itself(got, z):
    if compare(got, _relu.f(z), "") is None:
        return "; it returns ReLU(z) itself, not its slope"
    return ""


def check_relu_prime(f):
    _check_slope(f, "relu_prime", _relu, 42, _relu_itself, avoid_zero=True)


q2 = Exercise(
    "Exercise 4.2", "relu_prime", relu_prime, check_relu_prime,
    "ReLU is a straight line on each side of 0: what is the slope of the line z, and "
    "of the line 0? `np.where(condition, x, y)` picks between two values entrywise.",
    title="the slope of ReLU",
    wrong={"ReLU itself instead of its slope": (
        lambda z: np.maximum(z, 0.0), "returns ReLU(z) itself")},
    right={"slope 1 at the kink (either one-sided slope will do)": (
        lambda z: (z >= 0).astype(float))})

"""Chapter 4's exercises, activation functions: the slopes sigma'(z) and ReLU'(z) as code,
then four derivations written as expressions (sympy judges them, see :mod:`.derivation`):
sigma' and sigma'' written with s = sigma(z), and the output error delta^L of BP1 for a tanh
output with the quadratic cost and for a sigmoid output with cross-entropy.

Each exercise is one block: solution, checker, then the declaration with the hint and the
known-wrong answers. The tasks are stated in chapters/04-activations.md.
"""
import functools

import numpy as np
import sympy as sp

from bpcore.activations import get_activation
from bpcore.costs import COSTS

from . import derivation
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


# -- the derivations: bpcore's sympy forms, differentiated, give every reference --------------

_z = sp.Symbol("z", real=True)
_s = sp.Symbol("s", positive=True)                          # s = sigma(z), in (0, 1)
_SIGMOID_Z, _TANH_Z = _sigmoid.sympy(_z), get_activation("tanh").sympy(_z)
_SIGMOID_DOMAIN = {_s: (0.02, 0.98), _z: (-3.0, 3.0)}
_ON_S = dict(symbols=(_s,), stands_for=(_s, _SIGMOID_Z), domain=_SIGMOID_DOMAIN,
             note="s stands for sigma(z)", cases=[("s = 1/2", {_s: sp.Rational(1, 2)})])


@functools.cache
def _slope_of(f_z, a):
    """The activation's slope f'(z), written with its output a = f(z)."""
    return derivation.written_with(sp.diff(f_z, _z), _z, f_z, a, 0.25)


def _dC_da(cost, a, y):
    """The first factor of BP1 for one output neuron: dC/da of bpcore's sympy form of C."""
    return sp.diff(COSTS[cost].sympy([a], [y]), a)


# == Exercise 4.3: slope_in_s ====================================================================

slope_in_s = "s*(1 - s)"

check_slope_in_s = derivation.Expression(
    "slope_in_s", lambda: sp.diff(_SIGMOID_Z, _z), what="sigma'(z)", **_ON_S,
    mistakes=[
        ("z*(1 - z)", "takes z for s: the shortcut is written with s = sigma(z), not z"),
        (sp.diff(_SIGMOID_Z, _z).subs(_z, _s),
         "takes the slope at s, sigma'(s), where s is already sigma(z)"),
        (lambda: _slope_of(_TANH_Z, _s), "is tanh's slope written with its output, not "
                                         "the sigmoid's")])

q3 = derivation.DerivationExercise(
    "Exercise 4.3", "slope_in_s", slope_in_s, check_slope_in_s,
    "Differentiate sigma(z) = (1 + e^-z)^-1 with the chain rule. Then get rid of e^-z: "
    "from s = 1 / (1 + e^-z), solve for e^-z in terms of s.",
    title="sigma' written with s = sigma(z)",
    steps="""
        sigma'(z) = e^-z / (1 + e^-z)^2
        1 + e^-z = 1/s,  so e^-z = (1 - s)/s
        sigma'(z) = (1 - s)/s * s^2
    """,
    wrong={"the sign flipped": ("s^2 - s", "off by a sign"),
           "twice the slope": ("2*s*(1 - s)", "off by a constant factor"),
           "the peak slope, a constant": (0.25, "right at s = 1/2, wrong elsewhere"),
           "another curve through the peak": ("s/2", "right at s = 1/2"),
           "written with z": ("exp(-z)/(1 + exp(-z))^2", "but written with z"),
           "s and z mixed": ("s*(1 - z)", "depends on z, where it should not"),
           "z taken for s": ("z(1 - z)", "takes z for s"),
           "sigma'(s), the slip of chapter 3": ("sigma(s)*(1 - sigma(s))", "sigma'(s)"),
           "tanh's slope": ("1 - s^2", "tanh's slope"),
           "an unknown name": ("x*(1 - x)", "unknown name `x`")},
    right={"expanded": "s - s^2", "implicit products": "s(1 - s)",
           "a sympy expression": _s * (1 - _s),
           "a sympy expression of a plain symbol s": sp.Symbol("s") * (1 - sp.Symbol("s")),
           "typeset characters": "s \u2212 s\u00b2",
           "with sigma": "sigma(log(s/(1 - s)))*(1 - s)"})


# == Exercise 4.4: second_derivative_in_s ========================================================

second_derivative_in_s = "s*(1 - s)*(1 - 2*s)"

check_second_derivative_in_s = derivation.Expression(
    "second_derivative_in_s", lambda: sp.diff(_SIGMOID_Z, _z, 2), what="sigma''(z)",
    **_ON_S, mistakes=[
        (lambda: sp.diff(_slope_of(_SIGMOID_Z, _s), _s),
         "is the derivative of sigma' with respect to s, but sigma'' is with respect to z: "
         "by the chain rule, d/dz = (ds/dz) d/ds"),
        (lambda: _slope_of(_SIGMOID_Z, _s), "is sigma'(z) itself: differentiate it once "
                                            "more, with respect to z")])

q4 = derivation.DerivationExercise(
    "Exercise 4.4", "second_derivative_in_s", second_derivative_in_s,
    check_second_derivative_in_s,
    "Start from sigma'(z) written with s (Exercise 4.3) and differentiate it with respect "
    "to z, not s. By the chain rule, d/dz f(s) = f'(s) ds/dz, and ds/dz is sigma'(z) "
    "again, which you can write with s too.",
    title="sigma'' written with s = sigma(z)",
    steps="""
        sigma'' = d/dz [s (1 - s)]
                = (ds/dz) (1 - s) - s (ds/dz)
                = (ds/dz) (1 - 2s)
        with ds/dz = sigma'(z) = s (1 - s)
    """,
    wrong={"d/ds instead of d/dz": ("1 - 2s", "with respect to s"),
           "sigma' itself": ("s*(1 - s)", "is sigma'(z) itself"),
           "the sign flipped": ("s*(1 - s)*(2*s - 1)", "off by a sign"),
           "a factor 2 too many": ("2*s*(1 - s)*(1 - 2*s)", "off by a constant factor"),
           "a curve with the same zero": ("s*(1 - 2*s)", "right at s = 1/2, wrong elsewhere"),
           "zero everywhere": ("0", "it is a constant"),
           "written with z": ("exp(-z)*(exp(-z) - 1)/(1 + exp(-z))^3",
                              "but written with z")},
    right={"expanded": "2s^3 - 3s^2 + s", "factored differently": "(1-s)s(1-2s)",
           "a sympy expression": _s * (1 - _s) * (1 - 2 * _s)})


# == Exercise 4.5: delta_tanh ====================================================================

delta_tanh = "(a - y)*(1 - a**2)"

_a, _y = sp.Symbol("a", real=True), sp.Symbol("y", real=True)
check_delta_tanh = derivation.Expression(
    "delta_tanh", lambda: sp.diff(COSTS["quadratic"].sympy([_TANH_Z], [_y]), _z),
    (_a, _y), (_a, _TANH_Z), domain={_a: (-0.95, 0.95), _y: (-1.0, 1.0), _z: (-2.0, 2.0)},
    what="delta^L", note="a stands for tanh(z)", cases=[("a = 0", {_a: 0})],
    mistakes=[
        (_dC_da("quadratic", _a, _y),
         "is dC/da, the first factor of BP1: BP1 multiplies it by sigma'(z^L), here the "
         "slope of tanh, written with a"),
        (_dC_da("quadratic", _a, _y) * sp.diff(_TANH_Z, _z).subs(_z, _a),
         "takes tanh's slope at a, sigma'(a), where BP1 needs sigma'(z): a is already "
         "tanh(z)"),
        (lambda: _dC_da("quadratic", _a, _y) * _slope_of(_SIGMOID_Z, _a),
         "uses the sigmoid's slope, but this output neuron is tanh")])

q5 = derivation.DerivationExercise(
    "Exercise 4.5", "delta_tanh", delta_tanh, check_delta_tanh,
    "BP1 for one output neuron is delta^L = dC/da * sigma'(z). Differentiate "
    "C = (a - y)^2 / 2 with respect to a; then write tanh'(z) with a = tanh(z), as "
    "bpcore's df does (the section on sympy's derivatives above).",
    title="BP1 for a tanh output and the quadratic cost",
    steps="""
        dC/da = a - y
        tanh'(z) = 1 - tanh(z)^2 = 1 - a^2
    """,
    wrong={"dC/da alone": ("a - y", "is dC/da"),
           "sigma'(a), the slip of chapter 3": ("(a - y)(1 - tanh(a)^2)", "sigma'(a)"),
           "the sigmoid's slope": ("(a - y)*a*(1 - a)", "the sigmoid's slope"),
           "the sign flipped": ("(y - a)(1 - a^2)", "off by a sign"),
           "C without its 1/2": ("2(a - y)(1 - a^2)", "off by a constant factor"),
           "right only where tanh' = 1": ("(a - y)(1 + a^2)", "right at a = 0"),
           "no target": ("a(1 - a^2)", "does not depend on y"),
           "written with z": ("(tanh(z) - y)(1 - tanh(z)^2)", "but written with z"),
           "a glued product": ("(a - y)(1 - aa)", "write `a*a`")},
    right={"expanded": "a - y - a^3 + a^2 y", "signs swapped in both": "(y - a)(a^2 - 1)",
           "a sympy expression": (_a - _y) * (1 - _a ** 2)})


# == Exercise 4.6: delta_cross_entropy ===========================================================

delta_cross_entropy = "a - y"

_a01 = sp.Symbol("a", positive=True)                      # a sigmoid output, in (0, 1)
_CE_dC_da = _dC_da("cross_entropy", _a01, _y)
check_delta_cross_entropy = derivation.Expression(
    "delta_cross_entropy",
    lambda: sp.diff(COSTS["cross_entropy"].sympy([_SIGMOID_Z], [_y]), _z),
    (_a01, _y), (_a01, _SIGMOID_Z),
    domain={_a01: (0.02, 0.98), _y: (0.0, 1.0), _z: (-3.0, 3.0)},
    what="delta^L", note="a stands for sigma(z)",
    cases=[("y = 0", {_y: 0}), ("y = 1", {_y: 1})],
    mistakes=[
        (_CE_dC_da, "is dC/da, not dC/dz: BP1 multiplies dC/da by sigma'(z^L)"),
        (lambda: _CE_dC_da / _slope_of(_SIGMOID_Z, _a01),
         "divides dC/da by sigma'(z^L), where BP1 multiplies by it"),
        (lambda: _dC_da("quadratic", _a01, _y) * _slope_of(_SIGMOID_Z, _a01),
         "is the quadratic cost's delta^L: start from cross-entropy's dC/da")])

q6 = derivation.DerivationExercise(
    "Exercise 4.6", "delta_cross_entropy", delta_cross_entropy, check_delta_cross_entropy,
    "BP1: delta^L = dC/da * sigma'(z). Differentiate each logarithm of C with respect to a "
    "(d/da ln(1 - a) = -1 / (1 - a)), put the two terms over one denominator, then multiply "
    "by sigma'(z) written with a (Exercise 4.3).",
    title="BP1 for a sigmoid output and cross-entropy",
    steps="""
        dC/da = -y/a + (1 - y)/(1 - a)
              = (a - y) / (a (1 - a))
        sigma'(z) = a (1 - a) cancels it
    """,
    wrong={"dC/da alone": ("-y/a + (1 - y)/(1 - a)", "is dC/da, not dC/dz"),
           "dC/da, one fraction": ("(a - y)/(a(1 - a))", "is dC/da, not dC/dz"),
           "divided by sigma'": ("(a - y)/(a(1 - a))^2", "divides dC/da"),
           "the quadratic cost's": ("(a - y)a(1 - a)", "the quadratic cost's delta^L"),
           "the sign flipped": ("y - a", "off by a sign"),
           "only the y = 0 term": ("a", "right at y = 0, wrong at y = 1"),
           "only the y = 1 term": ("a - 1", "right at y = 1, wrong at y = 0"),
           "written with z": ("sigma(z) - y", "but written with z"),
           "brackets that do not close": ("(a*(1 - y)", "could not read"),
           "an equation": ("a == y", "expected an expression")},
    right={"the two terms expanded": "-y(1 - a) + (1 - y)a",
           "dC/da times sigma'": "(a - y)/(a(1 - a)) * a(1 - a)",
           "a sympy expression": _a01 - _y,
           "a sympy expression of plain symbols": sp.Symbol("a") - sp.Symbol("y")})

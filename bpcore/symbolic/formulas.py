"""The pieces the symbolic network's formulas are made of.

- :func:`weighted_inputs` and :func:`compose`: z^l = W^l a^{l-1} + b^l and a^l = sigma(z^l),
  layer after layer, as formulas.
- :func:`named_function` and :func:`in_formulas`: an activation kept whole in the formulas as a
  named sympy function, such as ``relu(b^1_1 + ...)`` or ``sigmoid(b^1_1 + ...)``.
  sympy rewrites a Piecewise inside another Piecewise's condition (the ReLU of a sum of ReLUs:
  is z^2_1 > 0?) as one branch per combination of the inner branches, so the formulas of a deep
  ReLU network grew exponentially: a 3-3-3-3 ReLU network took minutes to build and
  differentiate. The sigmoid written out, 1 / (1 + e^-z), made every formula and derivative
  about twice as long as kept whole (the 2-4-3-2 network's 35 derivatives: 1.1 s against
  0.6 s). The named function's value and derivative are still the activation's formula
  and sympy's derivative of it, and sympy still applies the chain rule to the whole cost.
  :func:`written_out` puts the formulas back for reading.
- :class:`softplus`, :class:`logistic` and :func:`cross_entropy_of_z`: the cross-entropy cost of
  a sigmoid output written from z^L, C_x = sum_j y_j softplus(-z^L_j) + (1 - y_j) softplus(z^L_j).
  The same cost written from a^L = sigma(z^L) takes ln(1 - a), and once the output saturates
  (z = 40 gives a = 1 in float64) that is ln 0 = -inf; from z^L it is finite and exact for
  every z, as the engine computes it (:mod:`bpcore.costs`).
- :func:`numpy_functions`: what ``sympy.lambdify`` calls for each of these functions.
"""
from __future__ import annotations

import functools

import numpy as np
import sympy as sp


#: What ``sympy.lambdify`` evaluates with: numpy as a module, not as the name "numpy". Given the
#: name, the first lambdify of a process runs ``from numpy import *``, which imports numpy's
#: lazily loaded submodules (f2py, testing, ...): 0.1-0.15 s of a chapter's run for nothing.
NUMPY = np


def weighted_inputs(w_l, b_l, a_prev) -> list:
    """z^l_j = sum_k w^l_{jk} a^{l-1}_k + b^l_j for every j, as formulas."""
    return [sum((w_jk * a_k for w_jk, a_k in zip(row, a_prev)), b_j)
            for row, b_j in zip(w_l, b_l)]


def compose(w, b, a_start, sigmas, start=0):
    """z^l and a^l for l = start+1..L as formulas of a^start = ``a_start`` and the parameters
    (lists indexed by layer, entries before ``start`` left None)."""
    z, a = [None] * (start + 1), [None] * start + [list(a_start)]
    for l in range(start + 1, len(w)):
        z.append(weighted_inputs(w[l], b[l], a[l - 1]))
        a.append([sigmas[l](e) for e in z[l]])
    return z, a


def select(condlist, choicelist, default=np.nan):
    """numpy.select for lambdified Piecewise formulas (ReLU). sympy writes a nested condition
    (an ITE) as a select whose NaN default makes it a float array, which numpy 2 refuses as a
    condition; every condition is made boolean here (the NaN default is never reached, since
    sympy's last condition is always True)."""
    return np.select([np.asarray(c).astype(bool) for c in condlist], choicelist, default)


@functools.lru_cache(maxsize=None)
def named_function(name, formula):
    """sigma(z) = ``formula(z)`` as a sympy function called ``name``, kept whole in formulas.

    For numbers it evaluates to the formula, and its derivative is sympy's derivative of the
    formula, sigma'(z) = d formula(t)/dt at t = z: for ReLU, Piecewise((1, z > 0), (0, True)).
    ``numpy`` is the formula lambdified, for the lambdified gradients; ``formula`` is
    ``formula``.
    """
    t = sp.Dummy("t", real=True)
    value = formula(t)
    slope = sp.diff(value, t)

    def value_at(cls, z):                   # sympy's Function.eval: None keeps sigma(z) whole
        if z.is_number:
            return value.xreplace({t: z})

    def derivative(self, argindex=1):       # sympy's Function.fdiff, used by its chain rule
        return slope.xreplace({t: self.args[0]})

    return type(name, (sp.Function,), {
        "nargs": 1, "eval": classmethod(value_at), "fdiff": derivative,
        "formula": staticmethod(formula),
        "numpy": staticmethod(sp.lambdify(t, value, modules=[{"select": select}, NUMPY])),
        "__doc__": f"The activation {name} as one sympy function (see named_function)."})


def in_formulas(activation):
    """How an activation is written inside the composed formulas: kept whole as a named
    function (see the module's docstring), unless its formula is z itself or already one sympy
    function of z (tanh)."""
    t = sp.Dummy("t", real=True)
    formula = activation.sympy(t)
    if formula == t or (isinstance(formula, sp.Function) and formula.args == (t,)):
        return activation.sympy
    return named_function(activation.name, activation.sympy)


def written_out(expr, sigmas):
    """``expr`` with every smooth activation among ``sigmas`` (as returned by
    :func:`in_formulas`) that is kept whole, such as sigmoid(z), replaced by its formula,
    1 / (1 + e^-z): the formula as it reads by hand. Piecewise ones (relu(z)) stay whole."""
    t = sp.Dummy("t", real=True)
    for f in set(sigmas):
        if isinstance(f, sp.FunctionClass) and hasattr(f, "formula") \
                and not f.formula(t).has(sp.Piecewise):
            expr = expr.replace(f, f.formula)
    return expr


class logistic(sp.Function):            # lower case, as sympy names its functions (exp, log)
    """logistic(z) = 1 / (1 + e^-z), the sigmoid, kept whole: the derivative of softplus.

    For numbers it evaluates to the formula; its derivative is logistic(z) (1 - logistic(z)).
    ``numpy`` computes it as exp(-ln(1 + e^-z)), which neither overflows nor loses the tails.
    """

    nargs = 1
    numpy = staticmethod(lambda z: np.exp(-np.logaddexp(0.0, np.negative(z))))

    @classmethod
    def eval(cls, z):
        if z.is_number:
            return 1 / (1 + sp.exp(-z))

    def fdiff(self, argindex=1):
        return logistic(self.args[0]) * (1 - logistic(self.args[0]))


class softplus(sp.Function):
    """softplus(z) = ln(1 + e^z), kept whole; its derivative is :class:`logistic`.

    For numbers it evaluates to the formula; ``numpy`` is ``np.logaddexp(0, z)``, exact for
    every z (ln(1 + e^z) itself overflows beyond z = 709 and rounds to 0 far below 0).
    """

    nargs = 1
    numpy = staticmethod(lambda z: np.logaddexp(0.0, z))

    @classmethod
    def eval(cls, z):
        if z.is_number:
            return sp.log(1 + sp.exp(z))

    def fdiff(self, argindex=1):
        return logistic(self.args[0])


def cross_entropy_of_z(z_L, y):
    """The cross-entropy cost of one sample for a sigmoid output, from z^L:

        C_x = -sum_j [y_j ln sigma(z_j) + (1 - y_j) ln(1 - sigma(z_j))]
            =  sum_j y_j softplus(-z_j) + (1 - y_j) softplus(z_j),

    since ln sigma(z) = -softplus(-z) and ln(1 - sigma(z)) = -softplus(z). (It equals
    sum_j softplus(z_j) - y_j z_j, but that form cancels to 0 where y = 1 and z is large.) Its
    derivative by z_j, (1 - y_j) sigma(z_j) - y_j sigma(-z_j) = sigma(z_j) - y_j, is BP1's
    delta^L_j, written the way it keeps its relative precision when the output saturates.
    """
    return sum((yj * softplus(-zj) + (1 - yj) * softplus(zj) for zj, yj in zip(z_L, y)),
               sp.Integer(0))


def numpy_functions(sigmas) -> dict:
    """The names ``sympy.lambdify`` must resolve, for formulas built with the activations
    ``sigmas`` (as returned by :func:`in_formulas`): the named functions' numpy versions."""
    named = {f.__name__: f.numpy for f in sigmas if isinstance(f, sp.FunctionClass)}
    return {"select": select, "softplus": softplus.numpy, "logistic": logistic.numpy} | named

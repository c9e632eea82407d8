"""Cost functions C: their value, their gradient with respect to the output activations, the
output error delta^L they give (BP1), and their sympy forms.

All costs are averages over the m samples (the columns of ``A`` and ``Y``), as assumed by the
four equations: C = (1/m) sum_x C_x. Shapes: ``A``, ``Y`` and ``Z`` are (n_L, m).

- ``quadratic``:     C_x = 1/2 sum_j (y_j - a_j)^2. For one sample this is the worked example's
                     E_total = 1/2 (t1 - o1)^2 + 1/2 (t2 - o2)^2.
- ``mse``:           the mean of the squared errors over all outputs and samples,
                     C = 1/(m n_L) sum (y - a)^2 (the regression network of the hand-written
                     numpy article; with one output, the usual MSE).
- ``cross_entropy``: binary cross-entropy summed over outputs,
                     C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] (the neurons-and-functions
                     article). Targets must lie in [0, 1] and the output layer must be sigmoid.
                     With a = sigma(z) it equals sum_j softplus(z_j) - y_j z_j, where
                     softplus(z) = ln(1 + e^z); computed in that form from z^L it is exact at any
                     z, also where a has rounded to exactly 0 or 1 (z = 40, y = 0: C = 40).

``grad(A, Y)`` is grad_a C_x for every sample x (one column each, no 1/m): the first factor of
BP1, delta^{x,L} = grad_a C_x (.) sigma'(z^{x,L}). The average over samples is taken in BP3 and
BP4, as in the matrix form of the four equations. ``delta`` is BP1 itself: the cost owns it, so
that a cost whose grad_a C cancels against sigma' can give the simpler exact form (Nielsen's
``CrossEntropyCost.delta``: delta^L = a^L - y).

``sympy(a, y)`` gives C_x for one sample, from lists of sympy symbols a_j and y_j.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .validate import registry_name

#: Without z^L, cross-entropy clips its outputs to [EPS, 1 - EPS] inside the logarithms.
EPS = 1e-12


@dataclass(frozen=True)
class Cost:
    """One cost C.

    name:    registry name, e.g. ``"quadratic"``.
    fn:      ``fn(A, Y, Z)`` -> C as a float; ``Z`` is z^L or None (see :meth:`value`).
    grad:    ``grad(A, Y)`` -> grad_a C_x, one column per sample (no 1/m), shape (n_L, m).
    sympy:   ``sympy(a, y)`` -> the sympy expression of C_x for one sample.
    output:  the output activation the cost needs, or None for any (cross_entropy: "sigmoid").
    probabilities: True when targets must lie in [0, 1] (cross_entropy).
    shortcut: ``shortcut(Z, A, Y)`` -> delta^L where grad_a C (.) sigma' simplifies for that
             output activation (cross_entropy on sigmoid: A - Y); None to use the product.
    """

    name: str
    fn: Callable
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    sympy: Callable
    output: str | None = None
    shortcut: Callable | None = None
    probabilities: bool = False

    def value(self, A, Y, Z=None) -> float:
        """C on outputs ``A`` = a^L and targets ``Y``, both (n_L, m).

        ``Z`` (z^L, (n_L, m)) is optional: cross-entropy uses it to stay exact where a sigmoid
        output has rounded to 0 or 1; without it, that cost clips the outputs to
        [EPS, 1 - EPS]. The other costs ignore it.
        """
        return self.fn(A, Y, Z)

    def delta(self, sigma, Z, A, Y) -> np.ndarray:
        """BP1, the output error: delta^L = grad_a C (.) sigma'(z^L), (n_L, m).

        ``sigma`` is the output layer's :class:`bpcore.Activation`; ``Z`` = z^L, ``A`` = a^L and
        ``Y`` are (n_L, m), unchecked. A cost with a ``shortcut`` returns that form; it holds
        only for the cost's required output activation, so any other ``sigma`` raises
        ValueError (naming both).
        """
        if self.shortcut is not None:
            if sigma.name != self.output:
                raise ValueError(f"sigma: the {self.name} cost's BP1 needs a {self.output!r} "
                                 f"output layer, got {sigma.name!r}")
            return self.shortcut(Z, A, Y)
        return self.grad(A, Y) * sigma.df(Z, A)

    def __repr__(self) -> str:
        return f"Cost({self.name!r})"


def _quadratic(A, Y, Z=None):
    diff = A - Y
    return 0.5 * float(np.vdot(diff, diff)) / A.shape[1]


def _quadratic_grad(A, Y):
    return A - Y


def _mse(A, Y, Z=None):
    diff = A - Y
    return float(np.vdot(diff, diff)) / A.size


def _mse_grad(A, Y):
    return (2.0 / A.shape[0]) * (A - Y)


def _cross_entropy(A, Y, Z=None):
    if Z is not None:
        # C_x = softplus(z) - y z with softplus(z) = max(z, 0) + ln(1 + e^-|z|): one exp, no log
        # of a rounded 0, and max(z, 0) - y z first, which is exactly 0 or z for y = 1 or 0.
        C = (np.maximum(Z, 0.0) - Y * Z) + np.log1p(np.exp(-np.abs(Z)))
        return float(C.sum()) / Z.shape[1]
    A = np.clip(A, EPS, 1.0 - EPS)
    return -float(np.vdot(Y, np.log(A)) + np.vdot(1.0 - Y, np.log1p(-A))) / A.shape[1]


def _cross_entropy_grad(A, Y):
    A = np.clip(A, EPS, 1.0 - EPS)
    return (A - Y) / (A * (1.0 - A))


def _cross_entropy_delta(Z, A, Y):
    """With a = sigma(z): grad_a C = (a - y) / (a (1 - a)) and sigma' = a (1 - a) cancel, and
    delta = a - y, exact to the rounding of a (1e-16), also where a has saturated."""
    return A - Y


def _sym_quadratic(a, y):
    import sympy as sp
    return sum((sp.Rational(1, 2) * (yj - aj) ** 2 for aj, yj in zip(a, y)), sp.Integer(0))


def _sym_mse(a, y):
    import sympy as sp
    return sum(((yj - aj) ** 2 for aj, yj in zip(a, y)), sp.Integer(0)) / len(a)


def _sym_cross_entropy(a, y):
    import sympy as sp
    return -sum((yj * sp.log(aj) + (1 - yj) * sp.log(1 - aj) for aj, yj in zip(a, y)),
                sp.Integer(0))


COSTS: dict[str, Cost] = {
    c.name: c
    for c in [
        Cost("quadratic", _quadratic, _quadratic_grad, _sym_quadratic),
        Cost("mse", _mse, _mse_grad, _sym_mse),
        Cost("cross_entropy", _cross_entropy, _cross_entropy_grad, _sym_cross_entropy,
             output="sigmoid", shortcut=_cross_entropy_delta, probabilities=True),
    ]
}


def get_cost(name, argument: str = "cost") -> Cost:
    """Return the registered :class:`Cost` called ``name`` (a Cost passes through).

    Raises ValueError naming ``argument`` and listing the valid names when ``name`` is unknown,
    TypeError when it is not a string.
    """
    return registry_name(name, COSTS, "cost", argument)

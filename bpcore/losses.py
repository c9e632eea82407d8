"""Cost functions C, their gradient with respect to the output activations, and sympy forms.

All costs are averages over the m samples (the columns of ``A`` and ``Y``), as assumed by the
four equations: C = (1/m) sum_x C_x. Shapes: ``A`` and ``Y`` are (n_L, m).

- ``quadratic``:     C_x = 1/2 sum_j (y_j - a_j)^2. For one sample this is the worked example's
                     E_total = 1/2 (t1 - o1)^2 + 1/2 (t2 - o2)^2.
- ``mse``:           the mean of the squared errors over all outputs and samples,
                     C = 1/(m n_L) sum (y - a)^2 (seed 004; with one output, the usual MSE).
- ``cross_entropy``: binary cross-entropy summed over outputs,
                     C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)] (seed 001).
                     Targets must lie in [0, 1]. Outputs are clipped to [EPS, 1 - EPS] inside
                     the logarithms so that an output of exactly 0 or 1 gives a large but finite
                     cost and gradient.

``grad(A, Y)`` is grad_a C_x for every sample x (one column each, no 1/m): the first factor of
BP1, delta^{x,L} = grad_a C_x (.) sigma'(z^{x,L}). The average over samples is taken in BP3 and
BP4, as in the matrix form of the four equations.

``sympy(a, y)`` gives C_x for one sample, from lists of sympy symbols a_j and y_j.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .validate import registry_name

#: Outputs are clipped to [EPS, 1 - EPS] inside cross-entropy's logarithms.
EPS = 1e-12


@dataclass(frozen=True)
class Loss:
    """One cost: ``value(A, Y)`` -> C (float), ``grad(A, Y)`` -> dC_x/da per column, ``sympy(a, y)``."""

    name: str
    value: Callable[[np.ndarray, np.ndarray], float]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray]
    sympy: Callable

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


def _quadratic(A, Y):
    diff = A - Y
    return 0.5 * float(np.vdot(diff, diff)) / A.shape[1]


def _quadratic_grad(A, Y):
    return A - Y


def _mse(A, Y):
    diff = A - Y
    return float(np.vdot(diff, diff)) / A.size


def _mse_grad(A, Y):
    return (2.0 / A.shape[0]) * (A - Y)


def _cross_entropy(A, Y):
    A = np.clip(A, EPS, 1.0 - EPS)
    return -float(np.vdot(Y, np.log(A)) + np.vdot(1.0 - Y, np.log1p(-A))) / A.shape[1]


def _cross_entropy_grad(A, Y):
    A = np.clip(A, EPS, 1.0 - EPS)
    return (A - Y) / (A * (1.0 - A))


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


LOSSES: dict[str, Loss] = {
    l.name: l
    for l in [
        Loss("quadratic", _quadratic, _quadratic_grad, _sym_quadratic),
        Loss("mse", _mse, _mse_grad, _sym_mse),
        Loss("cross_entropy", _cross_entropy, _cross_entropy_grad, _sym_cross_entropy),
    ]
}


def get_loss(name, argument: str = "loss") -> Loss:
    """Return the registered :class:`Loss` called ``name`` (a Loss passes through).

    Raises ValueError naming ``argument`` and listing the valid names when ``name`` is unknown.
    """
    return registry_name(name, LOSSES, "cost", argument)

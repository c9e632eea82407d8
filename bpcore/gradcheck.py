"""Finite-difference gradient check: is backpropagation right?

For every weight and bias p, the central difference

    D(eps) = (C(p + eps) - C(p - eps)) / (2 eps)  =  dC/dp + O(eps^2)

needs two forward passes, so checking all P parameters costs 2P forward passes, while
backpropagation gets all of them from one forward and one backward pass.

By default the check uses the 4-point stencil (4 D(eps) - D(2 eps)) / 3 = dC/dp + O(eps^4)
(Richardson extrapolation of two central differences): with eps = 1e-4 it is accurate to about
1e-12, where the plain central difference stalls near 1e-10 because C itself is only known to
rounding (~1e-16 C), and that rounding is divided by eps. ``stencil=2`` gives the plain one.

The error reported for the gradient G_bp of one layer against the numeric G_fd is

    max |G_bp - G_fd| / max(max |G_bp|, max |G_fd|, floor)

the worst disagreement relative to the largest entry of that gradient (W and b separately):
an entry that is tiny next to its neighbours is not judged against its own size, which finite
differences cannot resolve. Rules of thumb for float64: 1e-9 or smaller means the two agree to
rounding; 1e-3 or larger means a bug (or a ReLU/step kink within eps of some z).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class GradCheck:
    """Result of :func:`gradcheck`, indexed by layer l = 1..L (index 0 is None).

    backprop_W/b, numeric_W/b: the two gradients.
    error_W[l], error_b[l]:    the error (module docstring) of dC/dW^l and of dC/db^l.
    worst[l]:                  the larger of the two.
    max_error:                 the worst over all layers.
    """

    backprop_W: list
    backprop_b: list
    numeric_W: list
    numeric_b: list
    error_W: list
    error_b: list

    @property
    def worst(self) -> list:
        return [None] + [max(w, b) for w, b in zip(self.error_W[1:], self.error_b[1:])]

    @property
    def max_error(self) -> float:
        return max(self.worst[1:])

    def table(self) -> str:
        """A plain-text table: one row per layer, the relative error of dC/dW and of dC/db."""
        rows = ["layer  rel. error dC/dW  rel. error dC/db"]
        for l in range(1, len(self.error_W)):
            rows.append(f"{l:>5}  {self.error_W[l]:>16.2e}  {self.error_b[l]:>16.2e}")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()


def relative_error(a, b, floor=1e-12) -> float:
    """max |a - b| / max(max |a|, max |b|, floor): disagreement relative to the gradient's scale."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)),
                floor)
    return float(np.max(np.abs(a - b), initial=0.0)) / scale


def numeric_gradients(net, X, Y, eps=1e-4, stencil=4):
    """Finite-difference dC/dW^l and dC/db^l for every layer.

    ``stencil=2``: central difference, 2 forward passes per parameter, error O(eps^2).
    ``stencil=4``: (4 D(eps) - D(2 eps)) / 3, 4 forward passes per parameter, error O(eps^4).
    Each parameter is nudged in place and put back exactly, so ``net`` ends as it began.
    """
    if stencil not in (2, 4):
        raise ValueError(f"stencil: expected 2 or 4, got {stencil!r}")
    if not (isinstance(eps, float) and 0 < eps < 1):
        raise ValueError(f"eps: expected a small positive float such as 1e-4, got {eps!r}")
    X, Y = net._check_data(X, Y)

    def central(P, idx, h):
        saved = P[idx]
        P[idx] = saved + h
        up = net.loss.value(net._forward(X).output, Y)
        P[idx] = saved - h
        down = net.loss.value(net._forward(X).output, Y)
        P[idx] = saved
        return (up - down) / (2 * h)

    numeric = {"W": [None], "b": [None]}
    for l in range(1, net.L + 1):
        for key, P in (("W", net.W[l]), ("b", net.b[l])):
            G = np.zeros_like(P)
            for idx in np.ndindex(P.shape):
                G[idx] = central(P, idx, eps)
                if stencil == 4:
                    G[idx] = (4 * G[idx] - central(P, idx, 2 * eps)) / 3
            numeric[key].append(G)
    return numeric["W"], numeric["b"]


def gradcheck(net, X, Y, eps=1e-4, stencil=4, floor=1e-12) -> GradCheck:
    """Compare backpropagation's gradients with finite differences, layer by layer.

    Returns a :class:`GradCheck`; print it for a table of the error per layer.
    """
    g = net.gradients(X, Y)
    numeric_W, numeric_b = numeric_gradients(net, X, Y, eps, stencil)
    L = net.L
    error_W = [None] + [relative_error(g.W[l], numeric_W[l], floor) for l in range(1, L + 1)]
    error_b = [None] + [relative_error(g.b[l], numeric_b[l], floor) for l in range(1, L + 1)]
    return GradCheck(g.W, g.b, numeric_W, numeric_b, error_W, error_b)

"""Finite-difference gradient check: is backpropagation right?

For every weight and bias p, the central difference

    dC/dp ~ (C(p + eps) - C(p - eps)) / (2 eps)

needs two forward passes, so checking all P parameters costs 2P forward passes, while
backpropagation gets all of them from one forward and one backward pass. The check compares the
two and reports, for every layer, the worst relative error

    |backprop - numeric| / max(|backprop|, |numeric|, floor)

``floor`` keeps gradients that are zero up to rounding from producing meaningless ratios.
Rules of thumb for float64: ~1e-9 or smaller means the two agree to rounding; 1e-3 or larger means
a bug (or a kink of ReLU/step within eps of a weighted input).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class GradCheck:
    """Result of :func:`gradcheck`, indexed by layer l = 1..L (index 0 is None).

    backprop_W/b, numeric_W/b: the two gradients.
    error_W[l], error_b[l]:    worst relative error over the entries of dC/dW^l and dC/db^l.
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
        """A plain-text table: one row per layer, the worst relative error for W and b."""
        rows = ["layer  worst rel. error dC/dW  worst rel. error dC/db"]
        for l in range(1, len(self.error_W)):
            rows.append(f"{l:>5}  {self.error_W[l]:>22.3e}  {self.error_b[l]:>22.3e}")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()


def relative_error(a, b, floor=1e-8) -> float:
    """max over entries of |a - b| / max(|a|, |b|, floor)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)))


def numeric_gradients(net, X, Y, eps=1e-6):
    """Central-difference dC/dW^l and dC/db^l for every layer (2 forward passes per parameter).

    Each parameter is nudged in place and put back exactly, so ``net`` ends as it began.
    """
    X, Y = net._check_data(X, Y)
    cost = lambda: net.loss.value(net._forward(X).output, Y)  # noqa: E731
    numeric_W, numeric_b = [None], [None]
    for l in range(1, net.L + 1):
        grads = []
        for P in (net.W[l], net.b[l]):
            G = np.zeros_like(P)
            for idx in np.ndindex(P.shape):
                saved = P[idx]
                P[idx] = saved + eps
                up = cost()
                P[idx] = saved - eps
                down = cost()
                P[idx] = saved
                G[idx] = (up - down) / (2 * eps)
            grads.append(G)
        numeric_W.append(grads[0])
        numeric_b.append(grads[1])
    return numeric_W, numeric_b


def gradcheck(net, X, Y, eps=1e-6, floor=1e-8) -> GradCheck:
    """Compare backpropagation's gradients with central finite differences, layer by layer."""
    g = net.gradients(X, Y)
    numeric_W, numeric_b = numeric_gradients(net, X, Y, eps)
    L = net.L
    error_W = [None] + [relative_error(g.W[l], numeric_W[l], floor) for l in range(1, L + 1)]
    error_b = [None] + [relative_error(g.b[l], numeric_b[l], floor) for l in range(1, L + 1)]
    return GradCheck(g.W, g.b, numeric_W, numeric_b, error_W, error_b)

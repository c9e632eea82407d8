"""The error surface over two weights, and gradient descent walking on it.

Fix every parameter of a network but two weights, p = w^l_jk and q = w^l'_j'k'. The cost is then
a function C(p, q) of two numbers: a surface that can be drawn (:meth:`ErrorSurface.grid`), with
valleys, ridges and possibly several minima. Gradient descent on those two weights only,

    p <- p - lr * dC/dp,    q <- q - lr * dC/dq    (the two entries of BP4's dC/dW),

is a walk on that surface (:meth:`ErrorSurface.descend`), which shows what the learning rate
does: too small crawls, a good one reaches the bottom of its valley, a large one zig-zags across
it, and a larger one climbs out of it until the cost overflows (:class:`bpcore.TrainingDiverged`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import validate
from ..train import TrainingDiverged


@dataclass
class Path:
    """A gradient-descent walk: ``points`` (k, 2) holds (p, q) before each update and after the
    last; ``cost`` (k,) is C at each point; ``lr`` the learning rate."""

    points: np.ndarray
    cost: np.ndarray
    lr: float

    @property
    def final_cost(self) -> float:
        return float(self.cost[-1])


class ErrorSurface:
    """C as a function of two weights of ``net``; every other parameter stays as it is.

    net:  a :class:`bpcore.Network` (not changed: the surface works on a copy).
    X, Y: the data, one sample per column.
    p, q: the two weights as (l, j, k), counted from 1 as in w^l_jk (the book's notation).
    """

    def __init__(self, net, X, Y, p, q):
        self.net = net.copy()
        self.X, self.Y = self.net._check_data(X, Y)
        self.p, self.q = (self._position(p, "p"), self._position(q, "q"))
        if self.p == self.q:
            raise ValueError(f"q: must be another weight than p, both are w{self.p}")

    def _position(self, pos, argument):
        if not (isinstance(pos, tuple) and len(pos) == 3):
            raise TypeError(f"{argument}: expected (l, j, k) for w^l_jk, got {pos!r}")
        l, j, k = pos
        if not 1 <= l <= self.net.L:
            raise ValueError(f"{argument}: layer l must be 1..{self.net.L}, got {l}")
        rows, cols = self.net.W[l].shape
        if not (1 <= j <= rows and 1 <= k <= cols):
            raise ValueError(f"{argument}: w^{l}_jk needs j in 1..{rows} and k in 1..{cols}, "
                             f"got j={j}, k={k}")
        return (l, j, k)

    def _set(self, net, u, v):
        for (l, j, k), value in ((self.p, u), (self.q, v)):
            net.W[l][j - 1, k - 1] = value

    def at(self) -> tuple[float, float]:
        """The network's own values of the two weights."""
        (l, j, k), (m, r, s) = self.p, self.q
        return float(self.net.W[l][j - 1, k - 1]), float(self.net.W[m][r - 1, s - 1])

    def cost(self, u: float, v: float) -> float:
        """C with p = u and q = v."""
        net = self.net.copy()
        self._set(net, u, v)
        return net._cost(self.X, self.Y)             # data checked once, in __init__

    def grid(self, u, v) -> np.ndarray:
        """C on the grid u x v (1-D arrays): an array of shape (len(v), len(u)), rows along v,
        ready for ``contour(u, v, C)``."""
        u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
        net = self.net.copy()
        out = np.empty((v.size, u.size))
        for r, vv in enumerate(v):
            for c, uu in enumerate(u):
                self._set(net, uu, vv)
                out[r, c] = net._cost(self.X, self.Y)
        return out

    def hessian(self, u: float, v: float, eps: float = 1e-4) -> np.ndarray:
        """The 2 x 2 matrix of second derivatives of C(p, q) at (u, v), by central differences
        of the cost. Its largest eigenvalue h is the curvature of the steepest direction:
        gradient descent settles at a minimum only if lr < 2 / h there."""
        H = np.empty((2, 2))
        for i in range(2):
            for j in range(2):
                di, dj = np.eye(2)[i] * eps, np.eye(2)[j] * eps
                H[i, j] = sum(sign * self.cost(u + a[0] + b[0], v + a[1] + b[1])
                              for sign, a, b in [(1, di, dj), (-1, di, -dj), (-1, -di, dj),
                                                 (1, -di, -dj)]) / (4 * eps * eps)
        return H

    def descend(self, start, lr, steps) -> Path:
        """Gradient descent on p and q only, from ``start`` = (p, q), for ``steps`` updates.

        Each update takes the two entries of dC/dW (BP4, from ``net.gradients``) at the current
        point. Raises :class:`bpcore.TrainingDiverged` naming ``lr`` if the cost overflows; its
        ``history`` is then the :class:`Path` up to the last finite cost.
        """
        lr = validate.learning_rate(lr)
        steps = validate.positive_int(steps, "steps")
        u, v = (float(s) for s in start)
        net = self.net.copy()
        (l, j, k), (m, r, s) = self.p, self.q
        points, costs = [], []
        with np.errstate(over="ignore", invalid="ignore"):
            for step in range(steps + 1):
                self._set(net, u, v)
                g = net._gradients(self.X, self.Y)
                if not (np.isfinite(g.cost) and np.isfinite(u) and np.isfinite(v)):
                    path = Path(np.array(points), np.array(costs), lr)
                    raise TrainingDiverged(lr, step, g.cost, costs[-1] if costs else None,
                                           steps, path, what="gradient descent", kept=None)
                points.append((u, v))
                costs.append(g.cost)
                if step < steps:
                    u -= lr * g.W[l][j - 1, k - 1]
                    v -= lr * g.W[m][r - 1, s - 1]
        return Path(np.array(points), np.array(costs), lr)

"""Every gradient of a network three ways: sympy (lambdified), backpropagation, and finite
differences, and how far apart they are, layer by layer.

The three share no code: sympy differentiates the cost formula, backpropagation runs BP1-BP4
(:mod:`bpcore.network`), finite differences nudge each parameter (:mod:`bpcore.gradcheck`).
The table shows the raw disagreements, the finite differences' rounding included: where a
layer's gradient lies below what finite differences resolve (:func:`bpcore.gradcheck.resolution`,
e.g. deep in a chain of saturated units), the two columns against them read large while
symbolic and backprop still agree; :func:`bpcore.gradcheck` gives the verdict net of that.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gradcheck import numeric_gradients, relative_error
from .network import from_network

HEADERS = ("layer $l$", "symbolic vs backprop", "symbolic vs finite diff.",
           "backprop vs finite diff.")


@dataclass
class Comparison:
    """The three gradients of one network, and their disagreements.

    symbolic, backprop, numeric: (W, b) pairs of lists indexed by layer, as ``net.gradients``
    (symbolic None when sympy was left out).
    rows: per layer, the worst relative error (``bpcore.relative_error``, W and b together) of
    symbolic vs backprop, symbolic vs finite differences, backprop vs finite differences
    (None where sympy was left out).
    """

    symbolic: tuple
    backprop: tuple
    numeric: tuple
    rows: list

    @property
    def max_error(self) -> float:
        return max(e for r in self.rows for e in r[1:] if e is not None)

    def table(self, digits=2) -> str:
        """The rows as a Markdown table, one per layer, errors written as 1.23e-11 (``digits``
        after the point), "not run" where sympy was left out."""
        lines = ["| " + " | ".join(HEADERS) + " |", "|" + "|".join(" --- " for _ in HEADERS) + "|"]
        lines += ["| " + " | ".join([str(r[0])] + ["not run" if e is None else f"{e:.{digits}e}"
                                                   for e in r[1:]]) + " |"
                  for r in self.rows]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.table()


def compare(net, X, Y, sym=None, eps=1e-4) -> Comparison:
    """Every gradient of ``net`` three ways: sympy (lambdified; ``sym`` a ready
    :class:`~bpcore.symbolic.SymbolicNetwork` of ``net``, else one is built), backpropagation,
    and finite differences (:func:`bpcore.numeric_gradients`); the worst relative error per
    layer. ``sym=False`` leaves sympy out (it differentiates the whole cost once per parameter:
    0.6 s for a 2-4-3-2 network), and its two columns read "not run"."""
    S = None if sym is False else (sym or from_network(net)).gradients(net, X, Y)
    g = net.gradients(X, Y)
    B = (g.W, g.b)
    N = numeric_gradients(net, X, Y, eps=eps)

    def err(P, Q, l):
        return relative_error(np.r_[P[0][l].ravel(), P[1][l].ravel()],
                              np.r_[Q[0][l].ravel(), Q[1][l].ravel()])

    def err_sympy(Q, l):
        return None if S is None else err(S, Q, l)

    rows = [[l, err_sympy(B, l), err_sympy(N, l), err(B, N, l)] for l in range(1, net.L + 1)]
    return Comparison(S, B, N, rows)

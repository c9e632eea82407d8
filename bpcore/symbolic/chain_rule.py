"""dC/dp written out as the chain rule: a sum over the paths from the parameter p to the cost C
of products of local derivatives, each taken by sympy and evaluated at a network's numbers.

A weight w^l_{jk} enters the cost only through z^l_j; from there a path runs through one neuron
of every later layer to C. Along a path the factors are dC/da^L, then for each layer da/dz
(sigma') and, between layers, dz^{m+1}_i/da^m_j (= w^{m+1}_{ij}), and finally dz^l_j/dp
(= a^{l-1}_k for a weight, 1 for a bias). The sum is checked against sympy's derivative of the
whole cost (``sympy_value``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp


@dataclass(frozen=True)
class Factor:
    """One factor d(numerator)/d(denominator) of a chain-rule product, and its value."""

    numerator: str
    denominator: str
    value: float

    def latex(self) -> str:
        return rf"\frac{{\partial {self.numerator}}}{{\partial {self.denominator}}}"


def _number(value, digits) -> str:
    """``value`` to ``digits`` significant digits, bracketed when negative, so that
    "+ (-0.2...)" never reads as "+ -0.2..."."""
    text = f"{value:.{digits}g}"
    return text if value >= 0 else f"({text})"


@dataclass(frozen=True)
class ChainRule:
    """dC/dp as a sum over paths of products of local derivatives (see :func:`chain_rule`).

    cost:         the cost's LaTeX name ("C", or "E" in the worked example).
    param:        the :class:`~bpcore.symbolic.Param` p.
    paths:        one list of :class:`Factor` per path from the parameter to the cost.
    value:        the sum over paths of the product of the factors' values.
    sympy_value:  sympy's derivative of the whole cost expression, at the same numbers.
    """

    cost: str
    param: object
    paths: list
    value: float
    sympy_value: float

    @property
    def delta(self) -> float:
        """dC/dz for the neuron the parameter feeds, delta^l_j: the sum over paths of each
        path's product without its last factor dz/dp (a weight or unshared bias only)."""
        if len(self.param.positions) != 1:
            raise ValueError(f"param: {self.param.symbol.name} feeds several neurons, so it "
                             f"has no single delta")
        return float(sum(np.prod([f.value for f in path[:-1]]) for path in self.paths))

    def latex(self, digits=9) -> str:
        """An ``aligned`` LaTeX block: the symbolic product(s), the numbers, the result."""
        lhs = rf"\frac{{\partial {self.cost}}}{{\partial {self.param.latex}}}"
        sym = [r" \cdot ".join(f.latex() for f in path) for path in self.paths]
        num = [r" \cdot ".join(_number(f.value, digits) for f in path) for path in self.paths]
        lines = [rf"{lhs} &= {sym[0]}"] + [rf"&\quad + {s}" for s in sym[1:]]
        lines += [rf"&= {num[0]}"] + [rf"&\quad + {s}" for s in num[1:]]
        lines += [rf"&= {self.value:.{digits}g}"]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"


def chain_rule(sym, p, net, x, y) -> ChainRule:
    """dC/dp by the chain rule for the :class:`~bpcore.symbolic.SymbolicNetwork` ``sym``, at
    ``net``'s parameters and the sample (x, y): every path from p to the cost, each factor
    with its value (see the module's docstring)."""
    q = sym.param(p)
    vals = sym.values(net, x, y)
    at = _point(sym, vals)
    paths = [_path(sym, at, q, l, j, tail)
             for (l, j, _k) in q.positions
             for tail in itertools.product(*(range(sym.sizes[m])
                                             for m in range(l + 1, sym.L + 1)))]
    value = float(sum(np.prod([f.value for f in path]) for path in paths))
    sympy_value = float(sym.derivative(q).xreplace(vals))
    return ChainRule(sym.cost_latex, q, paths, value, sympy_value)


def _point(sym, vals) -> dict:
    """``vals`` and every z^l_j and a^l_j symbol with its value (from the formulas)."""
    z, a = sym.forward_values(vals)
    at = dict(vals)
    for l in range(1, sym.L + 1):
        at |= dict(zip(sym.z_sym[l], z[l])) | dict(zip(sym.a_sym[l], a[l]))
    return at


def _path(sym, at, q, l, j, tail) -> list:
    """The factors of one path, from the cost back to ``q``: q feeds neuron j (from 1) of layer
    l, and the path goes on through neuron ``tail[i]`` (from 0) of layer l + 1 + i."""
    lx, L = sym._latex, sym.L
    units = (j - 1,) + tail                  # the neuron of layer l, l+1, ..., L

    def factor(numerator, expr, wrt):
        return Factor(numerator, lx[wrt], float(sp.diff(expr, wrt).xreplace(at)))

    out = sym.a_sym[L][units[-1]]
    path = [factor(sym.cost_latex, sym.cost_local, out)]
    for m in range(L, l - 1, -1):
        i = units[m - l]
        z_mi = sym.z_sym[m][i]
        path.append(factor(lx[sym.a_sym[m][i]], sym.a_local[m][i], z_mi))
        if m > l:
            path.append(factor(lx[z_mi], sym.z_local[m][i], sym.a_sym[m - 1][units[m - 1 - l]]))
    path.append(factor(lx[sym.z_sym[l][j - 1]], sym.z_local[l][j - 1], q.symbol))
    return path

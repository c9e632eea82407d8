"""The network as sympy formulas: :class:`SymbolicNetwork`, and :func:`from_network`.

    z^l_j = sum_k w^l_{jk} a^{l-1}_k + b^l_j,     a^l_j = sigma(z^l_j),     C = C(a^L, y)

written from the activations' and costs' sympy expressions (``Activation.sympy``,
``Cost.sympy``). sympy differentiates the cost C, one expression of the weights, biases, inputs
x and targets y, with respect to any weight or bias: the chain rule is applied by sympy, not
by us.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from .. import validate
from ..activations import per_layer
from ..costs import get_cost
from .chain_rule import ChainRule, chain_rule
from .formulas import (NUMPY, compose, cross_entropy_of_z, in_formulas, numpy_functions,
                       weighted_inputs, written_out)
from .names import SCHEMES, Names


@dataclass(frozen=True)
class Param:
    """One weight or bias symbol and every place it sits in the network.

    kind:      "w" or "b".
    symbol:    its sympy symbol.
    latex:     its LaTeX name, e.g. ``w^{2}_{11}`` or ``w_{5}``.
    positions: (l, j, k) for weights (1-based, w^l_{jk}), (l, j, None) for biases; a bias shared
               by a layer (the worked example's b_1, b_2) has one position per neuron.
    """

    kind: str
    symbol: sp.Symbol
    latex: str
    positions: tuple

    @property
    def layer(self) -> int:
        return self.positions[0][0]


class SymbolicNetwork:
    """A small fully connected network as sympy formulas.

    sizes, activation, cost: as for :class:`bpcore.Network` (``activation`` one name or one per
    layer 1..L, each with a sympy expression). ``names``: "book" or "worked" (2-2-2 only; see
    :mod:`bpcore.symbolic.names`).

    Attributes (lists indexed by layer l = 0..L like the network's, entries by neuron j from 0):
    ``x``, ``y``: input and target symbols; ``z_sym[l][j]``, ``a_sym[l][j]``: symbols standing
    for z^l_j and a^l_j; ``z[l][j]``, ``a[l][j]``: the formulas of the parameters and x (a
    sigmoid or piecewise activation kept whole as a named function, see
    :mod:`bpcore.symbolic.formulas`);
    ``cost_local``: C for one sample as a formula of a^L and y; ``cost``: C for one sample x, a
    formula of parameters, x and y (the cross-entropy of a sigmoid output written from z^L,
    sum_j y_j softplus(-z^L_j) + (1 - y_j) softplus(z^L_j), exact however saturated the
    output is);
    ``params``: every :class:`Param`, layer by layer, weights then biases.
    """

    def __init__(self, sizes, activation="sigmoid", cost="quadratic", names="book"):
        self.sizes = validate.sizes(sizes)
        self.L = L = len(self.sizes) - 1
        if names not in SCHEMES:
            raise ValueError(f"names: expected 'book' or 'worked', got {names!r}")
        if names == "worked" and self.sizes != [2, 2, 2]:
            raise ValueError(f"names: 'worked' names the worked example's 2-2-2 network, "
                             f"got sizes {self.sizes}; use names='book'")
        self.names = names
        self.activations = [None] + per_layer(activation, L)
        self.cost_function = get_cost(cost)
        self._latex: dict = {}
        self._build_symbols(Names(names, self.sizes))
        self._build_formulas()
        self._lambdified = self._lambdified_cost = None

    # -- construction ----------------------------------------------------------------------

    def _symbol(self, name: str, latex: str) -> sp.Symbol:
        s = sp.Symbol(name, real=True)
        self._latex[s] = latex
        return s

    def _param(self, kind, name_latex, *positions) -> sp.Symbol:
        """A new parameter symbol, recorded in ``params`` with its positions."""
        s = self._symbol(*name_latex)
        self.params.append(Param(kind, s, self._latex[s], positions))
        return s

    def _build_symbols(self, names):
        n, L = self.sizes, self.L
        self.cost_latex = names.cost
        self.x = [self._symbol(*names("input", k=k)) for k in range(1, n[0] + 1)]
        self.y = [self._symbol(*names("target", j=j)) for j in range(1, n[L] + 1)]
        self.z_sym, self.a_sym, self.params = [None], [self.x], []
        self.w, self.b = [None], [None]      # w[l][j][k], b[l][j]: the parameter symbols
        for l in range(1, L + 1):
            units = range(1, n[l] + 1)
            self.z_sym.append([self._symbol(*names("z", l, j)) for j in units])
            self.a_sym.append([self._symbol(*names("a", l, j)) for j in units])
            self.w.append([[self._param("w", names("weight", l, j, k), (l, j, k))
                            for k in range(1, n[l - 1] + 1)] for j in units])
            if names.shared_biases:
                shared = self._param("b", names("bias", l, 1), *((l, j, None) for j in units))
                self.b.append([shared] * n[l])
            else:
                self.b.append([self._param("b", names("bias", l, j), (l, j, None))
                               for j in units])

    def _build_formulas(self):
        """Local formulas (in the symbols of the layer below) and the composed ones."""
        L = self.L
        self.z_local = [None] + [weighted_inputs(self.w[l], self.b[l], self.a_sym[l - 1])
                                 for l in range(1, L + 1)]
        self.a_local = [None] + [[self.activations[l].sympy(s) for s in self.z_sym[l]]
                                 for l in range(1, L + 1)]
        self._sigmas = [None] + [in_formulas(act) for act in self.activations[1:]]
        self.z, self.a = compose(self.w, self.b, self.x, self._sigmas)
        self.cost_local = self.cost_function.sympy(self.a_sym[L], self.y)
        if self.cost_function.name == "cross_entropy" and self.activations[L].name == "sigmoid":
            self.cost = cross_entropy_of_z(self.z[L], self.y)
        else:
            self.cost = self.cost_local.xreplace(dict(zip(self.a_sym[L], self.a[L])))

    # -- looking things up -----------------------------------------------------------------

    def latex(self, expr) -> str:
        """``expr`` as LaTeX with the book's symbol names."""
        return sp.latex(expr, symbol_names=self._latex)

    def param(self, p) -> Param:
        """The :class:`Param` for ``p``: a Param, a sympy symbol, or a name such as "w5",
        "b1" (worked names) or "w_2_1_1", "b_2_1" (book names: w^2_11, b^2_1)."""
        if isinstance(p, Param):
            return p
        for q in self.params:
            if p == q.symbol or p == q.symbol.name:
                return q
        raise ValueError(f"p: expected one of this network's parameters "
                         f"({', '.join(q.symbol.name for q in self.params)}), got {p!r}")

    def values(self, net, x, y) -> dict:
        """{symbol: number} for every parameter of ``net`` and one sample x (n_0,), y (n_L,)."""
        self._check_network(net)
        x = np.asarray(x, float).reshape(-1)
        y = np.asarray(y, float).reshape(-1)
        if x.shape != (self.sizes[0],) or y.shape != (self.sizes[-1],):
            raise ValueError(f"x, y: expected one sample, {self.sizes[0]} inputs and "
                             f"{self.sizes[-1]} targets, got shapes {x.shape} and {y.shape}")
        vals = dict(zip(self.x, map(sp.Float, x))) | dict(zip(self.y, map(sp.Float, y)))
        for q in self.params:
            l, j, k = q.positions[0]
            v = net.W[l][j - 1, k - 1] if q.kind == "w" else net.b[l][j - 1, 0]
            if any((net.b[l][jj - 1, 0] != v) for (_, jj, _) in q.positions[1:]):
                raise ValueError(f"net: {q.symbol.name} is one bias shared by layer {l}, "
                                 f"but the network's biases in that layer differ: "
                                 f"{net.b[l].ravel()}")
            vals[q.symbol] = sp.Float(float(v))
        return vals

    def _check_network(self, net):
        acts = [a.name for a in net.activations[1:]]
        mine = [a.name for a in self.activations[1:]]
        cost = self.cost_function.name
        if net.sizes != self.sizes or acts != mine or net.cost_function.name != cost:
            raise ValueError(f"net: expected a network with sizes {self.sizes}, activations "
                             f"{mine} and cost {cost!r}, got {net.sizes}, {acts} "
                             f"and {net.cost_function.name!r}")

    # -- derivatives -----------------------------------------------------------------------

    def derivative(self, p) -> sp.Expr:
        """dC/dp for one sample: sympy differentiates the whole cost formula. Written out as
        by hand: a sigmoid as 1 / (1 + e^-z), a ReLU kept whole (see ``formulas.written_out``)."""
        return written_out(self._derivative(p), self._sigmas[1:])

    def _derivative(self, p) -> sp.Expr:
        """dC/dp with the activations kept whole, as the formulas are built."""
        return sp.diff(self.cost, self.param(p).symbol)

    def gradient(self, p, net, x, y) -> float:
        """The value of dC/dp at ``net``'s parameters and the sample (x, y)."""
        return float(self.derivative(p).xreplace(self.values(net, x, y)))

    def forward_values(self, vals) -> tuple[list, list]:
        """z^l_j and a^l_j as floats, computed from the formulas (not by bpcore's forward)."""
        z, a = [None], [[float(vals[s]) for s in self.x]]
        for l in range(1, self.L + 1):
            local = dict(zip(self.a_sym[l - 1], a[l - 1])) | vals
            z.append([float(e.xreplace(local)) for e in self.z_local[l]])
            a.append([float(e.xreplace(dict(zip(self.z_sym[l], z[l]))))
                      for e in self.a_local[l]])
        return z, a

    def chain_rule(self, p, net, x, y) -> ChainRule:
        """dC/dp by the chain rule, written out along every path from p to the cost, each
        factor with its value at ``net``'s numbers (see :mod:`bpcore.symbolic.chain_rule`)."""
        return chain_rule(self, p, net, x, y)

    # -- numbers from the formulas, for a whole batch --------------------------------------

    def lambdified(self):
        """One numpy function of (parameters, x, y) returning every dC/dp (in ``params``
        order), built once with ``sympy.lambdify(..., cse=True)`` and cached."""
        if self._lambdified is None:
            self._lambdified = self._lambdify([self._derivative(q) for q in self.params])
        return self._lambdified

    def _lambdify(self, exprs):
        """``use_imps=False``: no formula here holds a sympy ``implemented_function``, and
        looking for one walks every formula as a tree, visiting a shared part once per use.
        numpy is given as the module (see ``formulas.NUMPY``)."""
        args = [q.symbol for q in self.params] + self.x + self.y
        return sp.lambdify(args, exprs, cse=True, use_imps=False,
                           modules=[numpy_functions(self._sigmas[1:]), NUMPY])

    def _evaluate(self, fn, net, X, Y) -> list:
        """The lambdified ``fn`` at ``net``'s parameters on every column of X (n_0, m) and
        Y (n_L, m): one array of m values per formula."""
        X, Y = net._check_data(X, Y)
        vals = self.values(net, X[:, 0], Y[:, 0])
        m = X.shape[1]
        # Every argument as a length-m array, so Piecewise conditions (ReLU) are arrays too.
        args = [np.full(m, float(vals[q.symbol])) for q in self.params] + list(X) + list(Y)
        return [np.broadcast_to(out, (m,)) for out in fn(*args)]

    def cost_value(self, net, X, Y) -> float:
        """C from the lambdified cost formula, averaged over the columns of X and Y: the
        symbolic counterpart of ``net.cost(X, Y)``."""
        if self._lambdified_cost is None:
            self._lambdified_cost = self._lambdify([self.cost])
        (per_sample,) = self._evaluate(self._lambdified_cost, net, X, Y)
        return float(np.mean(per_sample))

    def gradients(self, net, X, Y) -> tuple[list, list]:
        """dC/dW^l and dC/db^l from the lambdified symbolic derivatives, averaged over the
        columns of X (n_0, m) and Y (n_L, m), in the shapes of ``net.gradients``.

        A shared bias's derivative is reported at every neuron that shares it.
        """
        W = [None] + [np.zeros_like(net.W[l]) for l in range(1, self.L + 1)]
        b = [None] + [np.zeros_like(net.b[l]) for l in range(1, self.L + 1)]
        for q, d in zip(self.params, self._evaluate(self.lambdified(), net, X, Y)):
            value = float(np.mean(d))
            for (l, j, k) in q.positions:
                if q.kind == "w":
                    W[l][j - 1, k - 1] = value
                else:
                    b[l][j - 1, 0] = value
        return W, b


def from_network(net, names="book") -> SymbolicNetwork:
    """The :class:`SymbolicNetwork` with ``net``'s sizes, activations and cost."""
    return SymbolicNetwork(net.sizes, [a.name for a in net.activations[1:]],
                           net.cost_function.name, names=names)

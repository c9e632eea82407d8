"""The network in sympy: every gradient derived symbolically, independently of backpropagation.

:class:`SymbolicNetwork` writes a small network as formulas, with the book's symbols:

    z^l_j = sum_k w^l_{jk} a^{l-1}_k + b^l_j,     a^l_j = sigma(z^l_j),     C = C(a^L, y)

from the activations' and costs' sympy expressions (``Activation.sympy``, ``Loss.sympy``). sympy
then differentiates the cost C, written out as one expression of the weights, biases, inputs x and
targets y, with respect to any weight or bias: the chain rule is applied by sympy, not by us.
That gives a third, independent route to every gradient, beside backpropagation (BP1-BP4 in
:mod:`bpcore.network`) and finite differences (:mod:`bpcore.gradcheck`).

- :meth:`SymbolicNetwork.derivative`: dC/dp as a formula; :meth:`~SymbolicNetwork.gradient` its
  value at a network's numbers.
- :meth:`SymbolicNetwork.chain_rule`: dC/dp written as the chain rule along every path from p to
  C, each factor with its value (``.latex()`` for the book).
- :meth:`SymbolicNetwork.gradients`: every derivative lambdified (``cse=True``) and evaluated on
  a batch, as dC/dW^l and dC/db^l arrays.
- :func:`compare`: symbolic vs backpropagation vs finite differences, worst error per layer.
- :func:`prove_bp`: BP1-BP4 verified by computer algebra for a whole network with arbitrary
  symbols, the difference of the two sides of every instance simplified to 0.

Symbolic differentiation grows quickly with the size of the network (every path from a weight
to the cost is a term), so this module is for small networks: 2-2-2 in well under a second,
2-4-4-2 in seconds. Two naming schemes: ``names="book"`` (w^l_{jk}, b^l_j, z^l_j, a^l_j, x_k,
y_j, C) and, for the 2-2-2 worked example of seed 000, ``names="worked"`` (w_1..w_8, one bias
b_1 shared by the hidden layer and b_2 by the outputs, net_h1, out_o1, i_1, target_o1, E).

A piecewise activation (ReLU, leaky ReLU, step) enters the composed formulas whole, as a named
function such as ``relu(b^1_1 + w^1_11 x_1)``, not as its ``Piecewise``. sympy rewrites a
Piecewise inside another Piecewise's condition (the ReLU of a sum of ReLUs: is z^2_1 > 0?) as
one branch per combination of the inner branches, so the formulas of a deep ReLU network grew
exponentially: a 3-3-3-3 ReLU network took minutes to build and differentiate. The named
function's value and derivative are still the activation's formula and sympy's derivative of it
(see ``_named_function``), and sympy still applies the chain rule to the whole cost.
"""
from __future__ import annotations

import functools
import itertools
import time
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from . import validate
from .activations import get_activation
from .gradcheck import numeric_gradients, relative_error
from .losses import get_loss
from .tables import Table, fmt


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


@dataclass(frozen=True)
class Factor:
    """One factor d(numerator)/d(denominator) of a chain-rule product, and its value."""

    numerator: str
    denominator: str
    value: float

    def latex(self) -> str:
        return rf"\frac{{\partial {self.numerator}}}{{\partial {self.denominator}}}"


@dataclass(frozen=True)
class ChainRule:
    """dC/dp as a sum over paths of products of local derivatives (see ``chain_rule``).

    paths:        one list of :class:`Factor` per path from the parameter to the cost.
    value:        the sum over paths of the product of the factors' values.
    sympy_value:  sympy's derivative of the whole cost expression, at the same numbers.
    """

    cost: str
    param: Param
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
        show = lambda v: fmt(v, digits) if v >= 0 else f"({fmt(v, digits)})"  # noqa: E731
        num = [r" \cdot ".join(show(f.value) for f in path) for path in self.paths]
        lines = [rf"{lhs} &= {sym[0]}"] + [rf"&\quad + {s}" for s in sym[1:]]
        lines += [rf"&= {num[0]}"] + [rf"&\quad + {s}" for s in num[1:]]
        lines += [rf"&= {fmt(self.value, digits)}"]
        return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"


def _weighted_inputs(w_l, b_l, a_prev) -> list:
    """z^l_j = sum_k w^l_{jk} a^{l-1}_k + b^l_j for every j, as formulas."""
    return [sum((w_jk * a_k for w_jk, a_k in zip(row, a_prev)), b_j)
            for row, b_j in zip(w_l, b_l)]


def _compose(w, b, a_start, sigmas, start=0):
    """z^l and a^l for l = start+1..L as formulas of a^start = ``a_start`` and the parameters
    (lists indexed by layer, entries before ``start`` left None)."""
    z, a = [None] * (start + 1), [None] * start + [list(a_start)]
    for l in range(start + 1, len(w)):
        z.append(_weighted_inputs(w[l], b[l], a[l - 1]))
        a.append([sigmas[l](e) for e in z[l]])
    return z, a


@functools.lru_cache(maxsize=None)
def _named_function(name, formula):
    """sigma(z) = ``formula(z)`` as a sympy function called ``name``, kept whole in formulas.

    For numbers it evaluates to the formula, and its derivative is sympy's derivative of the
    formula, sigma'(z) = d formula(t)/dt at t = z: for ReLU, Piecewise((1, z > 0), (0, True)).
    ``numpy`` is the formula lambdified, for the lambdified gradients.
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
        "numpy": staticmethod(sp.lambdify(t, value, modules=[{"select": _select}, "numpy"])),
        "__doc__": f"The activation {name} as one sympy function (see _named_function)."})


def _in_formulas(activation):
    """How an activation is written inside the composed formulas: its sympy formula, or, if
    that is piecewise, a named function (see the module's docstring)."""
    t = sp.Dummy("t", real=True)
    if activation.sympy(t).has(sp.Piecewise):
        return _named_function(activation.name, activation.sympy)
    return activation.sympy


class SymbolicNetwork:
    """A small fully connected network as sympy formulas.

    sizes, activation, loss: as for :class:`bpcore.Network` (``activation`` one name or one per
    layer 1..L, each with a sympy expression). ``names``: "book" or "worked" (2-2-2 only).

    Attributes (lists indexed by layer l = 0..L like the network's, entries by neuron j from 0):
    ``x``, ``y``: input and target symbols; ``z_sym[l][j]``, ``a_sym[l][j]``: symbols standing
    for z^l_j and a^l_j; ``z[l][j]``, ``a[l][j]``: the formulas of the parameters and x (a
    piecewise activation as a named function, see the module's docstring);
    ``cost``: C for one sample x, a formula of parameters, x and y; ``params``: every
    :class:`Param`, layer by layer, weights then biases.
    """

    def __init__(self, sizes, activation="sigmoid", loss="quadratic", names="book"):
        self.sizes = validate.sizes(sizes)
        self.L = L = len(self.sizes) - 1
        if names not in ("book", "worked"):
            raise ValueError(f"names: expected 'book' or 'worked', got {names!r}")
        if names == "worked" and self.sizes != [2, 2, 2]:
            raise ValueError(f"names: 'worked' names the worked example's 2-2-2 network, "
                             f"got sizes {self.sizes}; use names='book'")
        self.names = names
        acts = [activation] * L if isinstance(activation, str) else list(activation)
        if len(acts) != L:
            raise ValueError(f"activation: expected one name or {L} names (one per layer), "
                             f"got {len(acts)}: {acts}")
        self.activations = [None] + [get_activation(a) for a in acts]
        self.loss = get_loss(loss)
        self._latex: dict = {}
        self._build_symbols()
        self._build_formulas()
        self._lambdified = None

    # -- construction ----------------------------------------------------------------------

    def _symbol(self, name: str, latex: str) -> sp.Symbol:
        s = sp.Symbol(name, real=True)
        self._latex[s] = latex
        return s

    def _build_symbols(self):
        n, L, worked = self.sizes, self.L, self.names == "worked"
        unit = lambda l, j: ("i" if l == 0 else "h" if l < L else "o") + str(j + 1)  # noqa: E731
        idx = lambda *i: ",".join(map(str, i)) if max(i) > 9 else "".join(map(str, i))  # noqa
        if worked:
            self.x = [self._symbol(f"i{k + 1}", f"i_{{{k + 1}}}") for k in range(n[0])]
            self.y = [self._symbol(f"target_o{j + 1}", rf"\mathit{{target}}_{{o{j + 1}}}")
                      for j in range(n[L])]
            self.cost_latex = r"E"
        else:
            self.x = [self._symbol(f"x_{k + 1}", f"x_{{{k + 1}}}") for k in range(n[0])]
            self.y = [self._symbol(f"y_{j + 1}", f"y_{{{j + 1}}}") for j in range(n[L])]
            self.cost_latex = "C"
        self.z_sym, self.a_sym, self.params = [None], [self.x], []
        self.w, self.b = [None], [None]      # w[l][j][k], b[l][j]: the parameter symbols
        counter = itertools.count(1)
        for l in range(1, L + 1):
            if worked:
                self.z_sym.append([self._symbol(f"net_{unit(l, j)}",
                                                rf"\mathit{{net}}_{{{unit(l, j)}}}")
                                   for j in range(n[l])])
                self.a_sym.append([self._symbol(f"out_{unit(l, j)}",
                                                rf"\mathit{{out}}_{{{unit(l, j)}}}")
                                   for j in range(n[l])])
            else:
                self.z_sym.append([self._symbol(f"z_{l}_{j + 1}", f"z^{{{l}}}_{{{j + 1}}}")
                                   for j in range(n[l])])
                self.a_sym.append([self._symbol(f"a_{l}_{j + 1}", f"a^{{{l}}}_{{{j + 1}}}")
                                   for j in range(n[l])])
            w_l = []
            for j in range(n[l]):
                row = []
                for k in range(n[l - 1]):
                    if worked:
                        i = next(counter)
                        s = self._symbol(f"w{i}", f"w_{{{i}}}")
                    else:
                        s = self._symbol(f"w_{l}_{j + 1}_{k + 1}",
                                         f"w^{{{l}}}_{{{idx(j + 1, k + 1)}}}")
                    row.append(s)
                    self.params.append(Param("w", s, self._latex[s], ((l, j + 1, k + 1),)))
                w_l.append(row)
            self.w.append(w_l)
            if worked:
                s = self._symbol(f"b{l}", f"b_{{{l}}}")
                self.b.append([s] * n[l])
                self.params.append(Param("b", s, self._latex[s],
                                         tuple((l, j + 1, None) for j in range(n[l]))))
            else:
                b_l = [self._symbol(f"b_{l}_{j + 1}", f"b^{{{l}}}_{{{j + 1}}}")
                       for j in range(n[l])]
                self.b.append(b_l)
                self.params += [Param("b", s, self._latex[s], ((l, j + 1, None),))
                                for j, s in enumerate(b_l)]

    def _build_formulas(self):
        """Local formulas (in the symbols of the layer below) and the composed ones."""
        sigmas = [None] + [act.sympy for act in self.activations[1:]]
        self.z_local = [None] + [_weighted_inputs(self.w[l], self.b[l], self.a_sym[l - 1])
                                 for l in range(1, self.L + 1)]
        self.a_local = [None] + [[sigmas[l](s) for s in self.z_sym[l]]
                                 for l in range(1, self.L + 1)]
        self._sigmas = [None] + [_in_formulas(act) for act in self.activations[1:]]
        self.z, self.a = _compose(self.w, self.b, self.x, self._sigmas)
        self.cost_local = self.loss.sympy(self.a_sym[self.L], self.y)
        self.cost = self.cost_local.xreplace(dict(zip(self.a_sym[self.L], self.a[self.L])))

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
        if net.sizes != self.sizes or acts != mine or net.loss.name != self.loss.name:
            raise ValueError(f"net: expected a network with sizes {self.sizes}, activations "
                             f"{mine} and cost {self.loss.name!r}, got {net.sizes}, {acts} "
                             f"and {net.loss.name!r}")

    # -- derivatives -----------------------------------------------------------------------

    def derivative(self, p) -> sp.Expr:
        """dC/dp for one sample: sympy differentiates the whole cost formula."""
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
        """dC/dp by the chain rule, written out along every path from p to the cost.

        A weight w^l_{jk} enters the cost only through z^l_j; from there a path runs through one
        neuron of every later layer to C. Along a path the factors are dC/da^L, then for each
        layer da/dz (sigma') and, between layers, dz^{m+1}_i/da^m_j (= w^{m+1}_{ij}), and finally
        dz^l_j/dp (= a^{l-1}_k for a weight, 1 for a bias). Each factor is the derivative of a
        local formula, taken by sympy and evaluated at the network's numbers. The result is
        checked against sympy's derivative of the whole cost (``sympy_value``).
        """
        q = self.param(p)
        vals = self.values(net, x, y)
        z, a = self.forward_values(vals)
        L, n = self.L, self.sizes
        at = dict(vals)
        for l in range(1, L + 1):
            at |= dict(zip(self.z_sym[l], z[l])) | dict(zip(self.a_sym[l], a[l]))
        lx = self._latex

        def factor(expr, wrt, num, den):
            return Factor(num, den, float(sp.diff(expr, wrt).xreplace(at)))

        paths = []
        for (l, j, _k) in q.positions:
            for tail in itertools.product(*(range(n[m]) for m in range(l + 1, L + 1))):
                units = (j - 1,) + tail              # neuron of layer l, l+1, ..., L
                path = [factor(self.cost_local, self.a_sym[L][units[-1]],
                               self.cost_latex, lx[self.a_sym[L][units[-1]]])]
                for m in range(L, l - 1, -1):
                    i = units[m - l]
                    path.append(factor(self.a_local[m][i], self.z_sym[m][i],
                                       lx[self.a_sym[m][i]], lx[self.z_sym[m][i]]))
                    if m > l:
                        below = units[m - 1 - l]
                        path.append(factor(self.z_local[m][i], self.a_sym[m - 1][below],
                                           lx[self.z_sym[m][i]], lx[self.a_sym[m - 1][below]]))
                path.append(factor(self.z_local[l][j - 1], q.symbol,
                                   lx[self.z_sym[l][j - 1]], q.latex))
                paths.append(path)
        value = float(sum(np.prod([f.value for f in path]) for path in paths))
        sympy_value = float(self.derivative(q).xreplace(vals))
        return ChainRule(self.cost_latex, q, paths, value, sympy_value)

    def lambdified(self):
        """One numpy function of (parameters, x, y) returning every dC/dp (in ``params``
        order), built once with ``sympy.lambdify(..., cse=True)`` and cached.

        ``use_imps=False``: no formula here holds a sympy ``implemented_function``, and looking
        for one walks every formula as a tree, visiting a shared part once per use of it."""
        if self._lambdified is None:
            args = [q.symbol for q in self.params] + self.x + self.y
            exprs = [self.derivative(q) for q in self.params]
            named = {f.__name__: f.numpy for f in self._sigmas[1:]
                     if isinstance(f, sp.FunctionClass)}
            self._lambdified = sp.lambdify(args, exprs, cse=True, use_imps=False,
                                           modules=[{"select": _select} | named, "numpy"])
        return self._lambdified

    def gradients(self, net, X, Y) -> tuple[list, list]:
        """dC/dW^l and dC/db^l from the lambdified symbolic derivatives, averaged over the
        columns of X (n_0, m) and Y (n_L, m), in the shapes of ``net.gradients``.

        A shared bias's derivative is reported at every neuron that shares it.
        """
        X, Y = net._check_data(X, Y)
        vals = self.values(net, X[:, 0], Y[:, 0])
        m = X.shape[1]
        # Every argument as a length-m array, so Piecewise conditions (ReLU) are arrays too.
        args = [np.full(m, float(vals[q.symbol])) for q in self.params] + list(X) + list(Y)
        out = self.lambdified()(*args)
        W = [None] + [np.zeros_like(net.W[l]) for l in range(1, self.L + 1)]
        b = [None] + [np.zeros_like(net.b[l]) for l in range(1, self.L + 1)]
        for q, d in zip(self.params, out):
            value = float(np.mean(np.broadcast_to(d, (m,))))
            for (l, j, k) in q.positions:
                if q.kind == "w":
                    W[l][j - 1, k - 1] = value
                else:
                    b[l][j - 1, 0] = value
        return W, b


def _select(condlist, choicelist, default=np.nan):
    """numpy.select for lambdified Piecewise formulas (ReLU). sympy writes a nested condition
    (an ITE) as a select whose NaN default makes it a float array, which numpy 2 refuses as a
    condition; every condition is made boolean here (the NaN default is never reached, since
    sympy's last condition is always True)."""
    return np.select([np.asarray(c).astype(bool) for c in condlist], choicelist, default)


def from_network(net, names="book") -> SymbolicNetwork:
    """The :class:`SymbolicNetwork` with ``net``'s sizes, activations and cost."""
    return SymbolicNetwork(net.sizes, [a.name for a in net.activations[1:]], net.loss.name,
                           names=names)


# -- symbolic vs backpropagation vs finite differences -----------------------------------------

@dataclass
class Comparison:
    """The three gradients of one network, and their disagreements.

    symbolic, backprop, numeric: (W, b) pairs of lists indexed by layer, as ``net.gradients``.
    rows: per layer, the worst relative error (``bpcore.relative_error``, W and b together) of
    symbolic vs backprop, symbolic vs finite differences, backprop vs finite differences.
    """

    symbolic: tuple
    backprop: tuple
    numeric: tuple
    rows: list

    @property
    def max_error(self) -> float:
        return max(max(r[1:]) for r in self.rows)

    def table(self, digits=2) -> Table:
        return Table(["layer $l$", "symbolic vs backprop", "symbolic vs finite diff.",
                      "backprop vs finite diff."],
                     [[r[0]] + [f"{e:.{digits}e}" for e in r[1:]] for r in self.rows])

    def _repr_markdown_(self) -> str:
        return self.table()._repr_markdown_()


def compare(net, X, Y, sym=None, eps=1e-4) -> Comparison:
    """Every gradient of ``net`` three ways: sympy (lambdified), backpropagation, and finite
    differences (:func:`bpcore.numeric_gradients`); the worst relative error per layer."""
    sym = sym or from_network(net)
    S = sym.gradients(net, X, Y)
    g = net.gradients(X, Y)
    B = (g.W, g.b)
    N = numeric_gradients(net, X, Y, eps=eps)

    def err(P, Q, l):
        return relative_error(np.r_[P[0][l].ravel(), P[1][l].ravel()],
                              np.r_[Q[0][l].ravel(), Q[1][l].ravel()])

    rows = [[l, err(S, B, l), err(S, N, l), err(B, N, l)] for l in range(1, net.L + 1)]
    return Comparison(S, B, N, rows)


# -- BP1-BP4 by computer algebra -----------------------------------------------------------

@dataclass
class Proof:
    """The outcome of :func:`prove_bp`: one row per instance of an equation.

    rows: (equation, LaTeX of the quantity, True if lhs - rhs simplified to 0).
    """

    sizes: list
    activation: str
    loss: str
    rows: list
    seconds: float

    @property
    def holds(self) -> bool:
        return bool(self.rows) and all(ok for _, _, ok in self.rows)

    def counts(self) -> dict:
        """{equation: (instances proved, instances checked)}."""
        out = {}
        for eq, _, ok in self.rows:
            done, total = out.get(eq, (0, 0))
            out[eq] = (done + ok, total + 1)
        return out


def _sigma(activation):
    """sigma as a sympy function of a symbol: a registered activation's formula, or, for
    "generic", an undefined function sigma(z) about which nothing is assumed."""
    if activation == "generic":
        f = sp.Function("sigma")
        return lambda z: f(z)
    return get_activation(activation).sympy


def _expand_products(expr):
    """Multiply out products of sums, and nothing else (exp(a + b) stays whole): enough for
    the two sides of BP1-BP4 to cancel term by term, and much faster than a full expand."""
    return sp.expand(expr, power_exp=False, power_base=False, multinomial=False)


def _is_zero(rest) -> bool:
    """Is ``rest`` identically 0? True if it already is 0 or sympy's ``cancel`` of it as one
    fraction is. A formula that is not 0 at some point is not identically 0, so where it can be
    evaluated (no undefined sigma), one evaluation at a fixed rational point, to 30 digits,
    settles the "no" quickly; values too close to 0 to tell still go to ``cancel``."""
    if rest == 0:
        return True
    if not rest.atoms(AppliedUndef):
        symbols = sorted(rest.free_symbols, key=lambda s: s.name)
        point = {s: sp.Rational(3 + i % 5, 7 + i % 3) for i, s in enumerate(symbols)}
        value = rest.xreplace(point).evalf(30)
        if value.is_number and abs(value) > 1e-20:
            return False
    return sp.cancel(sp.together(rest)) == 0


def prove_bp(sizes, activation="sigmoid", loss="quadratic", simplify=_expand_products,
             broken=None) -> Proof:
    """Verify BP1-BP4 symbolically for a network of the given sizes, every symbol free.

    delta^l_j is *defined* as dC/dz^l_j: the cost of the rest of the network, written as a
    formula of free symbols z^l standing for layer l's weighted inputs, differentiated by sympy.
    Then, for every neuron and every parameter, the difference of the two sides of

        BP1  delta^L_j         = dC/da^L_j sigma'(z^L_j)
        BP2  delta^l_j         = (sum_k w^{l+1}_{kj} delta^{l+1}_k) sigma'(z^l_j)
        BP3  dC/db^l_j         = delta^l_j
        BP4  dC/dw^l_{jk}      = a^{l-1}_k delta^l_j

    is simplified and must be 0: ``simplify`` (by default, products of sums multiplied out;
    the two sides then cancel term by term), and where that leaves something, sympy's
    ``cancel`` of it as one fraction. On the left of BP3 and BP4, sympy differentiates the whole cost as a
    formula of all weights, biases, inputs and targets. ``activation`` may be "generic": an
    undefined function sigma, which proves the equations for every differentiable activation.

    ``broken`` replaces one right-hand side by a wrong one, to show the check can fail:
    "BP2-no-transpose" uses w^{l+1}_{jk} where BP2 has w^{l+1}_{kj}; "BP1-no-sigma-prime" drops
    the factor sigma'(z^L_j).
    """
    start = time.perf_counter()
    sizes = validate.sizes(sizes)
    L = len(sizes) - 1
    sym = SymbolicNetwork(sizes, "sigmoid", loss)      # symbols and the cost of a^L
    sigma = _sigma(activation)
    lx = sym._latex
    w, b, zs = sym.w, sym.b, sym.z_sym

    def dsigma(s):
        t = sp.Dummy("t")
        return sp.diff(sigma(t), t).subs(t, s)

    # The rest of the network from free z^l: a^l = sigma(z^l), ..., C(a^L).
    sigmas = [sigma] * (L + 1)
    rest = [None] + [sym.cost_local.xreplace(dict(zip(
        sym.a_sym[L], _compose(w, b, [sigma(s) for s in zs[l]], sigmas, start=l)[1][L])))
        for l in range(1, L + 1)]
    delta = [None] + [[sp.diff(rest[l], s) for s in zs[l]] for l in range(1, L + 1)]

    # The whole network from x: z^l and a^l as formulas of parameters and inputs.
    z_of, a_of = _compose(w, b, sym.x, sigmas)
    cost = sym.cost_local.xreplace(dict(zip(sym.a_sym[L], a_of[L])))

    rows = []

    def check(eq, what, difference):
        # Multiplying out cancels the two sides term by term in almost every case; where it
        # does not (cross-entropy's logarithms against sigma'), one common fraction does.
        rows.append((eq, what, _is_zero(simplify(difference))))

    dC_da = [sp.diff(sym.cost_local, s) for s in sym.a_sym[L]]
    for j, s in enumerate(zs[L]):
        rhs = dC_da[j].xreplace({sym.a_sym[L][i]: sigma(zs[L][i]) for i in range(sizes[L])})
        rhs = rhs if broken == "BP1-no-sigma-prime" else rhs * dsigma(s)
        check("BP1", rf"\delta^{{{L}}}_{{{j + 1}}}", delta[L][j] - rhs)
    for l in range(L - 1, 0, -1):
        a_l = [sigma(s) for s in zs[l]]
        z_next = dict(zip(zs[l + 1], _weighted_inputs(w[l + 1], b[l + 1], a_l)))
        for j, s in enumerate(zs[l]):
            if broken == "BP2-no-transpose":
                terms = [w[l + 1][j % sizes[l + 1]][i % sizes[l]] * delta[l + 1][i]
                         for i in range(sizes[l + 1])]
            else:
                terms = [w[l + 1][i][j] * delta[l + 1][i] for i in range(sizes[l + 1])]
            rhs = sum(terms, sp.Integer(0)).subs(z_next, simultaneous=True) * dsigma(s)
            check("BP2", rf"\delta^{{{l}}}_{{{j + 1}}}", delta[l][j] - rhs)
    for l in range(1, L + 1):
        at_z = dict(zip(zs[l], z_of[l]))
        for j in range(sizes[l]):
            d = delta[l][j].subs(at_z, simultaneous=True)
            check("BP3", lx[b[l][j]], sp.diff(cost, b[l][j]) - d)
            for k in range(sizes[l - 1]):
                check("BP4", lx[w[l][j][k]], sp.diff(cost, w[l][j][k]) - a_of[l - 1][k] * d)
    return Proof(sizes, activation, get_loss(loss).name, rows, time.perf_counter() - start)

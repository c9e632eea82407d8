"""BP1-BP4 verified by computer algebra for a whole network, every symbol free.

delta^l_j is *defined* as dC/dz^l_j: the cost of the rest of the network, written as a formula
of free symbols z^l standing for layer l's weighted inputs, differentiated by sympy. Then, for
every neuron and every parameter, the difference of the two sides of

    BP1  delta^L_j         = dC/da^L_j sigma'(z^L_j)
    BP2  delta^l_j         = (sum_k w^{l+1}_{kj} delta^{l+1}_k) sigma'(z^l_j)
    BP3  dC/db^l_j         = delta^l_j
    BP4  dC/dw^l_{jk}      = a^{l-1}_k delta^l_j

is simplified and must be 0. On the left of BP3 and BP4, sympy differentiates the whole cost as
a formula of all weights, biases, inputs and targets.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from .. import validate
from ..activations import get_activation
from .formulas import compose, weighted_inputs
from .network import SymbolicNetwork

#: The wrong right-hand sides :func:`prove_bp` can be asked to check instead of the right ones.
BROKEN = ("BP2-no-transpose", "BP1-no-sigma-prime")
#: The equations :func:`prove_bp` checks.
EQUATIONS = ("BP1", "BP2", "BP3", "BP4")


@dataclass
class Proof:
    """The outcome of :func:`prove_bp`: one row per instance of an equation.

    rows: (equation, LaTeX of the quantity, True if lhs - rhs simplified to 0).
    """

    sizes: list
    activation: str
    cost: str
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


def expand_products(expr):
    """Multiply out products of sums, and nothing else (exp(a + b) stays whole): enough for
    the two sides of BP1-BP4 to cancel term by term, and much faster than a full expand."""
    return sp.expand(expr, power_exp=False, power_base=False, multinomial=False)


def _is_zero(rest) -> bool:
    """Is ``rest`` identically 0? True if it already is 0 or sympy's ``cancel`` of it as one
    fraction is. A formula that is not 0 at some point is not identically 0, so where it can be
    evaluated (no undefined sigma), one evaluation at a fixed rational point, to 30 digits,
    settles the "no" quickly; values too close to 0 to tell still go to ``cancel``. The point's
    coordinates are 30-digit Floats, so that sympy computes as it substitutes (with Rationals,
    exp(3/7) stays exact until ``evalf`` walks the whole formula: 4x slower)."""
    if rest == 0:
        return True
    if not rest.atoms(AppliedUndef):
        symbols = sorted(rest.free_symbols, key=lambda s: s.name)
        point = {s: sp.Float(sp.Rational(3 + i % 5, 7 + i % 3), 30)
                 for i, s in enumerate(symbols)}
        value = rest.xreplace(point).evalf(30)   # a number already, but surely one
        if value.is_number and abs(value) > 1e-20:
            return False
    return sp.cancel(sp.together(rest)) == 0


def prove_bp(sizes, activation="sigmoid", cost="quadratic", simplify=expand_products,
             broken=None, equations=EQUATIONS) -> Proof:
    """Verify BP1-BP4 symbolically for a network of the given sizes (see the module's
    docstring), every weight, bias, input and target a free symbol.

    Each difference of the two sides goes through ``simplify`` (by default, products of sums
    multiplied out; the two sides then cancel term by term), and where that leaves something,
    sympy's ``cancel`` of it as one fraction. ``activation`` may be "generic": an undefined
    function sigma, which proves the equations for every differentiable activation.

    ``broken`` replaces one right-hand side by a wrong one, to show the check can fail:
    "BP2-no-transpose" uses w^{l+1}_{jk} where BP2 has w^{l+1}_{kj}; "BP1-no-sigma-prime" drops
    the factor sigma'(z^L_j).

    ``equations``: which of "BP1", "BP2", "BP3", "BP4" to check (default all four); a broken
    BP2 needs only BP2 checked to show that it fails, and BP3 and BP4 (sympy differentiating
    the whole cost once per parameter) take most of the time.
    """
    if broken is not None and broken not in BROKEN:
        raise ValueError(f"broken: expected None or one of {', '.join(BROKEN)}, got {broken!r}")
    wanted = [equations] if isinstance(equations, str) else list(equations)
    if not wanted or any(eq not in EQUATIONS for eq in wanted):
        raise ValueError(f"equations: expected some of {', '.join(EQUATIONS)}, "
                         f"got {equations!r}")
    start = time.perf_counter()
    prover = _Prover(validate.sizes(sizes), activation, cost, simplify, broken)
    if "BP1" in wanted:
        prover.bp1()
    if "BP2" in wanted:
        prover.bp2()
    if "BP3" in wanted or "BP4" in wanted:
        prover.bp3_bp4([eq for eq in ("BP3", "BP4") if eq in wanted])
    return Proof(prover.sizes, activation, prover.sym.cost_function.name, prover.rows,
                 time.perf_counter() - start)


def _put(expr, values: dict):
    """``expr`` with the symbols in ``values`` replaced, all at once. A plain replacement
    (xreplace) where ``expr`` holds no derivative of an unknown function; there, a derivative
    with respect to a replaced symbol must become a ``Subs``, which only ``subs`` makes."""
    if expr.has(sp.Derivative, sp.Subs):
        return expr.subs(values, simultaneous=True)
    return expr.xreplace(values)


class _Prover:
    """One proof's symbols, sigma, deltas (by their definition) and rows, checked equation by
    equation in the order BP1, BP2 (from layer L-1 down), BP3 and BP4 (neuron by neuron)."""

    def __init__(self, sizes, activation, cost, simplify, broken):
        self.sizes, self.L = sizes, len(sizes) - 1
        self.sym = SymbolicNetwork(sizes, "sigmoid", cost)      # symbols and the cost of a^L
        self.sigma = _sigma(activation)
        self.simplify, self.broken, self.rows = simplify, broken, []
        self.delta = self._deltas()

    def check(self, eq, what, difference):
        # Multiplying out cancels the two sides term by term in almost every case; where it
        # does not (cross-entropy's logarithms against sigma'), one common fraction does.
        self.rows.append((eq, what, _is_zero(self.simplify(difference))))

    def dsigma(self, s):
        t = sp.Dummy("t")
        return sp.diff(self.sigma(t), t).subs(t, s)

    def _cost_of(self, a_L):
        """C with a^L replaced by the formulas ``a_L``."""
        return self.sym.cost_local.xreplace(dict(zip(self.sym.a_sym[self.L], a_L)))

    def _deltas(self) -> list:
        """delta^l_j = dC/dz^l_j, C written as the rest of the network from free z^l:
        a^l = sigma(z^l), ..., C(a^L)."""
        sym, sigma, L = self.sym, self.sigma, self.L
        delta = [None]
        for l in range(1, L + 1):
            a_l = [sigma(s) for s in sym.z_sym[l]]
            rest = self._cost_of(compose(sym.w, sym.b, a_l, [sigma] * (L + 1), start=l)[1][L])
            delta.append([sp.diff(rest, s) for s in sym.z_sym[l]])
        return delta

    def bp1(self):
        sym, L, zs = self.sym, self.L, self.sym.z_sym
        at_z = {a: self.sigma(z) for a, z in zip(sym.a_sym[L], zs[L])}
        for j, s in enumerate(zs[L]):
            rhs = sp.diff(sym.cost_local, sym.a_sym[L][j]).xreplace(at_z)
            if self.broken != "BP1-no-sigma-prime":
                rhs *= self.dsigma(s)
            self.check("BP1", rf"\delta^{{{L}}}_{{{j + 1}}}", self.delta[L][j] - rhs)

    def bp2(self):
        w, n, zs, delta = self.sym.w, self.sizes, self.sym.z_sym, self.delta
        for l in range(self.L - 1, 0, -1):
            a_l = [self.sigma(s) for s in zs[l]]
            z_next = dict(zip(zs[l + 1], weighted_inputs(w[l + 1], self.sym.b[l + 1], a_l)))
            for j, s in enumerate(zs[l]):
                if self.broken == "BP2-no-transpose":
                    terms = [w[l + 1][j % n[l + 1]][i % n[l]] * delta[l + 1][i]
                             for i in range(n[l + 1])]
                else:
                    terms = [w[l + 1][i][j] * delta[l + 1][i] for i in range(n[l + 1])]
                rhs = _put(sum(terms, sp.Integer(0)), z_next) * self.dsigma(s)
                self.check("BP2", rf"\delta^{{{l}}}_{{{j + 1}}}", delta[l][j] - rhs)

    def bp3_bp4(self, wanted=("BP3", "BP4")):
        sym, n, lx = self.sym, self.sizes, self.sym._latex
        z_of, a_of = compose(sym.w, sym.b, sym.x, [self.sigma] * (self.L + 1))
        cost = self._cost_of(a_of[self.L])
        for l in range(1, self.L + 1):
            at_z = dict(zip(sym.z_sym[l], z_of[l]))
            for j in range(n[l]):
                d = _put(self.delta[l][j], at_z)
                if "BP3" in wanted:
                    self.check("BP3", lx[sym.b[l][j]], sp.diff(cost, sym.b[l][j]) - d)
                weights = sym.w[l][j] if "BP4" in wanted else []
                for w, a_k in zip(weights, a_of[l - 1]):
                    self.check("BP4", lx[w], sp.diff(cost, w) - a_k * d)

"""Derivation exercises: the answer is an expression, not code, and sympy judges it.

A chapter poses a derivation ("write sigma'(z) with s = sigma(z) only") and the reader sets a
variable to an expression: a string such as ``"(s + 1)/2"``, or a sympy expression of the
exercise's symbols (``s, = q3.symbols``; any sympy symbol of the same name will do).
:class:`Expression` is the checker (the protocol of :mod:`.core`), :class:`DerivationExercise`
the exercise that carries it.

**Reading the answer.** A string is parsed with sympy's ``parse_expr``: the standard
transformations (without factorial notation), ``^`` for powers (convert_xor), and implicit
multiplication, so that ``2s``, ``s(1 - s)`` and ``(a - y)(1 - a^2)`` are products, as a reader
writes them on paper. Symbols are not split (no split_symbols), so ``ay`` is reported as an
unknown name, never silently read as a*y; and a function needs its brackets, ``log(a)``, not
``log a`` (no implicit application). Before anything is parsed, every name in the string must
be one of the exercise's symbols, a symbol the answer must not keep (z, so that the message can
say so), or one of :data:`FUNCTIONS` or ``e``; any other name is reported, with the names
allowed. A number as the answer is a constant; a huge power (9^9^9) is refused before it is
computed. **parse_expr evaluates Python** (``eval``). The name check keeps attributes and
builtins out, but this is a self-check in the reader's own kernel, not a sandbox: never use it
on an answer someone else wrote (graded work goes through ``grader``'s sandbox).

**Judging it.** The reference is derived by sympy from bpcore's own formulas (an activation's
and a cost's ``sympy`` form) as a function of z, then rewritten with the exercise's symbol by
inverting a = f(z) (:func:`written_with`); it is never typed. An answer is right when it agrees
with the reference at fixed points of the exercise's domain, evaluated to 30 digits (one point
where they differ settles it at once), and sympy then simplifies their difference to 0; where
simplify leaves it undecided (it is not complete), agreement at 40 points decides.

**Saying what is wrong**, without the answer; the first that applies:

1. a known-wrong form of the exercise, compared by value (this is dC/da, not dC/dz; ...);
2. a symbol the answer must not keep (z): right but written with z, or depends on z;
3. off by a sign, by a constant factor, or by an added constant (which one is not said);
4. right only at some of the exercise's substituted values ("right at y = 0, wrong at y = 1");
5. otherwise just not equal; a constant, or a symbol the answer lacks, is said.
"""
from __future__ import annotations

import contextlib
import io
import numbers
import signal
import textwrap
import threading
import tokenize
from typing import Callable

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.parsing.sympy_parser import (auto_number, auto_symbol, convert_xor,
                                        implicit_multiplication, parse_expr,
                                        repeated_decimals)

from ..activations import get_activation
from .core import Exercise, Incorrect, NotAttempted

_x = sp.Dummy("x")
#: The functions a string answer may call; ``sigma`` is bpcore's sigmoid, 1 / (1 + e^-x).
FUNCTIONS = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "tanh": sp.tanh,
             "sigma": sp.Lambda(_x, get_activation("sigmoid").sympy(_x))}
_CONSTANTS = {"e": sp.E}
#: What an answer may be built of, once read (sqrt is a power, e a NumberSymbol, and
#: sqrt(a^2) is Abs(a)).
_NODES = (sp.Symbol, sp.Number, sp.NumberSymbol, sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log,
          sp.tanh, sp.Abs)
_TRANSFORMATIONS = (auto_symbol, repeated_decimals, auto_number, convert_xor,
                    implicit_multiplication)
_GLOBALS = {"Integer": sp.Integer, "Float": sp.Float, "Rational": sp.Rational,
            "Symbol": sp.Symbol, "Function": sp.Function, "Add": sp.Add, "Mul": sp.Mul,
            "Pow": sp.Pow}
#: Characters a reader may copy from the typeset page, and what they mean.
_TYPESET = {"\u2212": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u00b2": "^2",
            "\u00b3": "^3", "\u03c3": "sigma"}
_MAX_LENGTH, _MAX_EXPONENT = 400, 100


#: Seconds a check may take. sympy can take minutes on a short answer (exp(exp(exp(20)))
#: raises its working precision to the size of the number); no derivation here needs that.
TIME_LIMIT = 5.0


class _Expired(BaseException):
    """The time limit of a check ran out (raised by the SIGALRM handler)."""


@contextlib.contextmanager
def _time_limit(seconds: float, name: str):
    """Raise :class:`Incorrect` in the block after ``seconds`` (a SIGALRM timer, as in a
    kernel's main thread; elsewhere, or without SIGALRM, no limit)."""
    if (not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def expired(signum, frame):
        raise _Expired              # a BaseException: no `except Exception` in sympy stops it

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise Incorrect(f"`{name}` took sympy more than {seconds:g} s to check, so it was "
                        f"stopped: no derivation here needs towers of exp, log or sigma or "
                        f"huge numbers; simplify the expression and try again") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def written_with(expr_z, z: sp.Symbol, f_z, a: sp.Symbol, at: float):
    """``expr_z``, a function of ``z``, rewritten with ``a = f_z`` instead: sympy solves
    f(z) = a for z (the solution that inverts f at ``a = at``), substitutes it and simplifies.

    >>> z, a = sp.Symbol("z", real=True), sp.Symbol("a", real=True)
    >>> written_with(sp.diff(sp.tanh(z), z), z, sp.tanh(z), a, 0.5)
    -(a - 1)*(a + 1)
    """
    for inverse in sp.solve(sp.Eq(f_z, a), z):
        if abs(complex(f_z.subs(z, inverse).subs(a, at)) - at) < 1e-12:
            return sp.factor(sp.simplify(expr_z.rewrite(sp.exp).subs(z, inverse)))
    raise ValueError(f"f_z: sympy found no inverse of {f_z} at {a} = {at}")


def _listing(words) -> str:
    """"s", "a and y", "a, y and z": names joined for a message."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class Expression:
    """The checker of a derivation exercise: ``checker(answer)`` returns None when ``answer``
    equals the reference, else raises :class:`Incorrect` saying how it differs (or
    :class:`NotAttempted` for an empty string).

    name:      the variable the reader sets (named in messages).
    derive:    ``derive()`` -> the reference as a sympy expression of z (and of the other
               symbols); called once, at the first check.
    symbols:   the sympy symbols the answer is written with, e.g. (a, y).
    stands_for: (symbol, f(z)): the symbol that stands for f(z), e.g. (s, sigma(z)); z is then
               a name the answer may contain only to be told to remove it.
    domain:    {symbol: (low, high)} for every symbol and z: where values are compared.
    what:      the quantity, e.g. "sigma'(z)", for messages; ``note`` says what stands for what.
    cases:     ((label, {symbol: value}), ...): values at which an answer may be right alone.
    mistakes:  ((form, message), ...): known-wrong forms (sympy expressions, strings, or
               functions that make one, called at the first check) and what to say when an
               answer equals one.
    """

    def __init__(self, name: str, derive: Callable, symbols: tuple, stands_for: tuple, *,
                 domain: dict, what: str, note: str, cases=(), mistakes=()):
        self.name, self.derive, self.symbols = name, derive, tuple(symbols)
        (self.stand_in, self.f_z), self.what, self.note = stands_for, what, note
        self.hidden = tuple(sorted(self.f_z.free_symbols, key=str))
        self.domain, self.cases, self._mistakes = domain, tuple(cases), tuple(mistakes)
        self._known = {str(v): v for v in self.symbols + self.hidden}
        self._reference = self._mistake_forms = None
        self._values_cache: dict = {}
        rng = np.random.default_rng(1)                # fixed points, exact rationals
        self._points = [{v: sp.Rational(round((lo + (hi - lo) * rng.uniform(0.02, 0.98))
                                              * 10**4), 10**4)
                         for v, (lo, hi) in domain.items()} for _ in range(40)]

    @property
    def reference(self):
        """The right answer in the exercise's symbols, derived on first use."""
        if self._reference is None:
            lo, hi = self.domain[self.stand_in]
            z = self.hidden[0]
            self._reference = written_with(self.derive(), z, self.f_z, self.stand_in,
                                           (lo + hi) / 2)
        return self._reference

    # -- reading ------------------------------------------------------------------------------

    def _allowed(self) -> str:
        return (f"write it with {_listing(map(str, self.symbols))}, numbers, `+ - * / ^`, "
                f"brackets and the functions {_listing(list(FUNCTIONS))}")

    def _unreadable(self, text, why) -> Incorrect:
        first = str(self.symbols[0])
        return Incorrect(f"`{self.name}`: could not read {text!r} as an expression ({why}). "
                         f"A product needs * or a space (`2*{first}`, `2 {first}`), a power "
                         f"`^` or `**`, a function its brackets, e.g. `exp(-{first})`")

    def _parse(self, text: str):
        text = text.strip()
        if not text:
            raise NotAttempted(f"`{self.name}` is an empty string: write the expression in it")
        if len(text) > _MAX_LENGTH:
            raise Incorrect(f"`{self.name}` is over {_MAX_LENGTH} characters: too long to "
                            f"read; write it more simply")
        for typeset, plain in _TYPESET.items():
            text = text.replace(typeset, plain)
        names = {**self._known, **FUNCTIONS, **_CONSTANTS}
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        except (tokenize.TokenError, SyntaxError):
            raise self._unreadable(text, "check that the brackets pair up") from None
        for token in tokens:
            if token.type == tokenize.NAME and token.string not in names:
                glued = set(token.string) <= set(self._known) and len(token.string) > 1
                product = (f" (a product? write `{'*'.join(token.string)}`)" if glued
                           else "")
                raise Incorrect(f"`{self.name}`: unknown name `{token.string}`{product}: "
                                f"{self._allowed()}")
            if token.type in (tokenize.STRING, tokenize.ERRORTOKEN) and token.string.strip():
                raise self._unreadable(text, f"it contains `{token.string.strip()}`")
        for evaluate in (False, True):   # unevaluated first: refuse a huge power unmade
            try:
                expr = parse_expr(text, local_dict=dict(names), global_dict=dict(_GLOBALS),
                                  transformations=_TRANSFORMATIONS, evaluate=evaluate)
            except Exception as e:                  # SyntaxError, TypeError, ...: not maths
                if evaluate:
                    raise self._unreadable(text, type(e).__name__) from None
                continue
            if not evaluate and isinstance(expr, sp.Basic):
                self._refuse_huge_powers(expr)
        return expr

    def _refuse_huge_powers(self, expr) -> None:
        for power in expr.atoms(sp.Pow):
            if power.exp.is_number:
                try:
                    size = abs(complex(sp.N(power.exp, 5)))
                except (TypeError, ValueError, ArithmeticError):   # 1/log(1), overflow
                    size = float("inf")
                if not size <= _MAX_EXPONENT:            # also NaN
                    raise Incorrect(f"`{self.name}` has an exponent over {_MAX_EXPONENT}: no "
                                    f"derivation here needs one, and it is slow to compute")

    def read(self, answer):
        """The answer as a sympy expression in this exercise's own symbols."""
        if isinstance(answer, str):
            expr = self._parse(answer)
        elif isinstance(answer, (bool, np.bool_)) or not isinstance(
                answer, (numbers.Real, sp.Basic)):
            raise Incorrect(f"`{self.name}`: expected an expression, a string such as "
                            f"\"({self.symbols[0]} + 1)/2\" or a sympy expression, got "
                            f"{type(answer).__name__}")
        elif isinstance(answer, numbers.Integral):
            expr = sp.Integer(int(answer))
        elif isinstance(answer, numbers.Real):
            expr = sp.Float(float(answer))
        else:
            expr = answer
        if isinstance(expr, (type, sp.Lambda)):
            raise Incorrect(f"`{self.name}` is a function, not an expression: give it its "
                            f"argument in brackets, e.g. exp(-{self.symbols[0]})")
        if not isinstance(expr, sp.Expr):
            raise Incorrect(f"`{self.name}`: expected an expression, got "
                            f"{type(expr).__name__}: write the expression alone, with no = "
                            f"or == or <, and no list")
        if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise Incorrect(f"`{self.name}` is not finite: it contains infinity or NaN "
                            f"(a division by 0?)")
        if expr.has(sp.I):
            raise Incorrect(f"`{self.name}` is not real: it contains the imaginary unit (the "
                            f"square root or logarithm of a negative number?)")
        return self._own_symbols(expr)

    def _own_symbols(self, expr):
        """``expr`` with the exercise's symbols for the reader's symbols of the same names, and
        bpcore's sigma for an undefined function called sigma; other names are refused."""
        for f in expr.atoms(AppliedUndef):
            if type(f).__name__ != "sigma" or len(f.args) != 1:
                raise Incorrect(f"`{self.name}`: unknown function `{type(f).__name__}`: "
                                f"{self._allowed()}")
        expr = expr.replace(lambda f: isinstance(f, AppliedUndef),
                            lambda f: FUNCTIONS["sigma"](*f.args))
        for v in expr.free_symbols:
            if str(v) not in self._known:
                raise Incorrect(f"`{self.name}`: unknown name `{v}`: {self._allowed()}")
        expr = expr.xreplace({v: self._known[str(v)] for v in expr.free_symbols})
        odd = [n for n in sp.preorder_traversal(expr) if not isinstance(n, _NODES)]
        if odd:
            raise Incorrect(f"`{self.name}` uses {type(odd[0]).__name__}, which a derivation "
                            f"here does not need: {self._allowed()}")
        return expr

    # -- comparing ----------------------------------------------------------------------------

    def _values(self, expr, n: int = 8) -> tuple:
        """``expr`` at the first ``n`` points, to 30 digits (None where it is undefined)."""
        key = (expr, n)
        if key not in self._values_cache:
            found = []
            for point in self._points[:n]:
                try:
                    value = complex(expr.evalf(30, subs=point))
                except (TypeError, ValueError, ArithmeticError):   # 1/0, e^e^e^e^10
                    value = None
                found.append(value if value is not None and np.isfinite(value) else None)
            self._values_cache[key] = tuple(found)
        return self._values_cache[key]

    def _same(self, u, v, n: int = 8) -> bool:
        """Whether u and v agree at the first n points (the stand-in symbol replaced by f(z)
        in both when either holds z)."""
        if (u.free_symbols | v.free_symbols) & set(self.hidden):
            u, v = (e.subs(self.stand_in, self.f_z) for e in (u, v))
        pairs = [(p, q) for p, q in zip(self._values(u, n), self._values(v, n))
                 if (p, q) != (None, None)]
        # 1e-12 where there is a decimal (0.1 is a float, exact to 1e-17 only); else 1e-25,
        # so that a - y + y*exp(-40) is not a - y (the values have 30 digits).
        tol = 1e-12 if u.has(sp.Float) or v.has(sp.Float) else 1e-25
        return bool(pairs) and all(p is not None and q is not None and
                                   abs(p - q) <= tol * max(1.0, abs(p), abs(q))
                                   for p, q in pairs)

    def _equal(self, expr) -> bool:
        """The verdict: equal at the points, then proved by simplify, or else at 40 points."""
        if not self._same(expr, self.reference):
            return False
        try:
            difference = sp.simplify(expr - self.reference)
        except Exception:                                 # simplify gave up: the points decide
            difference = None
        if difference is not None and difference.is_number:
            return difference == 0                        # proved equal, or different
        return self._same(expr, self.reference, n=len(self._points))

    def _constant(self, expr, combine):
        """The constant c = combine(expr, reference) if it is the same at every point (the
        ratio, the difference), else None."""
        found = [combine(p, q) for p, q in zip(self._values(expr), self._values(self.reference))
                 if p is not None and q is not None and abs(q) > 1e-9]
        if len(found) < 3 or any(abs(c - found[0]) > max(1e-9 * abs(found[0]), 1e-15)
                                 for c in found):
            return None
        return found[0]

    # -- judging ------------------------------------------------------------------------------

    @property
    def mistakes(self) -> list:
        """The known-wrong forms as (expression, message), made on first use: a string is
        read as an answer would be, a function called."""
        if self._mistake_forms is None:
            self._mistake_forms = [
                (self.read(f) if isinstance(f, str) else f if isinstance(f, sp.Basic)
                 else f(), message) for f, message in self._mistakes]
        return self._mistake_forms

    def __call__(self, answer) -> None:
        with _time_limit(TIME_LIMIT, self.name):
            expr = self.read(answer)
            hidden = expr.free_symbols & set(self.hidden)
            if not hidden and self._equal(expr):
                return None
            problem = self.diagnose(expr)
        raise Incorrect(f"`{self.name}` {problem}")

    def diagnose(self, expr) -> str:
        """What is wrong with ``expr`` (not the reference), as the end of a sentence."""
        for form, message in self.mistakes:
            if self._same(expr, form):
                return message
        hidden = expr.free_symbols & set(self.hidden)
        only = f"write it with {_listing(map(str, self.symbols))} only ({self.note})"
        if hidden:
            names = _listing(sorted(map(str, hidden)))
            if self._same(expr, self.reference):
                return f"is {self.what}, but written with {names}: {only}"
            return f"depends on {names}, where it should not: {only}"
        if self._same(expr, -self.reference):
            return "is off by a sign"
        factor = self._constant(expr, lambda p, q: p / q)
        if factor is not None and min(abs(factor), abs(factor - 1), abs(factor + 1)) > 1e-9:
            return "is off by a constant factor: check the numbers that multiply it"
        if self._constant(expr, lambda p, q: p - q):
            return (f"is off by an added constant: a term that does not change with "
                    f"{_listing(map(str, self.symbols))} is added or left out")
        lacks = sorted(map(str, self.reference.free_symbols - expr.free_symbols))
        if not expr.free_symbols:
            tail = f": it is a constant, but {self.what} changes with {_listing(lacks)}"
        elif lacks:
            tail = f": it does not depend on {_listing(lacks)}, but {self.what} does"
        else:
            tail = ""
        right = [label for label, at in self.cases
                 if self._same(expr.subs(at), self.reference.subs(at))]
        wrong = [label for label, _ in self.cases if label not in right]
        if right:
            return (f"is right at {_listing(right)}, wrong "
                    f"{'at ' + _listing(wrong) if wrong else 'elsewhere'}{tail}")
        return f"is not {self.what}{tail}"


class DerivationExercise(Exercise):
    """An :class:`~.core.Exercise` whose answer is an expression judged by :class:`Expression`.

    Its ``solution`` is the right answer as a string; ``steps`` are the lines of the derivation,
    shown above it in ``solution()`` as comments. ``symbols`` are the sympy symbols an answer
    may be built from (``a, y = q5.symbols``)."""

    def __init__(self, label: str, name: str, solution: str, checker: Expression, hint: str,
                 *, steps: str = "", **kwargs):
        super().__init__(label, name, solution, checker, hint, **kwargs)
        self.steps = textwrap.dedent(steps).strip()

    @property
    def symbols(self) -> tuple:
        return self.checker.symbols

    def solution_text(self) -> str:
        comments = "".join(f"# {line}".rstrip() + "\n" for line in self.steps.splitlines())
        return comments + super().solution_text()

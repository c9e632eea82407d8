"""The machinery of the self-check exercises: ``q.check()``, ``q.hint()``, ``q.solution()``, after
Kaggle's learntools. The exercises themselves are the chapter modules beside this one.

A chapter states an exercise's task in its own Markdown, then gives a stub the reader fills in:

    from bpcore.exercises.ch01_forward import q1, q2

    def layer_forward(W, b, a_prev):
        ...                              # the reader's code goes here

    q1.check()                           # Correct / Incorrect: what is wrong / Not attempted

``check()`` finds the answer by name in the caller's namespace (or takes it as an argument),
runs the exercise's checker on it and shows the verdict. It **never raises**: a stub, a missing
name, an exception inside the reader's code or a wrong type all become a message, so a book
built with the stubs in place shows "Not attempted" and carries on. The message says what is
wrong (the shape, which values, the gradient check) without printing the expected values.
``hint()`` and ``solution()`` show collapsed ``<details>`` boxes; the solution is the source of a
real function that the tests check with the same checker.

**The checker protocol.** ``checker(answer)`` returns None when the answer is right; otherwise it
raises, and only in one of two ways:

- :class:`Incorrect` (message): the answer is wrong, and the message says what is wrong;
- :class:`NotAttempted` (message): the answer is still the stub.

A helper that only finds a problem (:func:`compare`, a checker's ``*_problem`` functions) returns
the message or None; :func:`incorrect_if` turns that into the verdict. :func:`call` runs the
reader's function and raises both for the checker: NotAttempted for a stub, Incorrect when the
reader's code raised. Anything else a checker raises, or a value it returns, is a bug in the
checker; ``check()`` still shows a verdict ("checking failed with ..."), and the tests fail on it.

>>> def check_one(x):
...     if x != 1:
...         raise Incorrect(f"`x` is {x}, not 1")
>>> q = Exercise("Exercise 0.1", "x", 1, check_one, "a hint")
>>> for answer in (1, 2, None):
...     print(q.evaluate(answer))
Exercise 0.1: Correct.
Exercise 0.1: Incorrect. `x` is 2, not 1
Exercise 0.1: Not attempted. `x` is still None: replace it with your answer
>>> def returns_a_message(x):
...     return "x is not 1"
>>> def breaks(x):
...     raise KeyError("oops")
>>> for checker in (returns_a_message, breaks):       # doctest: +NORMALIZE_WHITESPACE
...     print(Exercise("Exercise 0.2", "x", 1, checker, "a hint").evaluate(2))
Exercise 0.2: Incorrect. checking `x` failed with TypeError: the checker returned
'x is not 1': a checker returns None or raises Incorrect
Exercise 0.2: Incorrect. checking `x` failed with KeyError: 'oops'

:func:`compare` is the one comparison behind every verdict; :func:`assert_close` is the same
comparison for assignment tests (it raises ``AssertionError`` with that message).
"""
from __future__ import annotations

import html
import inspect
import numbers
import re
import textwrap
from typing import Callable

import numpy as np

from ..validate import looks_transposed

CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not attempted"
_MISSING = object()


class Incorrect(Exception):
    """Raised by a checker when the answer is wrong; the message says what is wrong."""


class NotAttempted(Exception):
    """Raised by a checker when the answer is still the stub."""


def incorrect_if(problem: str | None) -> None:
    """Raise :class:`Incorrect` with ``problem`` when there is one (a message, not None)."""
    if problem:
        raise Incorrect(problem)


# -- comparing an answer with the reference -----------------------------------------------------

def as_numbers(value, name: str) -> np.ndarray:
    """``value`` as a plain float64 array; :class:`Incorrect` saying why if it is not numbers."""
    if value is None or value is Ellipsis:
        raise Incorrect(f"{name} is {value!r}: nothing was returned or set yet")
    if isinstance(value, (bool, np.bool_)) or not (
            isinstance(value, (numbers.Number, np.ndarray, list, tuple))):
        raise Incorrect(f"{name}: expected numbers (a float or a numpy array), "
                        f"got {type(value).__name__}")
    try:
        raw = np.array(value)                        # a plain ndarray: subclasses are dropped
        if raw.dtype.kind == "c" or isinstance(value, complex):
            raise Incorrect(f"{name}: expected real numbers, got complex ones")
        arr = raw.astype(float)
    except (TypeError, ValueError, OverflowError) as e:
        raise Incorrect(f"{name}: expected numbers, got {type(value).__name__} that numpy "
                        f"cannot read as floats ({e})") from None
    return arr.view(np.ndarray)


def _compare_parts(actual, expected: tuple, name, rtol, atol, parts):
    """:func:`compare` for a tuple of expected results, part by part."""
    if not isinstance(actual, (tuple, list)):
        what = f" ({', '.join(parts)})" if parts else ""
        return (f"{name}: expected {len(expected)} results{what} as a tuple, "
                f"got {type(actual).__name__}")
    if len(actual) != len(expected):
        return f"{name}: expected {len(expected)} results, got {len(actual)}"
    for i, (a, e) in enumerate(zip(actual, expected)):
        part = f"its result {parts[i]}" if parts else f"its result [{i}]"
        problem = compare(a, e, f"{name}, {part}", rtol, atol)
        if problem:
            return problem
    return None


def _shape_problem(a: np.ndarray, e: np.ndarray, name: str) -> str:
    hint = ""
    if looks_transposed(a.shape, e.shape):
        hint = (" It looks transposed: in this book samples are columns, so an array "
                "is (neurons, samples).")
    elif a.size == e.size:
        hint = " Same number of entries, arranged differently: check the matrix product."
    return f"{name}: wrong shape, expected {e.shape}, got {a.shape}.{hint}"


def compare(actual, expected, name: str = "your answer", rtol: float = 1e-6,
            atol: float = 1e-9, parts: tuple[str, ...] | None = None) -> str | None:
    """None when ``actual`` equals ``expected`` to the tolerance, else a message saying what is
    wrong without giving the expected values: the type, the shape (and whether it looks
    transposed, since data are columns), NaN/inf, or how many entries differ and by how much.

    ``expected`` may be a tuple of arrays; then ``actual`` must be a tuple (or list) of the same
    length and each part is compared in turn (``parts`` names them in messages, e.g.
    ("z", "a")). The test is ``|actual - expected| <= atol + rtol |expected|`` entrywise, with
    NaN never equal to anything. What a reader may hand in, and what compare says (never
    raising, never warning):

    >>> print(compare(np.zeros((5, 2)), np.zeros((2, 5))))  # doctest: +NORMALIZE_WHITESPACE
    your answer: wrong shape, expected (2, 5), got (5, 2). It looks transposed: in this book
    samples are columns, so an array is (neurons, samples).
    >>> print(compare(np.zeros(10), np.zeros((2, 5))))  # doctest: +NORMALIZE_WHITESPACE
    your answer: wrong shape, expected (2, 5), got (10,). Same number of entries, arranged
    differently: check the matrix product.
    >>> print(compare([1.0, np.nan], np.array([1.0, 2.0])), compare(np.inf, 1.0), sep="\\n")
    your answer: right shape, but it contains NaN or inf
    your answer: right shape, but it contains NaN or inf
    >>> [compare(x, e) for x, e in [([[0.0, 0.0]], np.zeros((1, 2))), (1.0 + 1e-9, 1.0),
    ...                              (np.array([[2.0]]), 2.0)]]     # one number: any shape
    [None, None, None]
    >>> print(compare(1.1, 1.0))
    your answer: right shape, wrong value
    >>> print(compare([1.0, 2.0, 4.0], np.array([1.0, 2.0, 3.0])))  # doctest: +NORMALIZE_WHITESPACE
    your answer: right shape (3,), wrong values: 1 of 3 entries differ (the largest difference
    is 1)
    >>> print(compare(np.array([1e308]), np.array([-1e308])))  # doctest: +NORMALIZE_WHITESPACE
    your answer: right shape (1,), wrong values: 1 of 1 entries differ (the largest difference
    is inf)
    >>> class EqualsEverything:
    ...     def __eq__(self, other):
    ...         return True
    >>> for x in (EqualsEverything(), True, "1.0", None, 1 + 2j, np.array([1 + 2j]), 10**400):
    ...     print(compare(x, 1.0))                      # doctest: +ELLIPSIS
    your answer: expected numbers (a float or a numpy array), got EqualsEverything
    your answer: expected numbers (a float or a numpy array), got bool
    your answer: expected numbers (a float or a numpy array), got str
    your answer is None: nothing was returned or set yet
    your answer: expected real numbers, got complex ones
    your answer: expected real numbers, got complex ones
    your answer: expected numbers, got int that numpy cannot read as floats (int too large...)
    >>> z_a = (np.zeros(2), np.ones(2))
    >>> print(compare((1, 2, 3), z_a))
    your answer: expected 2 results, got 3
    >>> print(compare(np.zeros(2), z_a, "f(x)", parts=("z", "a")))
    f(x): expected 2 results (z, a) as a tuple, got ndarray
    >>> print(compare((np.zeros(2), np.zeros(2)), z_a, "f(x)", parts=("z", "a")))
    ... # doctest: +NORMALIZE_WHITESPACE
    f(x), its result a: right shape (2,), wrong values: 2 of 2 entries differ (the largest
    difference is 1)
    >>> print(compare([np.zeros(2), np.ones(2)], z_a))
    None
    """
    if isinstance(expected, tuple):
        return _compare_parts(actual, expected, name, rtol, atol, parts)
    try:
        a = as_numbers(actual, name)
    except Incorrect as e:
        return str(e)
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        if not (e.ndim == 0 and a.size == 1):
            return _shape_problem(a, e, name)
        a = a.reshape(())
    if not np.all(np.isfinite(a)):
        return f"{name}: right shape, but it contains NaN or inf"
    with np.errstate(all="ignore"):                  # huge values: inf differences are wrong
        wrong = ~(np.abs(a - e) <= atol + rtol * np.abs(e))
        largest = float(np.max(np.abs(a - e), initial=0.0))
    if not wrong.any():
        return None
    if e.ndim == 0:
        return f"{name}: right shape, wrong value"
    return (f"{name}: right shape {e.shape}, wrong values: {int(wrong.sum())} of {e.size} "
            f"entries differ (the largest difference is {largest:.3g})")


def assert_close(actual, expected, name: str = "your answer", rtol: float = 1e-6,
                 atol: float = 1e-9, parts: tuple[str, ...] | None = None) -> None:
    """:func:`compare` as an assertion, for the assignments' tests: raises AssertionError with
    compare's message when ``actual`` is not ``expected``."""
    problem = compare(actual, expected, name, rtol, atol, parts)
    if problem:
        raise AssertionError(problem)


def call(f, *args, name: str):
    """Call the reader's function ``f`` (called ``name`` in the exercise) and return its result.

    A stub, one that returns None or ``...`` or raises NotImplementedError, raises
    :class:`NotAttempted`; any other exception in the reader's code raises :class:`Incorrect`
    naming it. Arrays are passed as copies, so the reader's code cannot change the checker's."""
    if not callable(f):
        raise Incorrect(f"`{name}` should be a function, got {type(f).__name__}")
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        with np.errstate(all="ignore"):
            value = f(*args)
    except NotImplementedError:
        raise NotAttempted(f"`{name}` still raises NotImplementedError: write its body") from None
    except Exception as e:                                            # the reader's bug
        raise Incorrect(f"`{name}` raised {type(e).__name__}: {e}") from None
    if value is None or value is Ellipsis:
        raise NotAttempted(f"`{name}` returns {value!r}: fill in its body")
    return value


def finite_difference(f, z: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central difference of an elementwise function f at every entry of z: the gradient check
    of the derivative exercises."""
    return (f(z + eps) - f(z - eps)) / (2 * eps)


def gradient_check(got, slope, of: str, how: str = "measured by finite differences") -> str:
    """The end of a message about a wrong derivative ``got``: "" when it is at least the
    measured ``slope``, else that it fails the gradient check, not being the slope of ``of``."""
    if compare(got, slope, "") is None:
        return ""
    return f"; it fails the gradient check: it is not the slope of {of} ({how})"


# -- what check(), hint() and solution() show ----------------------------------------------------

_HEADS = {CORRECT: "Correct", INCORRECT: "Incorrect", NOT_ATTEMPTED: "Not attempted"}
#: The verdict's colour: JupyterLab's theme colour where there is one (light or dark theme),
#: else a dark shade readable (contrast >= 4.5) on white and on the book's dark-mode output
#: background (light grey).
_COLOURS = {CORRECT: "var(--jp-success-color0, #116329)",
            INCORRECT: "var(--jp-error-color0, #a40e26)",
            NOT_ATTEMPTED: "var(--jp-warn-color0, #7d4e00)"}


def _code_spans(text: str) -> str:
    """``text`` escaped for HTML, with its `backtick` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


class Feedback:
    """The verdict of one check: ``status`` is "correct", "incorrect" or "not attempted"."""

    def __init__(self, label: str, status: str, message: str):
        self.label, self.status, self.message = label, status, message

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        text = f"{self.label}: {_HEADS[self.status]}"
        return f"{text}. {self.message}" if self.message else text + "."

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (f'<div class="bpcore-feedback bpcore-{self.status.replace(" ", "-")}" '
                f'style="border-left:4px solid {colour};padding:0.3em 0.8em;margin:0.3em 0">'
                f'<span style="color:{colour};font-weight:bold">{_code_spans(str(self))}</span>'
                f'</div>')


class Box:
    """A collapsed box (a hint or a solution): HTML ``<details>`` in a notebook or the book,
    plain text elsewhere. Its class is ``bpcore-`` and the title's first word, lower case."""

    def __init__(self, title: str, body: str, code: bool = False):
        self.title, self.body, self.code = title, body, code

    def __str__(self) -> str:
        return f"{self.title}:\n{self.body}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        inner = (f"<pre><code>{html.escape(self.body)}</code></pre>" if self.code
                 else f"<p>{_code_spans(self.body)}</p>")
        # display:list-item keeps the disclosure triangle where a notebook's CSS removes it.
        return (f'<details class="bpcore-{self.title.split()[0].lower()}" '
                f'style="padding:0.2em 0.6em">'
                f'<summary style="display:list-item;cursor:pointer">'
                f'{html.escape(self.title)}</summary>{inner}</details>')


def _show(obj) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
        if get_ipython() is not None:
            display(obj)
            return
    except ImportError:
        pass
    print(obj)


# -- one exercise ---------------------------------------------------------------------------------

class Exercise:
    """One self-check exercise; its task is stated in the chapter's Markdown, above its stub.

    label:     how the book numbers it, e.g. "Exercise 3.1".
    name:      the variable or function the reader defines (``check()`` looks it up by name).
    solution:  a function (or a value) that is a right answer; ``solution()`` shows its source.
    checker:   ``checker(answer)`` returns None when right, raises :class:`Incorrect` when wrong
               and :class:`NotAttempted` for a stub (see the protocol above).
    hint:      a nudge that does not give the answer away.
    title:     a few words for ``repr`` (the task itself is in the chapter).
    wrong:     known-wrong answers, ``{what: (answer, phrase)}``: the tests check that each is
               judged incorrect with ``phrase`` in the message.
    right:     other right answers, ``{what: answer}``: the tests check that each passes.
    """

    def __init__(self, label: str, name: str, solution, checker: Callable, hint: str, *,
                 title: str = "", wrong: dict | None = None, right: dict | None = None):
        self.label, self.name, self.title = label, name, title
        self.checker, self._hint, self._solution = checker, hint, solution
        self.wrong, self.right = dict(wrong or {}), dict(right or {})

    def _answer(self, answer, namespace):
        """The answer to check: the argument, or the name looked up in ``namespace``."""
        if answer is _MISSING:
            if namespace is None or self.name not in namespace:
                raise NotAttempted(f"define `{self.name}` in a cell above and run that cell")
            answer = namespace[self.name]
        if answer is None or answer is Ellipsis:
            raise NotAttempted(f"`{self.name}` is still {answer!r}: replace it with your answer")
        return answer

    def evaluate(self, answer=_MISSING, namespace: dict | None = None) -> Feedback:
        """The verdict as a :class:`Feedback`, without showing it. Never raises."""
        try:
            answer = self._answer(answer, namespace)
            with np.errstate(all="ignore"):          # a verdict, not a RuntimeWarning
                returned = self.checker(answer)
            if returned is not None:
                raise TypeError(f"the checker returned {returned!r}: a checker returns None "
                                f"or raises Incorrect")
        except NotAttempted as e:
            return Feedback(self.label, NOT_ATTEMPTED, str(e))
        except Incorrect as e:
            return Feedback(self.label, INCORRECT, str(e))
        except Exception as e:                      # whatever happens, the book keeps building
            return Feedback(self.label, INCORRECT,
                            f"checking `{self.name}` failed with {type(e).__name__}: {e}")
        return Feedback(self.label, CORRECT, "")

    def check(self, answer=_MISSING) -> None:
        """Show whether the answer is right. With no argument, the answer is the variable or
        function named ``self.name`` in the caller's namespace (the notebook's)."""
        namespace = None
        if answer is _MISSING:
            frame = inspect.currentframe()
            try:
                namespace = frame.f_back.f_globals if frame and frame.f_back else None
            finally:
                del frame
        _show(self.evaluate(answer, namespace))

    def hint(self) -> None:
        """Show the hint (collapsed)."""
        _show(Box(f"Hint ({self.label})", self._hint))

    def solution_text(self) -> str:
        """The solution as code: the source of the solution function, or ``name = value``."""
        if callable(self._solution):
            source = textwrap.dedent(inspect.getsource(self._solution))
            return source.replace(f"def {self._solution.__name__}(", f"def {self.name}(", 1)
        return f"{self.name} = {self._solution!r}"

    def solution(self) -> None:
        """Show a right answer (collapsed)."""
        _show(Box(f"Solution ({self.label})", self.solution_text(), code=True))

    @property
    def right_answer(self):
        """The solution object itself (tests check it with the checker)."""
        return self._solution

    def _repr_markdown_(self) -> str:
        return f"**{self.label}.** `{self.name}`: {self.title} (the task is in the text above)"

    def __repr__(self) -> str:
        return f"{self.label}: `{self.name}`, {self.title}"

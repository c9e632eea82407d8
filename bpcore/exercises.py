"""Self-check exercises: ``q.check()``, ``q.hint()``, ``q.solution()``, after Kaggle's learntools.

A chapter poses an exercise with a stub the reader fills in, then calls ``q1.check()``:

    from bpcore import questions
    q1, q2 = questions.chapter(1)

    def layer_forward(W, b, a_prev):
        ...                              # the reader's code goes here

    q1.check()                           # Correct / Incorrect: what is wrong / Not attempted

``check()`` finds the answer by name in the caller's namespace (or takes it as an argument),
runs the exercise's checker on it and shows the verdict. It **never raises**: a stub, a missing
name, an exception inside the reader's code or a wrong type all become a message, so a book
built with the stubs in place shows "Not attempted" and carries on. The message says what is
wrong (the shape, which values, the gradient check) without printing the expected values.
``hint()`` and ``solution()`` show collapsible boxes; the solution is the source of a real
function that the tests check with the same checker.

:func:`compare` is the one comparison behind every verdict; :func:`assert_close` is the same
comparison for assignment tests (it raises ``AssertionError`` with that message).
The exercises themselves live in :mod:`bpcore.questions`.
"""
from __future__ import annotations

import html
import inspect
import numbers
import re
import textwrap
from dataclasses import dataclass
from typing import Callable

import numpy as np

CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not attempted"
_MISSING = object()


class NotAttempted(Exception):
    """Raised by a checker when the answer is still the stub."""


class StudentError(Exception):
    """Raised by :func:`call` when the reader's own code raised; the message says so."""


# -- comparing an answer with the reference -----------------------------------------------------

def _as_numbers(value, name: str) -> np.ndarray:
    """``value`` as a plain float64 array, or an AssertionError saying why it is not numbers."""
    if value is None or value is Ellipsis:
        raise AssertionError(f"{name} is {value!r}: nothing was returned or set yet")
    if isinstance(value, (bool, np.bool_)) or not (
            isinstance(value, (numbers.Number, np.ndarray, list, tuple))):
        raise AssertionError(f"{name}: expected numbers (a float or a numpy array), "
                             f"got {type(value).__name__}")
    try:
        raw = np.array(value)                        # a plain ndarray: subclasses are dropped
        if raw.dtype.kind == "c" or isinstance(value, complex):
            raise AssertionError(f"{name}: expected real numbers, got complex ones")
        arr = raw.astype(float)
    except (TypeError, ValueError, OverflowError) as e:
        raise AssertionError(f"{name}: expected numbers, got {type(value).__name__} that numpy "
                             f"cannot read as floats ({e})") from None
    return arr.view(np.ndarray)


def compare(actual, expected, name: str = "your answer", rtol: float = 1e-6,
            atol: float = 1e-9, parts: tuple[str, ...] | None = None) -> str | None:
    """None when ``actual`` equals ``expected`` to the tolerance, else a message saying what is
    wrong without giving the expected values: the type, the shape (and whether it looks
    transposed, since data are columns), NaN/inf, or how many entries differ and by how much.

    ``expected`` may be a tuple of arrays; then ``actual`` must be a tuple (or list) of the same
    length and each part is compared in turn (``parts`` names them in messages, e.g. ("z", "a")). The test is ``|actual - expected| <= atol + rtol
    |expected|`` entrywise, with NaN never equal to anything."""
    if isinstance(expected, tuple):
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
    try:
        a = _as_numbers(actual, name)
    except AssertionError as e:
        return str(e)
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        if e.ndim == 0 and a.size == 1:
            a = a.reshape(())
        else:
            hint = ""
            if a.ndim == 2 and a.shape == e.shape[::-1]:
                hint = (" It looks transposed: in this book samples are columns, so an array "
                        "is (neurons, samples).")
            elif a.size == e.size:
                hint = " Same number of entries, arranged differently: check the matrix product."
            return f"{name}: wrong shape, expected {e.shape}, got {a.shape}.{hint}"
    if not np.all(np.isfinite(a)):
        return f"{name}: right shape, but it contains NaN or inf"
    with np.errstate(all="ignore"):                  # huge values: inf differences are wrong
        wrong = ~(np.abs(a - e) <= atol + rtol * np.abs(e))
    if wrong.any():
        if e.ndim == 0:
            return f"{name}: right shape, wrong value"
        with np.errstate(all="ignore"):
            largest = float(np.max(np.abs(a - e)))
        return (f"{name}: right shape {e.shape}, wrong values: {int(wrong.sum())} of {e.size} "
                f"entries differ (the largest difference is {largest:.3g})")
    return None


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
    :class:`NotAttempted`; any other exception in the reader's code raises :class:`StudentError`
    naming it. Arrays are passed as copies, so the reader's code cannot change the checker's."""
    if not callable(f):
        raise StudentError(f"`{name}` should be a function, got {type(f).__name__}")
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        with np.errstate(all="ignore"):
            value = f(*args)
    except NotImplementedError:
        raise NotAttempted(f"`{name}` still raises NotImplementedError: write its body") from None
    except Exception as e:                                            # the reader's bug
        raise StudentError(f"`{name}` raised {type(e).__name__}: {e}") from None
    if value is None or value is Ellipsis:
        raise NotAttempted(f"`{name}` returns {value!r}: fill in its body")
    return value


# -- what check() shows ---------------------------------------------------------------------------

_COLOURS = {CORRECT: "#1a7f37", INCORRECT: "#cf222e", NOT_ATTEMPTED: "#9a6700"}


@dataclass
class Feedback:
    """The verdict of one check: ``status`` is "correct", "incorrect" or "not attempted"."""

    label: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        head = {CORRECT: "Correct", INCORRECT: "Incorrect", NOT_ATTEMPTED: "Not attempted"}
        text = f"{self.label}: {head[self.status]}"
        return f"{text}. {self.message}" if self.message else text + "."

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        return (f'<div class="bpcore-feedback bpcore-{self.status.replace(" ", "-")}" '
                f'style="border-left:4px solid {colour};padding:0.3em 0.8em;margin:0.3em 0">'
                f'<span style="color:{colour};font-weight:bold">{_code_spans(str(self))}</span>'
                f'</div>')


@dataclass
class Shown:
    """A collapsible box (a hint or a solution): HTML ``<details>`` in a notebook or the book,
    plain text elsewhere."""

    title: str
    body: str
    code: bool = False

    def __str__(self) -> str:
        return f"{self.title}:\n{self.body}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        body = html.escape(self.body)
        inner = (f"<pre><code>{body}</code></pre>" if self.code
                 else f"<p>{_code_spans(self.body)}</p>")
        # display:list-item keeps the disclosure triangle where a notebook's CSS removes it.
        return (f'<details class="bpcore-{self.title.split()[0].lower()}">'
                f'<summary style="display:list-item;cursor:pointer">'
                f'{html.escape(self.title)}</summary>{inner}</details>')


def _code_spans(text: str) -> str:
    """``text`` escaped for HTML, with its `backtick` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


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
    """One self-check exercise.

    label:     how the book numbers it, e.g. "Exercise 3.1".
    name:      the variable or function the reader defines (``check()`` looks it up by name).
    task:      one sentence: what to write.
    checker:   ``checker(answer)`` returns None when right, or a message saying what is wrong; it
               raises :class:`NotAttempted` for a stub; :func:`call` does both for a function.
    hint:      a nudge that does not give the answer away.
    solution:  a function (or a value) that is a right answer; ``solution()`` shows its source.
    """

    def __init__(self, label: str, name: str, task: str, checker: Callable,
                 hint: str, solution):
        self.label, self.name, self.task = label, name, task
        self.checker, self._hint, self._solution = checker, hint, solution

    def evaluate(self, answer=_MISSING, namespace: dict | None = None) -> Feedback:
        """The verdict as a :class:`Feedback`, without showing it. Never raises."""
        try:
            if answer is _MISSING:
                if namespace is None or self.name not in namespace:
                    return Feedback(self.label, NOT_ATTEMPTED,
                                    f"define `{self.name}` in a cell above and run that cell")
                answer = namespace[self.name]
            if answer is None or answer is Ellipsis:
                return Feedback(self.label, NOT_ATTEMPTED,
                                f"`{self.name}` is still {answer!r}: replace it with your answer")
            problem = self.checker(answer)
        except NotAttempted as e:
            return Feedback(self.label, NOT_ATTEMPTED, str(e))
        except StudentError as e:
            return Feedback(self.label, INCORRECT, str(e))
        except Exception as e:                      # whatever happens, the book keeps building
            return Feedback(self.label, INCORRECT,
                            f"checking `{self.name}` failed with {type(e).__name__}: {e}")
        if problem:
            return Feedback(self.label, INCORRECT, problem)
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
        _show(Shown(f"Hint ({self.label})", self._hint))

    def solution_text(self) -> str:
        """The solution as code: the source of the solution function, or ``name = value``."""
        if callable(self._solution):
            source = textwrap.dedent(inspect.getsource(self._solution))
            return source.replace(f"def {self._solution.__name__}(", f"def {self.name}(", 1)
        return f"{self.name} = {self._solution!r}"

    def solution(self) -> None:
        """Show a right answer (collapsed)."""
        _show(Shown(f"Solution ({self.label})", self.solution_text(), code=True))

    @property
    def right_answer(self):
        """The solution object itself (tests check it with the checker)."""
        return self._solution

    def _repr_markdown_(self) -> str:
        return f"**{self.label}.** {self.task}"

    def __repr__(self) -> str:
        return f"{self.label}: {self.task}"

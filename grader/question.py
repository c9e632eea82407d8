"""One question for one student: the submission in a fresh sandbox, the test cell here.

The test cell runs in the grader's own process, after the source notebook's read-only cells.
Each name it reads and does not define is looked up in the sandbox: a function becomes a stub
that sends its arguments over and rebuilds the result from plain data, a variable comes back as
plain data. Any exception in the test cell fails the question; :func:`explain` says why.

A question is graded in two phases, each in a sandbox of its own: first its visible tests
(the hidden lines left out), whose messages and the notes on the student's cells are what the
student reads; then, for a question whose visible tests passed, the whole cell, which says
only pass or "a hidden test failed". A student's visible phases all run before any of their
code sees a hidden input, so nothing the student is told can carry a hidden input out, not even
through state of the machine (a counter, a cache) that one sandbox sets and the next reads.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import traceback
from dataclasses import dataclass, field

from . import GradingError
from .notebook import Assignment, Question, free_names
from .protocol import decode, encode
from .sandbox import CellTimeLimit, Limits, Sandbox, SubmissionFailed

#: Cells of one notebook that may hang (or end the process) and be skipped; at the next one,
#: that cell and the rest are not run, so that one notebook costs the batch a bounded time.
MAX_SKIPPED = 3
#: The one sentence for any failure of a hidden test: what went wrong (a wrong value, an
#: exception, the time limit, a crash) would tell the submission about the hidden inputs.
HIDDEN_FAILED = "a hidden test failed"


class StudentCodeError(Exception):
    """A function of the submission raised, or returned something that is not plain data."""


@dataclass
class Result:
    """The outcome of one question for one student."""

    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str = ""


def clean(text, limit: int = 500) -> str:
    """A string from the sandbox made safe to print and write.

    Takes any value and a length; returns its text cut to ``limit`` characters, anything that is
    not valid UTF-8 (lone surrogates) escaped. Raises nothing for a value whose str() works."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + "..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def remote_function(box: Sandbox, name: str):
    """A stand-in for the submission's function ``name``, called in ``box``.

    Takes the sandbox and the name; returns a function that sends its positional arguments as
    plain data and returns the decoded result. That function raises TypeError for keyword
    arguments, StudentCodeError when the submission's function raised or returned something
    that is not plain data, and SubmissionFailed when the sandbox timed out or ended."""
    def remote(*args, **kwargs):
        if kwargs:
            raise TypeError("test cells call submitted functions with positional arguments")
        reply = box.request({"op": "call", "name": name, "args": encode(list(args))})
        if reply.get("op") == "value":
            try:
                return decode(reply.get("value"))
            except (ValueError, TypeError, KeyError) as e:
                raise StudentCodeError(f"`{name}` returned something the grader cannot read "
                                       f"({clean(e, 200)})") from None
        error = clean(reply.get("error", "unknown error"), 300)
        kind = error.split(":", 1)[0]
        if kind == "NotPlainData":
            raise StudentCodeError(f"`{name}` returned {error.split(':', 1)[1].strip()}; "
                                   f"return numbers or numpy arrays")
        raise StudentCodeError(f"your `{name}` raised {error}")
    remote.__name__ = name
    return remote


@contextlib.contextmanager
def _watchdog(seconds: float):
    """Stop the grader's own side of a test after ``seconds`` (the sandbox has its own limit):
    whatever data a submission sends, checking it cannot hold up the batch for long."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise SubmissionFailed(f"time limit: checking your answers took more than {seconds:g} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class CellPlan:
    """One student's cells that are not run: {cell number: the note saying why}, and the cell
    from which on nothing is run (None: all but the skipped ones). Shared by the questions of
    one notebook, so that a cell that hangs costs its time limit once."""

    skipped: dict = field(default_factory=dict)
    stop_at: int | None = None
    frozen: bool = False          # the hidden phase: nothing more is skipped, a hang fails


class _Restart(Exception):
    """A cell hung or ended the process: start a fresh sandbox without it."""


def cell_seconds(limits: Limits) -> float:
    """Each cell's own time limit: ``limits.cell_seconds``, at most half the question's."""
    return min(limits.cell_seconds, limits.seconds / 2)


def _skip(plan: CellPlan, number: int, why: str) -> None:
    if len(plan.skipped) >= MAX_SKIPPED:
        plan.stop_at = number
        plan.skipped[number] = (f"cell {number} {why}: it and the cells after it were not run "
                                f"(more than {MAX_SKIPPED} cells of your notebook did not finish)")
    else:
        plan.skipped[number] = f"cell {number} {why}: it was skipped, the other cells were run"


def _run_cells(box: Sandbox, cells: list, plan: CellPlan, limits: Limits) -> list:
    """Run the submission's cells one by one in ``box``, each within its own time limit.

    Returns [(cell number, error)] for the cells that raised. Raises _Restart after noting in
    ``plan`` a cell that hung or ended the process, SubmissionFailed when the question's own
    time is up."""
    errors = []
    for number, source in cells:
        if plan.stop_at is not None and number >= plan.stop_at:
            break
        if number in plan.skipped:
            continue
        try:
            ran = box.request({"op": "run", "cells": [source]}, seconds=cell_seconds(limits))
        except CellTimeLimit:
            if plan.frozen:
                raise
            _skip(plan, number, f"did not finish within {cell_seconds(limits):g} s")
            raise _Restart from None
        except SubmissionFailed as e:
            if str(e).startswith("time limit") or plan.frozen:
                raise
            _skip(plan, number, f"ended your notebook's process ({str(e).split('(', 1)[-1]}")
            raise _Restart from None
        errors += [(number, clean(msg)) for _, msg in ran.get("errors", [])[:1]]
    return errors


def _sandbox_with_cells(command: list, limits: Limits, cells: list, plan: CellPlan) -> tuple:
    """A fresh sandbox with the submission's cells run in it, restarted without each cell that
    hangs or ends the process (at most MAX_SKIPPED + 1 times). Returns (sandbox, cell errors);
    the caller closes the sandbox."""
    while True:
        box = Sandbox(command, limits)
        try:
            return box, _run_cells(box, cells, plan, limits)
        except _Restart:
            box.close()
        except BaseException:
            box.close()
            raise


def _run_test(question, source, namespace, box, missing) -> None:
    """Bind the names the test ``source`` reads from the sandbox ``box`` and run it here; an
    exception means the question failed. ``missing`` is filled in for the feedback."""
    wanted = [n for n in free_names(source) if n not in namespace]
    found = box.request({"op": "lookup", "names": wanted})["names"] if wanted else {}
    for name in wanted:
        info = found.get(name, {}) if isinstance(found, dict) else {}
        kind = info.get("kind")
        if kind == "function":
            namespace[name] = remote_function(box, name)
        elif kind == "value":
            namespace[name] = decode(info.get("value"))
        elif kind == "unsupported":
            missing[name] = f"`{name}` in your notebook is not numbers or arrays"
        else:
            missing[name] = f"`{name}` is not defined in your notebook"
    exec(compile(source, f"<test {question.grade_id}>", "exec"), namespace)


def _setup_namespace(assignment: Assignment) -> dict:
    """A fresh namespace for a test cell, with the instructor's read-only cells run in it."""
    namespace = {"__name__": "__grader__"}
    for source in assignment.setup:
        try:
            exec(compile(source, "<setup>", "exec"), namespace)
        except Exception as e:
            raise GradingError(f"assignment: a read-only cell of the source notebook raised "
                               f"{type(e).__name__}: {e}\n{source[:300]}") from e
    return namespace


def _attempt(question: Question, source: str, assignment: Assignment, cells: list,
             command: list, limits: Limits, plan: CellPlan) -> tuple:
    """Run ``source`` (the test cell, or its visible part) against the submission in a fresh
    sandbox. Returns (the exception that failed it or None, cell errors, missing names)."""
    namespace = _setup_namespace(assignment)
    box, cell_errors, missing = None, [], {}
    try:
        box, cell_errors = _sandbox_with_cells(command, limits, cells, plan)
        # The sandbox has its own limit; the watchdog bounds the grader's side (decoding what
        # the submission sent, the test's own checks), so no data can hold up the batch.
        with _watchdog(3 * limits.seconds + 30):
            _run_test(question, source, namespace, box, missing)
    except BaseException as e:                            # a failed test
        if isinstance(e, (KeyboardInterrupt, GradingError)):
            raise
        return e, cell_errors, missing
    finally:
        if box is not None:
            box.close()
    return None, cell_errors, missing


def grade_visible(question: Question, assignment: Assignment, cells: list, command: list,
                  limits: Limits, plan: CellPlan) -> tuple:
    """The first phase of one question: its visible tests only (hidden lines left out).

    Takes the question, the assignment (its read-only cells), the submission's cells from
    :func:`grader.notebook.read_cells`, the command of :func:`grader.sandbox.sandbox_command`,
    the limits and the student's CellPlan (cells found to hang by an earlier question are
    skipped; cells that hang now are added). Each cell runs within :func:`cell_seconds`, the
    cells and the test within ``limits.seconds``. Returns (Result, or None when the visible
    tests passed and hidden ones remain; [(cell number, error)]). Everything the student is
    told comes from this phase, which every question runs before any submission code sees a
    hidden input. Raises GradingError when the instructor's read-only cells fail, and
    KeyboardInterrupt; whatever the submission does only fails the question."""
    failed, cell_errors, missing = _attempt(question, question.visible, assignment, cells,
                                            command, limits, plan)
    if failed is not None:
        return Result(question.grade_id, 0.0, question.points, False,
                      clean(explain(failed, question, missing))), cell_errors
    if question.hidden:
        return None, cell_errors
    return Result(question.grade_id, question.points, question.points, True), cell_errors


def grade_hidden(question: Question, assignment: Assignment, cells: list, command: list,
                 limits: Limits, plan: CellPlan) -> Result:
    """The second phase of a question whose visible tests passed: the whole test cell.

    Takes what :func:`grade_visible` takes; the plan is used as the first phase left it (a
    cell that hangs now fails the question). Returns the Result: full points, or none with
    the one fixed sentence ``HIDDEN_FAILED``, whatever happened; the submission's cell errors
    are not reported. Raises what grade_visible raises."""
    frozen = CellPlan(dict(plan.skipped), plan.stop_at, frozen=True)
    failed, _, _ = _attempt(question, question.source, assignment, cells, command, limits,
                            frozen)
    if failed is not None:
        return Result(question.grade_id, 0.0, question.points, False, HIDDEN_FAILED)
    return Result(question.grade_id, question.points, question.points, True)


def _test_lines(exc: BaseException, question: Question) -> list:
    """The test cell's line numbers on the traceback, outermost first."""
    name = f"<test {question.grade_id}>"
    return [lineno for frame, lineno in traceback.walk_tb(exc.__traceback__)
            if frame.f_code.co_filename == name]


def explain(exc: BaseException, question: Question, missing: dict) -> str:
    """Why a question failed, for the student.

    Takes the exception the test cell raised, the question and the messages for names the
    submission lacks; returns one sentence. A hidden test gets one fixed sentence,
    ``HIDDEN_FAILED``, whatever happened: anything that differs (a wrong value or an exception,
    the time limit or a crash, an exception's name or message) could carry the hidden inputs
    out. Raises nothing."""
    lines = _test_lines(exc, question)
    line = lines[-1] if lines else None
    # Hidden if any step of the way is a hidden line: a visible helper called from a hidden test
    # must not tell the hidden case either.
    if any(n in question.hidden for n in lines):
        return HIDDEN_FAILED
    if isinstance(exc, SubmissionFailed):
        return str(exc)
    if isinstance(exc, NameError) and getattr(exc, "name", None) in missing:
        return missing[exc.name]
    if isinstance(exc, StudentCodeError):
        return str(exc)
    where = ""
    if line is not None:
        where = f" at `{question.source.splitlines()[line - 1].strip()[:160]}`"
    text = str(exc)[:400]
    if isinstance(exc, AssertionError):
        return f"a test failed{where}" + (f": {text}" if text else "")
    return f"the test raised {type(exc).__name__}{where}: {text}"

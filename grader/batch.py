"""Grading a student (every question) and a batch (every student's folder), then the report.

Whatever one submission does, the batch goes on: a missing or unreadable notebook gets zero
points and a reason, a failure of the grader's own on one submission is reported and the next
one graded. Only a fault on the instructor's side (GradingError) stops the batch, and it is
looked for first: before any student, one known-good cell runs in a real sandbox, so that a
sandbox that cannot start is never blamed on the students. ``jobs`` students are graded at
once, each in a worker process of its own; the rows are the same as one at a time.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import GradingError, cgroup, gradebook
from .notebook import Assignment, load_assignment, read_cells
from .protocol import decode, encode
from .question import CellPlan, Result, clean, grade_hidden, grade_visible
from .report import feedback_html, read_grades, write_grades
from .sandbox import Limits, Sandbox, SubmissionFailed, check_bwrap, sandbox_command
from .submissions import Submission, file_name, find_submissions, text_name


#: The reason in every row of a student the grader itself failed on.
NOT_GRADED = "not graded"


@dataclass
class StudentGrade:
    """One student's results, question by question, and notes on their own cells."""

    student: str
    results: list
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    timestamp: str = ""               # when it was submitted (nbgrader's timestamp.txt)
    seconds_late: float | None = None  # after the due date known to nbgrader; None: unknown

    @property
    def total(self) -> float:
        """The sum of the points earned."""
        return sum(r.points for r in self.results)

    @property
    def not_graded(self) -> bool:
        """Whether the grader itself failed on this student (no fault of theirs)."""
        return bool(self.results) and self.results[0].message == NOT_GRADED


def ungraded(assignment: Assignment, student: str, why: str, note: str) -> StudentGrade:
    """A grade of zero on every question, with ``why`` in each row and ``note`` for the student.

    Takes the assignment, the student id and the two texts; returns the StudentGrade. Raises
    nothing."""
    return StudentGrade(student, [Result(q.grade_id, 0.0, q.points, False, why)
                                  for q in assignment.questions], [clean(note, 300)])


def grade_submission(assignment: Assignment, student: str, notebook: Path | None,
                     command: list, limits: Limits, root: Path | None = None,
                     note: str = "") -> StudentGrade:
    """Grade one student: every question in its own sandbox.

    Takes the assignment, the student id, the path of their notebook (None: none was found),
    the sandbox command, the limits, the submissions folder the notebook must be in and a note
    for the student (which file was graded, or why none). Returns their StudentGrade: a
    missing or unreadable notebook gives zero points and says why. Raises GradingError (the
    instructor's side failed) and KeyboardInterrupt, never for the student's sake."""
    start = time.monotonic()
    if notebook is None:
        return ungraded(assignment, student, "no submission",
                        note or f"no {assignment.notebook} was submitted")
    try:
        cells = read_cells(notebook, root)
    except FileNotFoundError:
        return ungraded(assignment, student, "no submission",
                        f"no {assignment.notebook} was submitted")
    except Exception as e:              # not JSON, not a notebook, unreadable: zero, and why
        return ungraded(assignment, student, "unreadable notebook",
                        f"{notebook.name} could not be read as a notebook: {e}")
    results, notes, plan = [], [clean(note, 300)] if note else [], CellPlan()
    for q in assignment.questions:          # every visible phase first: see grader.question
        result, cell_errors = grade_visible(q, assignment, cells, command, limits, plan)
        results.append(result)
        for n, msg in cell_errors:
            text = f"cell {n} raised {msg}"
            if text not in notes:
                notes.append(text)
    notes += [clean(plan.skipped[n], 300) for n in sorted(plan.skipped)]
    results = [r if r is not None else grade_hidden(q, assignment, cells, command, limits, plan)
               for q, r in zip(assignment.questions, results)]
    return StudentGrade(student, results, notes, time.monotonic() - start)


def _grade_one(assignment, sub: Submission, command, limits, root) -> StudentGrade:
    """:func:`grade_submission`, with a failure of the grader's own reported, not raised."""
    try:
        return grade_submission(assignment, sub.student, sub.notebook, command, limits, root,
                                sub.note)
    except GradingError:
        raise
    except Exception as e:          # a bug of the grader's: say so, and go on with the batch
        print(f"GRADER ERROR for {sub.student}: {e!r}", file=sys.stderr, flush=True)
        return ungraded(assignment, sub.student, NOT_GRADED,
                        f"the grader failed on this submission ({type(e).__name__}: {e}); "
                        f"ask your instructor to grade it again")


# -- before the batch: a sandbox that cannot start is the instructor's problem ---------------------

def _diagnose(command: list) -> str:
    """What bwrap and Python say when the sandbox's command runs a plain import (no limits)."""
    if command[-1:] != ["/run/grader/runner.py"]:
        return ""
    probe = command[:-3] + ["-I", "-c", "import numpy"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError) as e:
        return f"; running it says {type(e).__name__}: {e}"
    said = done.stderr.decode("utf-8", "backslashreplace").strip()[-600:]
    return f"; running it directly says: {said}" if said else ""


def check_sandbox(command: list, limits: Limits, allow=()) -> None:
    """Run one known-good cell in a real sandbox, as a submission's would run.

    Takes the sandbox command, the limits and the packages the assignment allows (each is
    imported). Returns None when the cell ran and a call came back right. Raises GradingError
    saying what failed otherwise: then no student is graded (and none blamed)."""
    cells = ["import numpy\n" + "".join(f"import {name}\n" for name in allow),
             "def probe(x):\n    return x + 1\n"]
    problem = ""
    try:
        box = Sandbox(command, dataclasses.replace(limits, seconds=max(limits.seconds, 120)))
        try:
            ran = box.request({"op": "run", "cells": cells})
            answer = box.request({"op": "call", "name": "probe", "args": encode([41])})
        finally:
            box.close()
        if ran.get("errors"):
            problem = f"the cell raised {ran['errors'][0][1]}"
        elif answer.get("op") != "value" or decode(answer.get("value")) != 42:
            problem = f"a call answered {str(answer)[:200]}"
    except (OSError, SubmissionFailed, ValueError) as e:
        problem = str(e).split(":")[0] if isinstance(e, SubmissionFailed) else str(e)
    if problem:
        raise GradingError(f"the sandbox cannot run a known-good cell ({problem})"
                           f"{_diagnose(command)}. No submission was graded: fix the sandbox "
                           f"first (can bwrap run {sys.executable}? is --memory "
                           f"{limits.memory_mb} MB enough for Python and numpy?" +
                           (f" does {', '.join(allow)} import?" if allow else "") + ")")


# -- the batch -------------------------------------------------------------------------------------

def _pick(found: list, students, warn) -> list:
    """Only the submissions of ``students`` (all when None); GradingError for an unknown id."""
    if students is None:
        return found
    by_id = {s.student: s for s in found}
    unknown = [s for s in students if s not in by_id]
    if unknown:
        raise GradingError(f"--student: no folder for {', '.join(map(repr, unknown))} in the "
                           f"submissions folder")
    return [by_id[s] for s in sorted(set(students))]


def _graded(assignment, subs, command, limits, root, jobs, log):
    """Yield (index, StudentGrade) as each student is graded, ``jobs`` at a time."""
    if jobs <= 1 or len(subs) <= 1:
        for i, sub in enumerate(subs):
            yield i, _grade_one(assignment, sub, command, limits, root)
        return
    # spawn: each worker is a fresh Python (no state shared with this one, its own main thread
    # for the watchdog, its exit handlers run).
    context = multiprocessing.get_context("spawn")
    # The workers' cgroups go inside this process's, which removes them all at the end, also
    # those of a worker that was killed.
    nest = dict(mp_context=context, initializer=cgroup.nest_under,
                initargs=(cgroup.parent_dirs(),))
    # A worker that dies (the grader's own process, say killed for memory) breaks the pool and
    # every student still in it: they are graded again in a new pool, and those it breaks
    # again each alone, so that only a student whose grading kills its worker each time is
    # left "not graded".
    todo = list(range(len(subs)))
    for workers in (jobs, jobs, 1):
        broken = []
        for part in ([todo] if workers > 1 else [[i] for i in todo]):
            with concurrent.futures.ProcessPoolExecutor(workers, **nest) as pool:
                futures = {pool.submit(_grade_one, assignment, subs[i], command, limits,
                                       root): i for i in part}
                yield from _as_done(assignment, subs, futures, pool, log,
                                    broken if workers > 1 else None)
            cgroup.sweep()              # a killed worker's sandbox has no one else to end it
        todo = broken


def _as_done(assignment, subs, futures, pool, log, broken):
    """(index, StudentGrade) of each future as it is done; the indices of students whose
    worker died go to ``broken`` (None: they are not graded). A GradingError (or Ctrl-C) stops
    the batch at once: the students not yet started are cancelled, not graded first."""
    try:
        for future in concurrent.futures.as_completed(futures):
            i = futures[future]
            try:
                yield i, future.result()
            except GradingError:
                raise
            except Exception as e:      # a worker died
                if broken is not None and isinstance(
                        e, concurrent.futures.process.BrokenProcessPool):
                    broken.append(i)    # perhaps for another student's sake: once more alone
                    continue
                print(f"GRADER ERROR for {subs[i].student}: {e!r}", file=log, flush=True)
                yield i, ungraded(assignment, subs[i].student, NOT_GRADED,
                                  f"the grader failed on this submission "
                                  f"({type(e).__name__}); ask your instructor to grade it again")
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


#: The reasons of :func:`ungraded`: the progress line then says why.
_UNGRADED = ("no submission", "unreadable notebook", NOT_GRADED)


def _warner(log):
    """A function that prints each warning once to ``log``."""
    seen = set()

    def warn(text: str) -> None:
        if text not in seen:
            seen.add(text)
            print(f"warning: {text}", file=log, flush=True)
    return warn


def _assignment_folders(subs: list, assignment: Assignment) -> dict:
    """{student: the folder their notebook (and nbgrader's timestamp.txt) is in}."""
    return {s.student: s.notebook.parent if s.notebook else s.folder / assignment.id
            for s in subs}


def _stamp(when) -> str:
    return "" if when is None else f"{when:%Y-%m-%d %H:%M:%S} UTC"


def _add_lateness(grades, course, assignment, folders, db_url, warn) -> None:
    """Each grade's submission time (timestamp.txt) and seconds late (the gradebook's due
    date; without a course, the time only)."""
    try:
        if course is None and db_url is None:
            late = {}
            for student, folder in folders.items():
                when, note = gradebook.read_timestamp(folder)
                late[student] = gradebook.Lateness(when, None, note)
        else:
            late = gradebook.lateness(course, assignment.id, folders, db_url)
    except Exception as e:         # GradebookError, or anything a student's file caused
        warn(f"no submission times or lateness: {type(e).__name__}: {e}")
        return
    for g in grades:
        info = late.get(g.student)
        if info is not None:
            g.timestamp, g.seconds_late = _stamp(info.timestamp), info.seconds_late
            if info.note:
                warn(f"{g.student}: {info.note}")


def _to_gradebook(course, assignment, grades, folders, db_url, log, warn, pages=None) -> None:
    """The scores into nbgrader's gradebook, and the feedback (``pages``, or made from the
    grades) where release_feedback takes it."""
    grades = [g for g in grades if not g.not_graded]
    if not grades:
        return
    try:
        _, notes = gradebook.record(course, assignment, grades, folders, db_url)
    except Exception as e:         # GradebookError, or the database's own
        warn(f"the scores are in grades.csv but NOT in nbgrader's gradebook: "
             f"{type(e).__name__}: {e}")
        return
    for note in notes:
        warn(note)
    placed = 0
    if course is not None:
        for g in grades:
            placed += gradebook.place_feedback(course, assignment.id, assignment.notebook,
                                               g.student, pages[g.student] if pages
                                               else feedback_html(assignment, g),
                                               folders[g.student]) is not None
    others = len(grades) - placed
    print(f"nbgrader gradebook: {len(grades)} student{'s' * (len(grades) != 1)} recorded; "
          f"feedback placed for `nbgrader release_feedback`: {placed}" +
          (f" ({others} not submitted with `nbgrader submit`: return theirs from "
           f"feedback/ yourself)" if others else ""), file=log, flush=True)


def grade_all(assignment_path, submissions, out=None, limits: Limits | None = None,
              log=sys.stderr, students=None, jobs: int = 1, db_url: str | None = None) -> tuple:
    """Grade every submission (or those of ``students``), then write grades.csv and feedback.

    Takes the source assignment (folder or notebook), the submissions folder, the output folder
    (default ``graded/<assignment>`` beside the submissions), the limits, where progress lines
    and warnings go, the student ids to (re-)grade (None: all; their rows are merged into an
    existing grades.csv), how many students to grade at once, and the nbgrader gradebook's URL
    (default: the course's, when the source is in an nbgrader course folder). The scores go
    into that gradebook too, each student's feedback where ``nbgrader release_feedback`` takes
    it, and the lateness by the gradebook's due date into grades.csv; a gradebook that cannot
    take them gets a warning, not a stop. Returns (list of StudentGrade, the output folder).
    Raises GradingError when the assignment, the folders, bubblewrap or the sandbox are not
    usable, or a student id is unknown."""
    assignment = load_assignment(assignment_path)
    submissions = Path(submissions).resolve()
    out = Path(out).resolve() if out else submissions.parent / "graded" / assignment.id
    limits = limits or Limits()
    source_dir = Path(assignment_path).resolve()
    source_dir = source_dir if source_dir.is_dir() else source_dir.parent
    command = sandbox_command(check_bwrap(), assignment.allow, limits,
                              [source_dir, submissions, out])
    warn = _warner(log)
    subs = _pick(find_submissions(submissions, assignment.id, assignment.notebook, warn),
                 students, warn)
    caveat = cgroup.check()
    if caveat:
        print(caveat, file=log, flush=True)
    check_sandbox(command, limits, assignment.allow)
    grades = [None] * len(subs)
    for done, (i, g) in enumerate(_graded(assignment, subs, command, limits, submissions,
                                          jobs, log), start=1):
        grades[i] = g
        why = g.results[0].message if g.results else ""
        why = f": {g.notes[0]}" if why in _UNGRADED and g.notes else ""
        print(f"[{done}/{len(subs)}] {g.student}: {g.total:g}/{assignment.max_points:g} points "
              f"({g.seconds:.1f} s){why}", file=log, flush=True)
    missed = [g.student for g in grades if g.not_graded]
    if missed:
        warn(f"{len(missed)} student(s) not graded because the grader itself failed (see "
             f"GRADER ERROR above); grade them again: "
             f"{' '.join('--student ' + shlex.quote(s) for s in missed)}")
    course = gradebook.find_course(source_dir)
    folders = _assignment_folders(subs, assignment)
    _add_lateness(grades, course, assignment, folders, db_url, warn)
    write_grades(out, assignment, grades, merge=students is not None)
    if grades and (course is not None or db_url is not None):
        _to_gradebook(course, assignment, grades, folders, db_url, log, warn)
    return grades, out


# -- a course graded on several machines -----------------------------------------------------------

def _check_row(assignment: Assignment, row: list, path: Path) -> None:
    """GradingError unless ``row`` of ``path`` is a row the grader writes for ``assignment``:
    a plain student id, as many cells as the header, points between 0 and each maximum."""
    student, n = row[0], len(assignment.questions)
    if (text_name(student) != student or "/" in student or student.startswith(".")
            or len(row) != n + 6 or row[1] != assignment.id):
        raise GradingError(f"--merge: {path} has a row the grader does not write: {row[:3]}...")
    for q, cell in zip(assignment.questions, row[2:2 + n]):
        try:
            ok = 0 <= float(cell) <= q.points
        except ValueError:
            ok = False
        if not ok:
            raise GradingError(f"--merge: {path}: {student!r} has {cell!r} points for "
                               f"{q.grade_id} (0 to {q.points:g})")


def _from_row(assignment: Assignment, row: list) -> StudentGrade:
    """A StudentGrade rebuilt from its grades.csv row (points, timestamp, lateness)."""
    points = row[2:2 + len(assignment.questions)]
    results = [Result(q.grade_id, float(p), q.points, float(p) == q.points)
               for q, p in zip(assignment.questions, points)]
    late = row[-1]
    return StudentGrade(row[0], results, timestamp=row[-2],
                        seconds_late=float(late) if late else None)


def merge_graded(assignment_path, submissions, out, others, log=sys.stderr,
                 db_url: str | None = None) -> tuple:
    """Merge the results of other runs (other machines, each with its own ``--student`` list and
    ``--out``) into ``out`` and the nbgrader gradebook, grading nothing.

    Takes the source assignment, the submissions folder (for timestamp.txt and
    release_feedback's files), the output folder, the other runs' output folders, where
    warnings go and the gradebook's URL. Returns (the merged StudentGrades, the output folder).
    Raises GradingError when a folder has no grades.csv, other columns, or a student graded in
    two of them, or a feedback page is missing."""
    assignment = load_assignment(assignment_path)
    submissions = Path(submissions).resolve()
    out = Path(out).resolve() if out else submissions.parent / "graded" / assignment.id
    rows, pages, where = {}, {}, {}
    for other in map(Path, others):
        found = read_grades(other / "grades.csv", assignment)
        if not found:
            raise GradingError(f"--merge: {other} has no grades.csv of {assignment.id}")
        for student, row in found.items():
            _check_row(assignment, row, other / "grades.csv")
            if student in where:
                raise GradingError(f"--merge: {student!r} was graded in both {where[student]} "
                                   f"and {other}; give each machine its own --student list")
            page = other / "feedback" / file_name(f"{student}.html")
            if not page.is_file():
                raise GradingError(f"--merge: {page} is missing")
            rows[student], where[student] = row, other
            pages[student] = page.read_text(encoding="utf-8")
    grades = [_from_row(assignment, rows[s]) for s in sorted(rows)]
    write_grades(out, assignment, grades, merge=True, pages=pages)
    warn = _warner(log)
    source_dir = Path(assignment_path).resolve()
    course = gradebook.find_course(source_dir if source_dir.is_dir() else source_dir.parent)
    if grades and (course is not None or db_url is not None):
        folders = _assignment_folders(
            find_submissions(submissions, assignment.id, assignment.notebook), assignment)
        folders = {g.student: folders.get(g.student, submissions / g.student / assignment.id)
                   for g in grades}
        _to_gradebook(course, assignment, grades, folders, db_url, log, warn, pages)
    return grades, out

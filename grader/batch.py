"""Grading a student (every question) and a batch (every student's folder), then the report.

Whatever one submission does, the batch goes on: a missing or unreadable notebook gets zero
points and a reason, a failure of the grader's own on one submission is reported and the next
one graded. Only a fault on the instructor's side (GradingError) stops the batch.
"""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import GradingError
from .notebook import Assignment, load_assignment, read_cells
from .question import Result, clean, grade_question
from .report import write_grades
from .sandbox import Limits, check_bwrap, sandbox_command

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


@dataclass
class StudentGrade:
    """One student's results, question by question, and notes on their own cells."""

    student: str
    results: list
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> float:
        """The sum of the points earned."""
        return sum(r.points for r in self.results)


def ungraded(assignment: Assignment, student: str, why: str, note: str) -> StudentGrade:
    """A grade of zero on every question, with ``why`` in each row and ``note`` for the student.

    Takes the assignment, the student id and the two texts; returns the StudentGrade. Raises
    nothing."""
    return StudentGrade(student, [Result(q.grade_id, 0.0, q.points, False, why)
                                  for q in assignment.questions], [clean(note, 300)])


def grade_submission(assignment: Assignment, student: str, notebook: Path, command: list,
                     limits: Limits, root: Path | None = None) -> StudentGrade:
    """Grade one student: every question in its own sandbox.

    Takes the assignment, the student id, the path of their notebook, the sandbox command, the
    limits and the submissions folder the notebook must be in. Returns their StudentGrade: a
    missing or unreadable notebook gives zero points and says why. Raises GradingError (the
    instructor's side failed) and KeyboardInterrupt, never for the student's sake."""
    start = time.monotonic()
    try:
        cells = read_cells(notebook, root)
    except FileNotFoundError:
        return ungraded(assignment, student, "no submission",
                        f"no {assignment.notebook} was submitted")
    except Exception as e:              # not JSON, not a notebook, unreadable: zero, and why
        return ungraded(assignment, student, "unreadable notebook",
                        f"{assignment.notebook} could not be read as a notebook: {e}")
    results, notes = [], []
    for q in assignment.questions:
        result, cell_errors = grade_question(q, assignment, cells, command, limits)
        results.append(result)
        for n, msg in cell_errors:
            note = f"cell {n} raised {msg}"
            if note not in notes:
                notes.append(note)
    return StudentGrade(student, results, notes, time.monotonic() - start)


def find_submissions(submissions: Path, assignment: Assignment) -> list:
    """Every student's notebook, nbgrader's layout ``<student>/<assignment>/<notebook>``.

    Takes the submissions folder and the assignment; returns (student, notebook path) pairs,
    sorted by student, whether or not the notebook exists (linked folders left out). Raises
    GradingError when ``submissions`` is not a folder or a student folder's name is not a
    plain id."""
    if not submissions.is_dir():
        raise GradingError(f"submissions: {submissions} is not a folder; expected one folder "
                           f"per student: <student>/{assignment.id}/{assignment.notebook}")
    found = []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.is_symlink()):
        if not _SAFE.match(folder.name):
            raise GradingError(f"submissions: the student folder name {folder.name!r} is not "
                               f"a plain id (letters, digits, . _ @ + -)")
        found.append((folder.name, folder / assignment.id / assignment.notebook))
    return found


def _grade_one(assignment, student, notebook, command, limits, root, log) -> StudentGrade:
    """:func:`grade_submission`, with a failure of the grader's own reported, not raised."""
    try:
        return grade_submission(assignment, student, notebook, command, limits, root)
    except GradingError:
        raise
    except Exception as e:          # a bug of the grader's: say so, and go on with the batch
        print(f"GRADER ERROR for {student}: {e!r}", file=log, flush=True)
        return ungraded(assignment, student, "not graded",
                        f"the grader failed on this submission ({type(e).__name__}: {e}); "
                        f"ask your instructor to grade it again")


def grade_all(assignment_path, submissions, out=None, limits: Limits | None = None,
              log=sys.stderr) -> tuple:
    """Grade every submission, then write grades.csv and the feedback.

    Takes the source assignment (folder or notebook), the submissions folder, the output folder
    (default ``graded/<assignment>`` beside the submissions), the limits and where progress
    lines go. Returns (list of StudentGrade, the output folder). Raises GradingError when the
    assignment, the folders or bubblewrap are not usable."""
    assignment = load_assignment(assignment_path)
    submissions = Path(submissions).resolve()
    out = Path(out).resolve() if out else submissions.parent / "graded" / assignment.id
    limits = limits or Limits()
    source_dir = Path(assignment_path).resolve()
    source_dir = source_dir if source_dir.is_dir() else source_dir.parent
    command = sandbox_command(check_bwrap(), assignment.allow, limits,
                              [source_dir, submissions, out])
    students = find_submissions(submissions, assignment)
    grades = []
    for i, (student, notebook) in enumerate(students, start=1):
        print(f"[{i}/{len(students)}] {student} ...", end=" ", file=log, flush=True)
        g = _grade_one(assignment, student, notebook, command, limits, submissions, log)
        grades.append(g)
        print(f"{g.total:g}/{assignment.max_points:g} points ({g.seconds:.1f} s)", file=log,
              flush=True)
    write_grades(out, assignment, grades)
    return grades, out

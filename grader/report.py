"""What the grader writes: ``grades.csv`` for the instructor, ``feedback/<student>.html`` for each
student. The feedback shows the points per test, why a test failed (a hidden test: only that it
failed) and the errors raised by the student's own cells; no test code, no expected values.
"""
from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import TYPE_CHECKING

from . import GradingError
from .notebook import Assignment
from .submissions import file_name

if TYPE_CHECKING:
    from .batch import StudentGrade


def _row(assignment: Assignment, g: StudentGrade) -> list:
    late = "" if g.seconds_late is None else f"{g.seconds_late:g}"
    return [g.student, assignment.id, *[f"{r.points:g}" for r in g.results], f"{g.total:g}",
            f"{assignment.max_points:g}", g.timestamp, late]


def header(assignment: Assignment) -> list:
    """The columns of grades.csv: student, assignment, one per test cell (its grade_id), total,
    max_points, timestamp (as nbgrader's timestamp.txt gives it) and seconds_late (0 on time,
    empty when there is no timestamp or no due date)."""
    return ["student", "assignment", *[q.grade_id for q in assignment.questions], "total",
            "max_points", "timestamp", "seconds_late"]


def _existing_rows(path: Path, columns: list) -> dict:
    """The rows of an earlier grades.csv, by student; GradingError if its columns differ."""
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != columns:
        raise GradingError(f"{path} has other columns ({', '.join(rows[0] if rows else [])}) "
                           f"than this assignment's; grade everyone again (without --student) "
                           f"or give another --out")
    return {row[0]: row for row in rows[1:] if row}


def read_grades(path: Path, assignment: Assignment) -> dict:
    """The rows of a grades.csv written for ``assignment``, by student id.

    Takes its path and the assignment; returns {student: [cells of its row]}, {} when there is
    no such file. Raises GradingError when its columns are not this assignment's."""
    return _existing_rows(path, header(assignment))


def write_grades(out: Path, assignment: Assignment, grades: list, merge: bool = False,
                 pages: dict | None = None) -> None:
    """Write ``grades.csv`` and ``feedback/<student>.html`` under ``out``.

    Takes the output folder (made if missing), the assignment, the StudentGrade of every
    student graded, and whether to merge them into an existing grades.csv (a re-grade of some
    students: their rows are replaced, the others kept). The CSV has one row per student,
    sorted by id, with the columns of :func:`header`. Returns nothing. Raises GradingError when
    the grades.csv to merge into has other columns, OSError when the files cannot be written.
    ``pages`` gives feedback pages already written elsewhere ({student: html}), used as they
    are instead of being made from the StudentGrade."""
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    columns = header(assignment)
    rows = _existing_rows(out / "grades.csv", columns) if merge else {}
    rows.update({g.student: _row(assignment, g) for g in grades})
    partial = out / "grades.csv.partial"
    with open(partial, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for student in sorted(rows):
            w.writerow(rows[student])
    partial.replace(out / "grades.csv")
    for g in grades:
        page = pages[g.student] if pages else feedback_html(assignment, g)
        (out / "feedback" / file_name(f"{g.student}.html")).write_text(
            page, encoding="utf-8", errors="backslashreplace")


def feedback_html(assignment: Assignment, g: StudentGrade) -> str:
    """One student's feedback page.

    Takes the assignment and the student's StudentGrade; returns a complete HTML document with
    every text escaped: points per test, why a test failed (hidden tests: only that one
    failed), and the errors raised by their own cells. No test code, no expected values.
    Raises nothing."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(r.grade_id)}</td><td>{r.points:g} / {r.max_points:g}</td>"
        f"<td>{'passed' if r.passed else e(r.message)}</td></tr>" for r in g.results)
    notes = "".join(f"<li>{e(n)}</li>" for n in g.notes)
    notes = f"<h2>Your notebook</h2><ul>{notes}</ul>" if notes else ""
    late = ""
    if g.seconds_late:
        late = f"<p>Submitted {e(g.timestamp)}: {_duration(g.seconds_late)} after the due date.</p>"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(assignment.id)}: "
            f"{e(g.student)}</title></head><body><h1>{e(assignment.id)}: {g.total:g} / "
            f"{assignment.max_points:g} points</h1><p>Student: {e(g.student)}</p>{late}"
            f"<table border='1' cellpadding='4'><tr><th>test</th><th>points</th>"
            f"<th>result</th></tr>{rows}</table>{notes}</body></html>\n")


def _duration(seconds: float) -> str:
    """A lateness as people say it: "2 days 3 h", "3 h 20 min", "45 s"."""
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days > 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"

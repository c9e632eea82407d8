"""What the grader writes: ``grades.csv`` for the instructor, ``feedback/<student>.html`` for each
student. The feedback shows the points per test, why a test failed (a hidden test: only that it
failed) and the errors raised by the student's own cells; no test code, no expected values.
"""
from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import TYPE_CHECKING

from .notebook import Assignment

if TYPE_CHECKING:
    from .batch import StudentGrade


def write_grades(out: Path, assignment: Assignment, grades: list) -> None:
    """Write ``grades.csv`` and ``feedback/<student>.html`` under ``out``.

    Takes the output folder (made if missing), the assignment and the StudentGrade of every
    student; the CSV has one row per student: the points of each test cell, the total and the
    maximum. Returns nothing. Raises OSError when the files cannot be written."""
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    ids = [q.grade_id for q in assignment.questions]
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "assignment", *ids, "total", "max_points"])
        for g in grades:
            w.writerow([g.student, assignment.id, *[f"{r.points:g}" for r in g.results],
                        f"{g.total:g}", f"{assignment.max_points:g}"])
    for g in grades:
        (out / "feedback" / f"{g.student}.html").write_text(
            feedback_html(assignment, g), encoding="utf-8", errors="backslashreplace")


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
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(assignment.id)}: "
            f"{e(g.student)}</title></head><body><h1>{e(assignment.id)}: {g.total:g} / "
            f"{assignment.max_points:g} points</h1><p>Student: {e(g.student)}</p>"
            f"<table border='1' cellpadding='4'><tr><th>test</th><th>points</th>"
            f"<th>result</th></tr>{rows}</table>{notes}</body></html>\n")

"""The command line: ``python -m grader SOURCE SUBMISSIONS [--out DIR --timeout S --memory MB]``.

Exit status 0 when the batch was graded, 2 when the instructor's side is wrong (no bubblewrap,
no such assignment or folder): the message says what to fix.
"""
from __future__ import annotations

import argparse
import sys

from . import GradingError
from .batch import grade_all
from .sandbox import Limits

DESCRIPTION = """\
Grade a batch of submitted Jupyter notebooks against an nbgrader assignment,
each submission isolated in a bubblewrap sandbox.

Every autograder test cell of the instructor's source notebook is one question,
worth its nbgrader points. For each question the student's code cells run in a
fresh sandbox (no network, none of your folders in view, time and memory limits,
no privileges), while the test cell runs in the grader's own process and gets
the student's answers back as plain numbers and arrays. Hidden tests (### BEGIN
HIDDEN TESTS) count, but the feedback only says that one failed. A course
package is visible to submissions only if the notebook's metadata allows it:
"grader": {"allow": ["package", ...]}.

Writes OUT/grades.csv (one row per student: points per test cell, total,
maximum) and OUT/feedback/<student>.html. Needs bubblewrap
(apt-get install -y bubblewrap)."""

EXAMPLE = """\
example:
  python -m grader assignments/source/forward assignments/submitted
    grades assignments/submitted/<student>/forward/forward.ipynb for every
    student into assignments/graded/forward/ (grades.csv, feedback/)

exit status: 0 graded; 2 the assignment, a folder or bubblewrap is not usable"""


def parser() -> argparse.ArgumentParser:
    """The command's argument parser.

    Takes nothing; returns the parser, whose ``--help`` shows what the command does, its
    arguments and an example. Raises nothing."""
    p = argparse.ArgumentParser(prog="python -m grader", description=DESCRIPTION, epilog=EXAMPLE,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("assignment", metavar="SOURCE",
                   help="the instructor's nbgrader source folder of the assignment (one "
                        "notebook, with solutions and hidden tests), or that notebook, e.g. "
                        "assignments/source/forward")
    p.add_argument("submissions", metavar="SUBMISSIONS",
                   help="folder with one folder per student: "
                        "<student>/<assignment>/<notebook>.ipynb, e.g. assignments/submitted")
    p.add_argument("--out", metavar="DIR",
                   help="where grades.csv and feedback/ go "
                        "(default: graded/<assignment> beside SUBMISSIONS)")
    p.add_argument("--timeout", metavar="S", type=float, default=Limits.seconds,
                   help="wall-clock seconds per question (default %(default)g)")
    p.add_argument("--memory", metavar="MB", type=int, default=Limits.memory_mb,
                   help="memory per question in MB (default %(default)s)")
    return p


def main(argv=None) -> int:
    """Run the command.

    Takes the arguments (default: ``sys.argv[1:]``); returns the exit status, 0 when the batch
    was graded, 2 on a GradingError (printed). Raises SystemExit for ``--help`` and for bad
    arguments, as argparse does."""
    args = parser().parse_args(argv)
    try:
        grades, out = grade_all(args.assignment, args.submissions, args.out,
                                Limits(args.timeout, args.memory))
    except GradingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"graded {len(grades)} submissions: {out / 'grades.csv'} and {out / 'feedback'}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The command line: ``python -m grader SOURCE SUBMISSIONS [--out DIR --student ID --jobs N ...]``.

Exit status 0 when the batch was graded, 2 when the instructor's side is wrong (no bubblewrap,
no such assignment or folder, a sandbox that cannot run a known-good cell): the message says
what to fix.
"""
from __future__ import annotations

import argparse
import os
import sys

from . import GradingError
from .batch import grade_all, merge_graded
from .reaper import run_as_init
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

Each cell of a submission has its own time limit: a cell that never ends is
skipped (and the student told), the functions defined before it still count.
Every question's visible tests run first (their messages are the feedback),
then the whole test cells: a hidden test that fails says one fixed sentence,
whatever went wrong.

Writes OUT/grades.csv (one row per student: points per test cell, total,
maximum, submission time and lateness) and OUT/feedback/<student>.html; with
--student, only those students are graded again and merged into the existing
grades.csv. Needs bubblewrap (apt-get install -y bubblewrap)."""

EXAMPLE = """\
example:
  python -m grader assignments/source/forward assignments/submitted
    grades assignments/submitted/<student>/forward/forward.ipynb for every
    student into assignments/graded/forward/ (grades.csv, feedback/)

  python -m grader assignments/source/forward assignments/submitted --student alice
    grades alice again and merges her row into the existing grades.csv

Progress lines and warnings go to stderr. A gradebook that cannot take the
scores is a warning: grades.csv and the feedback are written all the same.

exit status: 0 graded; 1 graded, but the grader itself failed on some students
(listed at the end, with the --student options to grade them again; they are
not put in the gradebook); 2 the assignment, a folder, bubblewrap or the
sandbox is not usable, an unknown --student, or a student in two --merge
folders (no student is graded then)"""


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
                   help="wall-clock seconds per question: the student's cells and the "
                        "test (default %(default)g)")
    p.add_argument("--cell-timeout", metavar="S", type=float, default=Limits.cell_seconds,
                   help="wall-clock seconds per cell of a submission, at most half of "
                        "--timeout (a larger value is cut to that); a cell that never ends "
                        "is skipped, after 3 such cells the rest is not run "
                        "(default %(default)g)")
    p.add_argument("--memory", metavar="MB", type=int, default=Limits.memory_mb,
                   help="memory per question in MB (default %(default)s)")
    p.add_argument("--student", metavar="ID", action="append",
                   help="grade only this student (repeat for several); their rows replace "
                        "theirs in an existing grades.csv, the others are kept")
    p.add_argument("--jobs", metavar="N", type=int, default=os.cpu_count() or 1,
                   help="students graded at once (default: the number of cores, "
                        "%(default)s here)")
    p.add_argument("--merge", metavar="DIR", action="append",
                   help="grade nothing: merge the grades.csv and feedback/ of another run's "
                        "--out folder (another machine's, with its own --student list) into "
                        "OUT and the gradebook (repeat for several)")
    p.add_argument("--gradebook", metavar="URL",
                   help="nbgrader's gradebook to record the scores in (default: the course's, "
                        "e.g. sqlite:///assignments/gradebook.db, when SOURCE is in an "
                        "nbgrader course folder)")
    return p


def main(argv=None) -> int:
    """Run the command.

    Takes the arguments (default: ``sys.argv[1:]``); returns the exit status, 0 when the batch
    was graded, 1 when the grader itself failed on some students, 2 on a GradingError
    (printed). Raises SystemExit for ``--help`` and for bad
    arguments, as argparse does."""
    p = parser()
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error(f"--jobs must be at least 1, not {args.jobs}")
    if args.timeout <= 0 or args.cell_timeout <= 0 or args.memory <= 0:
        p.error("--timeout, --cell-timeout and --memory must be positive")
    if args.cell_timeout > args.timeout / 2:
        print(f"warning: --cell-timeout {args.cell_timeout:g} is more than half of --timeout "
              f"{args.timeout:g}: each cell gets {args.timeout / 2:g} s", file=sys.stderr)
    limits = Limits(seconds=args.timeout, memory_mb=args.memory, cell_seconds=args.cell_timeout)
    if args.merge and args.student:
        p.error("--merge grades nothing: it cannot be given with --student")
    try:
        if args.merge:
            grades, out = merge_graded(args.assignment, args.submissions, args.out, args.merge,
                                       db_url=args.gradebook)
        else:
            grades, out = grade_all(args.assignment, args.submissions, args.out, limits,
                                    students=args.student, jobs=args.jobs, db_url=args.gradebook)
    except GradingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    done = "merged" if args.merge else "graded"
    print(f"{done} {len(grades)} submission{'s' * (len(grades) != 1)}: {out / 'grades.csv'} "
          f"and {out / 'feedback'}/")
    return 1 if any(g.not_graded for g in grades) else 0


if __name__ == "__main__":
    # As a container's PID 1, the orphaned processes of every sandbox would be left as zombies:
    # a small init reaps them while a child process grades.
    sys.exit(run_as_init(main, sys.argv[1:]) if os.getpid() == 1 else main())

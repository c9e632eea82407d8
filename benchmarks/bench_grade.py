"""How fast the sandboxed grader grades: seconds per student per assignment (not a test).

    make bench          (or: .venv/bin/python benchmarks/bench_grade.py [--students 40])

A scratch course is made with ``make assignments``; ``--students`` submissions of ``forward``
(the source notebook's solutions, and every tenth one the released stub) are graded by
``python -m grader source/forward submitted`` once with ``--jobs 1`` and once with
``--jobs 2``, and the speed-up printed; then ``--others`` submissions of each of the three
assignments are graded once (``--jobs 1``). Each run is the whole command, as an instructor
runs it: Python's start, the sandbox check, grades.csv and nbgrader's gradebook included.
"""
from common import argument_parser, one_blas_thread, print_header

one_blas_thread()                   # the sandboxed processes inherit nothing, but the grader

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def make_course(folder: Path) -> Path:
    """A scratch copy of the course with nbgrader's student versions, by ``make assignments``."""
    course = folder / "course"
    shutil.copytree(ROOT / "assignments" / "source", course / "source")
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course)
    subprocess.run(["make", "-s", "-C", str(ROOT), "assignments", f"COURSE={course}"],
                   env=ENV, check=True, capture_output=True)
    return course


def make_submissions(course: Path, assignment: str, n: int, folder: str) -> Path:
    """``n`` students' submissions of ``assignment`` under ``course/folder``: the solution
    notebook, every tenth student the released stub."""
    submitted = course / folder
    for i in range(1, n + 1):
        target = submitted / f"s{i:02d}" / assignment
        target.mkdir(parents=True)
        kind = "release" if i % 10 == 0 else "source"
        shutil.copy(course / kind / assignment / f"{assignment}.ipynb", target)
    return submitted


def grade(course: Path, assignment: str, submitted: Path, jobs: int) -> float:
    """Seconds that ``python -m grader`` takes for the batch (raises when it fails)."""
    out = course / "graded" / f"{assignment}-{submitted.name}-{jobs}"
    cmd = [sys.executable, "-m", "grader", f"source/{assignment}", str(submitted),
           "--out", str(out), "--jobs", str(jobs)]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=course, env=dict(ENV, PYTHONPATH=str(ROOT)),
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"error: {' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--students", type=int, default=40,
                        help="forward submissions for the --jobs comparison (default 40)")
    parser.add_argument("--others", type=int, default=10,
                        help="submissions of each assignment for the per-assignment row "
                             "(default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_grade_") as tmp:
        start = time.perf_counter()
        course = make_course(Path(tmp))
        print(f"scratch course made by `make assignments` in {time.perf_counter() - start:.1f} s"
              f"; {os.cpu_count()} CPUs\n")
        submitted = make_submissions(course, "forward", args.students, "submitted")
        print_header(f"{'forward, ' + str(args.students) + ' students':<28} {'total s':>8} "
                     f"{'s/student':>10}")
        runs = {}
        for n in (1, 2):
            runs[n] = grade(course, "forward", submitted, n)
            print(f"{'--jobs ' + str(n):<28} {runs[n]:>8.1f} {runs[n] / args.students:>10.2f}")
        speedup = runs[1] / runs[2]
        print(f"speed-up of --jobs 2 over --jobs 1: {speedup:.2f}x")
        print()
        print_header(f"{'assignment':<12} {'students':>8} {'total s':>8} "
                     f"{'s/student/assignment':>21}")
        total = 0.0
        for assignment in ("forward", "backward", "training"):
            subs = make_submissions(course, assignment, args.others, f"sub-{assignment}")
            seconds = grade(course, assignment, subs, 1)
            total += seconds / args.others
            print(f"{assignment:<12} {args.others:>8} {seconds:>8.1f} "
                  f"{seconds / args.others:>21.2f}")
        print(f"\none student, all three assignments: {total:.1f} s; 300 students: "
              f"{300 * total / 60:.0f} min with --jobs 1, about "
              f"{300 * total / speedup / 60:.0f} min with --jobs 2")


if __name__ == "__main__":
    main()

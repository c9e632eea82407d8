"""The grader's scores in nbgrader's gradebook (grader.gradebook): what ``nbgrader export`` then
lists, nbgrader's due dates, extensions and late penalties, and feedback that ``nbgrader
release_feedback`` hands back through nbgrader's exchange.

A scratch course is made once with ``make assignments`` (as tests/test_grade.py's is) and
copied for each test. The grades are made up (no sandbox here): what is tested is the way into
and out of nbgrader, with nbgrader's own commands.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.batch import StudentGrade
from grader.gradebook import (GradebookError, course_settings, find_course, lateness,
                              place_feedback, read_timestamp, record, seconds_late)
from grader.notebook import load_assignment
from grader.question import Result
from grader.report import feedback_html

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DUE = "2026-12-01 17:00:00 UTC"
COURSE_ID = "backprop-step-by-step"


def nbgrader(*args, cwd, check=True):
    """Run an nbgrader command in ``cwd`` with the venv first on PATH."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A scratch course, its student versions and gradebook made by ``make assignments``."""
    root = tmp_path_factory.mktemp("gbcourse") / "assignments"
    shutil.copytree(ROOT / "assignments" / "source", root / "source")
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", root)
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(["make", "-s", "-C", str(ROOT), "assignments", f"COURSE={root}"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "gradebook.db").is_file()
    return root


@pytest.fixture
def course(built, tmp_path):
    """A copy of the built course of this test's own, the forward assignment due at DUE."""
    root = tmp_path / "course"
    shutil.copytree(built, root)
    nbgrader("db", "assignment", "add", "forward", f"--duedate={DUE}", cwd=root)
    return root


def fake_grade(assignment, student, points):
    """A made-up StudentGrade: ``points`` per question, in the assignment's order."""
    return StudentGrade(student, [Result(q.grade_id, float(p), q.points, p == q.points,
                                         "" if p == q.points else "wrong values")
                                  for q, p in zip(assignment.questions, points)])


def submit(course, student, timestamp=None, assignment="forward"):
    """A submitted folder for ``student``, with ``timestamp`` in timestamp.txt if given."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp)
    return folder


def export(course):
    """``nbgrader export`` run in the course: {(assignment, student): row}."""
    nbgrader("export", "--to", "export.csv", cwd=course)
    with open(course / "export.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    keys = [(r["assignment"], r["student_id"]) for r in rows]
    assert len(keys) == len(set(keys)), "a student is listed twice for one assignment"
    return {(r["assignment"], r["student_id"]): r for r in rows}


def when(text):
    return datetime.fromisoformat(text)


# -- the course and its settings ---------------------------------------------------------------

def test_the_course_of_a_source_assignment_and_its_gradebook(course, tmp_path):
    assert find_course(course / "source" / "forward") == course.resolve()
    assert find_course(course / "source" / "forward" / "forward.ipynb") == course.resolve()
    assert find_course(tmp_path) is None
    assert find_course(ROOT / "bpcore") is None
    assert course_settings(course) == (f"sqlite:///{course.resolve()}/gradebook.db", COURSE_ID)
    # nbgrader's own config decides: a db_url set there is the one used.
    with open(course / "nbgrader_config.py", "a") as f:
        f.write(f'c.CourseDirectory.db_url = "sqlite:///{tmp_path}/other.db"\n')
    assert course_settings(course)[0] == f"sqlite:///{tmp_path}/other.db"
    assert course_settings(course, "sqlite:////x.db")[0] == "sqlite:////x.db"


def test_timestamps_are_read_as_nbgrader_reads_them(tmp_path):
    (tmp_path / "timestamp.txt").write_text("2026-12-01 18:00:00.500000 UTC\n")
    assert read_timestamp(tmp_path) == (datetime(2026, 12, 1, 18, 0, 0, 500000), "")
    (tmp_path / "timestamp.txt").write_text("2026-12-01 19:00:00 Europe/Berlin")
    assert read_timestamp(tmp_path)[0] == datetime(2026, 12, 1, 18, 0, 0)
    # A time zone's name that is a path (dateutil would open that file, as root; /proc/kmsg
    # would block the batch forever) is refused before nbgrader's parser sees it.
    for bad in ("yesterday-ish", "", "2026-13-45 25:00:00 UTC", "x" * 10000,
                "2026-01-02 00:00:00 ../../../../tmp/tz", "2026-01-02 00:00:00 /proc/kmsg",
                "2026-01-02 00:00:00 Europe/../../etc/x"):
        (tmp_path / "timestamp.txt").write_text(bad)
        ts, note = read_timestamp(tmp_path)
        assert ts is None and "timestamp.txt" in note, bad
    (tmp_path / "timestamp.txt").unlink()
    assert read_timestamp(tmp_path) == (None, "")
    (tmp_path / "timestamp.txt").symlink_to("/etc/hostname")
    assert read_timestamp(tmp_path)[0] is None
    due = datetime(2026, 12, 1, 17)
    assert seconds_late(datetime(2026, 12, 1, 16), due) == 0.0
    assert seconds_late(datetime(2026, 12, 1, 18), due) == 3600.0
    assert seconds_late(None, due) is None and seconds_late(due, None) is None


# -- scores into the gradebook, and out through nbgrader export --------------------------------

def test_export_lists_every_graded_student_with_the_graders_total(course):
    a = load_assignment(course / "source" / "forward")
    submit(course, "ann", "2026-12-01 16:59:00 UTC")              # on time
    submit(course, "ben", "2026-12-01 18:00:00.5 UTC")            # 3600.5 s late
    submit(course, "cat")                                          # no timestamp.txt
    grades = [fake_grade(a, "ann", [1, 2, 2, 1]), fake_grade(a, "ben", [1, 0, 2, 0]),
              fake_grade(a, "cat", [0, 0, 0, 0])]
    late, notes = record(course, a, grades, course / "submitted")
    assert notes == []
    assert late["ann"].seconds_late == 0.0 and late["ben"].seconds_late == 3600.5
    assert late["cat"].timestamp is None and late["cat"].seconds_late is None
    rows = export(course)
    for g in grades:
        row = rows[("forward", g.student)]
        assert float(row["raw_score"]) == g.total and float(row["score"]) == g.total
        assert float(row["max_score"]) == a.max_points == 6
        assert float(row["late_submission_penalty"]) == 0.0       # nbgrader's default: none
        assert row["duedate"] == "2026-12-01 17:00:00"
    ben = rows[("forward", "ben")]
    assert (when(ben["timestamp"]) - when(ben["duedate"])).total_seconds() == 3600.5
    assert when(rows[("forward", "ann")]["timestamp"]) < when(ben["duedate"])
    assert rows[("forward", "cat")]["timestamp"] == ""
    # lateness() without recording says the same as the gradebook.
    again = lateness(course, "forward", {s: course / "submitted" / s / "forward"
                                         for s in ("ann", "ben", "cat")})
    assert {s: x.seconds_late for s, x in again.items()} == {"ann": 0.0, "ben": 3600.5,
                                                            "cat": None}


def test_a_regrade_updates_the_same_submission(course):
    a = load_assignment(course / "source" / "forward")
    submit(course, "ann", "2026-12-01 16:00:00 UTC")
    submit(course, "ben", "2026-12-01 16:30:00 UTC")
    record(course, a, [fake_grade(a, "ann", [1, 2, 2, 1]), fake_grade(a, "ben", [0, 0, 0, 0])],
           course / "submitted")
    assert float(export(course)[("forward", "ben")]["raw_score"]) == 0
    submit(course, "ben", "2026-12-01 16:45:00 UTC")              # resubmitted, still on time
    # The folders may also be given one by one (ids that are not plain file names, too).
    folders = {"ben": submit(course, "ben"), "d'Arcy Lee": submit(course, "d'Arcy Lee", DUE)}
    record(course, a, [fake_grade(a, "ben", [1, 2, 0, 1]), fake_grade(a, "d'Arcy Lee", [1] * 4)],
           folders)
    rows = export(course)
    assert float(rows[("forward", "ben")]["raw_score"]) == 4
    assert rows[("forward", "ben")]["timestamp"] == "2026-12-01 16:45:00"
    assert float(rows[("forward", "ann")]["raw_score"]) == 6         # untouched
    assert float(rows[("forward", "d'Arcy Lee")]["raw_score"]) == 4
    from nbgrader.api import Gradebook
    with Gradebook(course_settings(course)[0]) as gb:
        subs = gb.find_assignment("forward").submissions
        assert sorted(s.student_id for s in subs) == ["ann", "ben", "d'Arcy Lee"]
        nb = gb.find_submission_notebook("forward", "forward", "ben")
        assert sorted((g.name, g.auto_score, g.needs_manual_grade) for g in nb.grades) == [
            ("test_layer_forward", 2.0, False), ("test_network_output", 0.0, False),
            ("test_quadratic_cost", 1.0, False), ("test_sigmoid", 1.0, False)]


def test_extensions_and_late_penalties_are_nbgraders(course):
    with open(course / "nbgrader_config.py", "a") as f:
        f.write('c.LateSubmissionPlugin.penalty_method = "zero"\n')
    a = load_assignment(course / "source" / "forward")
    submit(course, "ann", "2026-12-01 16:00:00 UTC")
    submit(course, "ben", "2026-12-01 19:00:00 UTC")              # two hours late
    grades = [fake_grade(a, "ann", [1, 2, 2, 1]), fake_grade(a, "ben", [1, 2, 2, 0])]
    late, _ = record(course, a, grades, course / "submitted")
    assert late["ben"].seconds_late == 7200.0
    rows = export(course)
    assert float(rows[("forward", "ben")]["raw_score"]) == 5
    assert float(rows[("forward", "ben")]["late_submission_penalty"]) == 5
    assert float(rows[("forward", "ben")]["score"]) == 0             # "zero": late is zero
    assert float(rows[("forward", "ann")]["score"]) == 6
    # An extension granted in nbgrader counts, for lateness() and for the next record().
    from nbgrader.api import Gradebook
    with Gradebook(course_settings(course)[0]) as gb:
        gb.grant_extension("forward", "ben", hours=3)
    folders = {"ben": course / "submitted" / "ben" / "forward"}
    assert lateness(course, "forward", folders)["ben"].seconds_late == 0.0
    late, _ = record(course, a, grades[1:], course / "submitted")
    assert late["ben"].seconds_late == 0.0
    assert float(export(course)[("forward", "ben")]["score"]) == 5


def test_a_malformed_timestamp_stops_nothing(course):
    a = load_assignment(course / "source" / "forward")
    submit(course, "ann", "2026-12-01 16:00:00 UTC")
    submit(course, "eve", "not a time, but <script>")
    late, notes = record(course, a, [fake_grade(a, "ann", [1, 2, 2, 1]),
                                     fake_grade(a, "eve", [1, 0, 0, 0])], course / "submitted")
    assert late["eve"].timestamp is None and late["eve"].seconds_late is None
    assert len(notes) == 1 and notes[0].startswith("eve: ") and "timestamp.txt" in notes[0]
    rows = export(course)
    assert float(rows[("forward", "eve")]["raw_score"]) == 1
    assert rows[("forward", "eve")]["timestamp"] == ""
    assert float(rows[("forward", "ann")]["raw_score"]) == 6
    got = lateness(course, "forward", {"eve": course / "submitted" / "eve" / "forward"})
    assert got["eve"].seconds_late is None and "timestamp.txt" in got["eve"].note


def test_no_assignment_in_the_gradebook_is_a_clear_error(course, tmp_path):
    a = load_assignment(course / "source" / "forward")
    submit(course, "ann", "2026-12-01 16:00:00 UTC")
    grades = [fake_grade(a, "ann", [1, 2, 2, 1])]
    other = SimpleNamespace(id="homework9", notebook="homework9.ipynb", questions=a.questions)
    with pytest.raises(GradebookError, match="homework9.*make assignments"):
        record(course, other, grades, course / "submitted")
    renamed = SimpleNamespace(id="forward", notebook="forward.ipynb",
                              questions=[SimpleNamespace(grade_id="test_new", points=1.0)])
    with pytest.raises(GradebookError, match="test_new.*make assignments"):
        record(course, renamed, grades, course / "submitted")
    # No gradebook at all: the error says so, and none is created.
    (course / "gradebook.db").unlink()
    with pytest.raises(GradebookError, match="no gradebook.*make assignments"):
        record(course, a, grades, course / "submitted")
    assert not (course / "gradebook.db").exists()
    got = lateness(course, "forward", {"ann": course / "submitted" / "ann" / "forward"})
    assert got["ann"].timestamp is not None and got["ann"].seconds_late is None
    assert "no gradebook" in got["ann"].note and not (course / "gradebook.db").exists()
    assert "export.csv" not in os.listdir(course)


# -- feedback through nbgrader's exchange --------------------------------------------------------

def test_release_feedback_delivers_the_graders_page(course, tmp_path):
    exchange, cache, home = tmp_path / "exchange", tmp_path / "cache", tmp_path / "student"
    exchange.mkdir()
    home.mkdir()
    x = [f"--Exchange.root={exchange}", f"--Exchange.cache={cache}"]
    nbgrader("release_assignment", "forward", *x, cwd=course)
    nbgrader("fetch_assignment", "forward", "--course", COURSE_ID, *x, cwd=home)
    nbgrader("submit", "forward", "--course", COURSE_ID, "--student", "ann", *x, cwd=home)
    nbgrader("collect", "forward", *x, cwd=course)
    folder = course / "submitted" / "ann" / "forward"
    assert (folder / "submission_secret.txt").is_file()
    submit(course, "bob", "2026-12-01 16:00:00 UTC")              # collected by hand: no secret
    shutil.copy(folder / "forward.ipynb", course / "submitted" / "bob" / "forward")

    a = load_assignment(course / "source" / "forward")
    pages = {}
    for g in (fake_grade(a, "ann", [1, 0, 2, 1]), fake_grade(a, "bob", [1, 2, 2, 1])):
        pages[g.student] = feedback_html(a, g)
        placed = place_feedback(course, a.id, a.notebook, g.student, pages[g.student],
                                course / "submitted" / g.student / a.id)
        assert (placed is None) == (g.student == "bob")
    assert placed is None and not (course / "feedback" / "bob").exists()

    done = nbgrader("release_feedback", "forward", *x, cwd=course)
    assert "ann" in done.stderr and "bob" not in done.stderr
    nbgrader("fetch_feedback", "forward", "--course", COURSE_ID, "--student", "ann", *x,
             cwd=home)
    fetched = list((home / "forward" / "feedback").glob("*/forward.html"))
    assert len(fetched) == 1 and fetched[0].read_text() == pages["ann"]
    assert "4 / 6 points" in pages["ann"]


# -- what students get: the wheel ------------------------------------------------------------------

def hidden_literal_lines(source_nb) -> list:
    """The hidden tests' lines with a literal (a seed, an input, an expected value, a message):
    what a student must not read. Generic lines (imports, loops) are bpcore's own code too."""
    found = []
    for cell in source_nb["cells"]:
        inside = False
        for line in "".join(cell["source"]).splitlines():
            s = line.strip()
            if s in ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"):
                inside = s.startswith("### BEGIN")
            elif inside and re.search(r"\d\d|\d\.\d|['\"]", s):
                found.append(s)
    return found


def test_the_students_wheel_holds_bpcore_and_no_assignment(tmp_path):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(["make", "-s", "-C", str(ROOT), "wheel", f"DIST={tmp_path}"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    wheel = tmp_path / "bpcore-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        text = "\n".join(z.read(n).decode("utf-8", "replace") for n in names)
    assert {n.split("/")[0] for n in names} == {"bpcore", "grader", "bpcore-0.1.0.dist-info"}
    assert "bpcore/exercises/core.py" in names and "bpcore/network.py" in names
    assert not [n for n in names if n.endswith(".ipynb") or "assignments" in n]
    for a in ("forward", "backward", "training"):
        nb = json.loads((ROOT / "assignments" / "source" / a / f"{a}.ipynb").read_text())
        secrets = hidden_literal_lines(nb)
        assert len(secrets) >= 5
        assert [s for s in secrets if s in text] == []
    # It installs and works without the repository.
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--disable-pip-version-check", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    code = ("import bpcore, bpcore.exercises as e; print(bpcore.__file__); "
            "e.assert_close(bpcore.Network([2, 2], 'sigmoid', seed=0).W[1].shape, (2, 2), 'W')")
    out = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, "
                          f"{str(target)!r}); {code}"], cwd=tmp_path, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(target / "bpcore" / "__init__.py")


def test_without_nbgrader_the_grader_still_imports_and_says_why(tmp_path, monkeypatch):
    code = ("import sys; sys.modules['nbgrader'] = None; import grader.gradebook as g; "
            "print('nbgrader' in [m.split('.')[0] for m in sys.modules if sys.modules[m]])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr
    for name in [m for m in sys.modules if m == "nbgrader" or m.startswith("nbgrader.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "nbgrader", None)           # import nbgrader: ImportError
    (tmp_path / "timestamp.txt").write_text("2026-12-01 16:00:00 UTC")
    assert read_timestamp(tmp_path) == (None, f"nbgrader is not installed; "
                                              f"{tmp_path / 'timestamp.txt'} is not read")
    with pytest.raises(GradebookError, match="nbgrader is not installed"):
        record(tmp_path, SimpleNamespace(id="forward"), [], tmp_path)

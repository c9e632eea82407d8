"""The batch as an instructor runs it: odd student folders and renamed notebooks are graded, a
re-grade of some students merges into grades.csv, a sandbox that cannot start stops the batch
before any student is blamed, and every file is read as UTF-8 whatever the locale.

Uses the scratch course of tests/test_grade.py (nbgrader's student versions of the forward
assignment) and its fixture answers (``correct.py``).
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import GradingError
from grader.batch import grade_all
from grader.notebook import load_assignment
from grader.sandbox import Limits
from grader.submissions import file_name, locate_notebook, text_name
from test_grade import FIXTURES, course, read_notebook, run, sections, submission  # noqa: F401

pytestmark = pytest.mark.grading

TIMEOUT = "20"


def correct_notebook(course) -> dict:
    released = read_notebook(course / "release" / "forward" / "forward.ipynb")
    return submission(released, sections(FIXTURES / "correct.py", {}))


def put(folder: Path, name: str, nb: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(nb), encoding="utf-8")


def rows(path) -> dict:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def loose_source(course) -> Path:
    """The forward source notebook outside any nbgrader course: grading it touches no gradebook
    (the gradebook has a test of its own)."""
    folder = course.parent / "loose" / "forward"
    if not folder.exists():
        shutil.copytree(course / "source" / "forward", folder)
    return folder


def grade(course, submitted, out, *extra, env=None):
    cmd = [sys.executable, "-m", "grader", str(loose_source(course)), str(submitted),
           "--out", str(out), "--timeout", TIMEOUT, *extra]
    if env is None:
        return run(cmd, cwd=submitted.parent, timeout=600)
    return subprocess.run(cmd, cwd=submitted.parent, env=env, capture_output=True, timeout=600)


# -- folders and notebooks as students and zip files name them ----------------------------------

def test_odd_names_are_graded_and_what_cannot_be_a_student_is_skipped(course, tmp_path):
    nb = correct_notebook(course)
    sub = tmp_path / "submitted"
    for student in ["Alice Smith", "José", "DOMAIN\\user", "o'brien", "李雷"]:
        put(sub / student / "forward", "forward.ipynb", nb)
    renamed = {"copy": "forward-Copy1.ipynb", "upper": "Forward.ipynb",
               "paren": "forward (1).ipynb", "resubmitted": "forward-1.ipynb",
               "only": "my work.ipynb"}
    for student, name in renamed.items():
        put(sub / student / "forward", name, nb)
    put(sub / "folder_case" / "Forward", "forward.ipynb", nb)
    put(sub / "two" / "forward", "a.ipynb", nb)
    put(sub / "two" / "forward", "b.ipynb", nb)
    for ignored in ["__MACOSX", ".ipynb_checkpoints", ".hidden"]:
        put(sub / ignored / "forward", "forward.ipynb", nb)
    latin1 = os.fsdecode(b"caf\xe9")                     # not UTF-8: cannot be an id
    put(sub / latin1 / "forward", "forward.ipynb", nb)
    put(sub / ("字" * 85) / "forward", "forward.ipynb", nb)   # 255 bytes: no room for ".html"
    done = grade(course, sub, tmp_path / "out", "--jobs", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    got = rows(tmp_path / "out" / "grades.csv")
    graded = ["Alice Smith", "José", "DOMAIN\\user", "o'brien", "李雷", *renamed, "folder_case"]
    assert sorted(got) == sorted(graded + ["two"])
    assert {s: got[s]["total"] for s in graded} == {s: "6" for s in graded}
    assert got["two"]["total"] == "0"
    # The skipped folder is named in a warning; the ignored ones are not students at all.
    assert "warning: skipped the folder b'caf\\xe9'" in done.stderr
    assert "its name is too long to name a feedback file" in done.stderr
    assert "__MACOSX" not in done.stderr + done.stdout
    feedback = tmp_path / "out" / "feedback"
    assert sorted(p.name for p in feedback.iterdir()) == sorted(f"{s}.html" for s in got)
    for student, name in renamed.items():
        text = (feedback / f"{student}.html").read_text(encoding="utf-8")
        assert f"graded {name}: no forward.ipynb was found" in text.replace("&#x27;", "'")
    assert "found a.ipynb, b.ipynb" in (feedback / "two.html").read_text(encoding="utf-8")
    # The instructor sees why a row is 0 in the progress line, not only the student.
    assert re.search(r"\] two: 0/6 points \([\d.]+ s\): no forward.ipynb was submitted "
                     r"\(found a.ipynb, b.ipynb", done.stderr)
    # One student's folder given as SUBMISSIONS is the instructor's slip: said, nothing graded.
    done = grade(course, sub / "Alice Smith", tmp_path / "slip")
    assert done.returncode == 2 and "as one student's folder does" in done.stderr


def test_the_notebook_to_grade_is_the_expected_one_or_a_copy_of_it(tmp_path):
    place = tmp_path / "s" / "forward"
    place.mkdir(parents=True)
    assert locate_notebook(tmp_path / "s", "forward", "forward.ipynb") == (
        None, "no forward.ipynb was submitted")
    (place / "notes.ipynb").write_text("{}")
    (place / "forward-Copy2.ipynb").write_text("{}")
    path, note = locate_notebook(tmp_path / "s", "forward", "forward.ipynb")
    assert path.name == "forward-Copy2.ipynb" and "also there: notes.ipynb" in note
    (place / "forward.ipynb").write_text("{}")
    assert locate_notebook(tmp_path / "s", "forward", "forward.ipynb") == (
        place / "forward.ipynb", "")
    assert locate_notebook(tmp_path / "t", "forward", "forward.ipynb")[0] is None
    # Names decode as UTF-8 whatever the locale; control characters cannot be an id.
    assert text_name(file_name("José")) == "José"
    assert text_name("a\nb") is None and text_name(" ") is None
    assert text_name(os.fsdecode(b"\xff")) is None


# -- the instructor's workflow --------------------------------------------------------------------

def test_regrading_some_students_merges_their_rows_into_grades_csv(course, tmp_path):
    nb = correct_notebook(course)
    sub, out = tmp_path / "submitted", tmp_path / "out"
    for student in ["ann", "bob", "cy"]:
        put(sub / student / "forward", "forward.ipynb", nb)
    done = grade(course, sub, out, "--jobs", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    before = rows(out / "grades.csv")
    ann_feedback = (out / "feedback" / "ann.html").read_bytes()
    # bob resubmits the released stub; only he is graded again.
    shutil.copy(course / "release" / "forward" / "forward.ipynb", sub / "bob" / "forward")
    done = grade(course, sub, out, "--student", "bob")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ann" not in done.stderr and "cy" not in done.stderr
    after = rows(out / "grades.csv")
    assert sorted(after) == ["ann", "bob", "cy"]
    assert after["ann"] == before["ann"] and after["cy"] == before["cy"]
    assert before["bob"]["total"] == "6" and after["bob"]["total"] == "0"
    assert (out / "feedback" / "ann.html").read_bytes() == ann_feedback
    assert "0 / 6" in (out / "feedback" / "bob.html").read_text(encoding="utf-8")
    # An id with no folder is the instructor's typo: nothing is graded or written.
    written = (out / "grades.csv").read_bytes()
    done = grade(course, sub, out, "--student", "bob", "--student", "nobody")
    assert done.returncode == 2 and "'nobody'" in done.stderr
    assert (out / "grades.csv").read_bytes() == written


def test_every_visible_phase_runs_before_any_hidden_input_reaches_the_submission(
        course, monkeypatch):
    """What the student reads (visible tests' messages, notes on their cells) comes only from
    sandboxes that ran before any of their code saw a hidden input: the global state of the
    machine (a fork counter, a cache) that a hidden call changes cannot reach the feedback.
    The red team's submission that encoded hidden inputs in /proc/stat's fork counter and read
    it back in the next question's cell errors got 10 bits per question before this order."""
    from grader import batch, question
    assignment = load_assignment(loose_source(course))
    calls, real = [], question._attempt

    def spy(q, source, *args):
        calls.append((q.grade_id, "whole" if source == q.source else "visible"))
        return real(q, source, *args)
    monkeypatch.setattr(question, "_attempt", spy)
    folder = course.parent / "phases" / "ann" / "forward"
    put(folder, "forward.ipynb", correct_notebook(course))
    command = batch.sandbox_command(batch.check_bwrap(), (), Limits(seconds=20), [])
    g = batch.grade_submission(assignment, "ann", folder / "forward.ipynb", command,
                               Limits(seconds=20))
    assert g.total == 6
    ids = [q.grade_id for q in assignment.questions]
    assert all(q.hidden for q in assignment.questions)
    assert calls == [(i, "visible") for i in ids] + [(i, "whole") for i in ids]
    # The visible part is the students' test cell: the same lines, the hidden ones blank.
    q = assignment.questions[0]
    assert "HIDDEN" not in q.visible and len(q.visible.splitlines()) <= len(q.source.splitlines())
    assert [l for l in q.visible.splitlines() if l] == [
        l for n, l in enumerate(q.source.splitlines(), 1) if n not in q.hidden and l]


def test_a_failure_of_the_graders_own_costs_one_row_and_says_how_to_grade_it_again(
        course, tmp_path, monkeypatch, capsys):
    import io

    from grader import batch
    nb, sub = correct_notebook(course), tmp_path / "submitted"
    for student in ["ann", "bob b"]:
        put(sub / student / "forward", "forward.ipynb", nb)
    real = batch.grade_submission

    def flaky(assignment, student, *args, **kwargs):
        if student == "bob b":
            raise RuntimeError("a bug of the grader's")
        return real(assignment, student, *args, **kwargs)
    monkeypatch.setattr(batch, "grade_submission", flaky)
    log = io.StringIO()
    grades, out = grade_all(loose_source(course), sub, tmp_path / "out", Limits(seconds=20),
                            log=log)
    assert [g.total for g in grades] == [6, 0]
    assert "GRADER ERROR for bob b" in capsys.readouterr().err     # a worker's stderr
    assert "grade them again: --student 'bob b'" in log.getvalue()
    assert "ask your instructor to grade it again" in (out / "feedback" / "bob b.html").read_text(
        encoding="utf-8")


def test_a_sandbox_that_cannot_start_stops_the_batch_and_blames_no_student(course, tmp_path,
                                                                         monkeypatch):
    nb = correct_notebook(course)
    sub, out = tmp_path / "submitted", tmp_path / "out"
    put(sub / "ann" / "forward", "forward.ipynb", nb)
    from grader import batch
    real = batch.sandbox_command

    def broken(*args, **kwargs):     # the sandbox's Python is not where the command says
        command = real(*args, **kwargs)
        return [c if c != sys.executable else "/nonexistent/python3" for c in command]
    monkeypatch.setattr(batch, "sandbox_command", broken)
    with pytest.raises(GradingError, match="cannot run a known-good cell") as failed:
        grade_all(loose_source(course), sub, out, Limits(seconds=20))
    assert "/nonexistent/python3" in str(failed.value)          # bwrap's own words
    assert not out.exists()


def test_a_venv_reached_through_a_link_grades_as_the_venv_itself(course, tmp_path):
    """The course's .venv a symlink (as on many machines): the sandbox runs the same Python."""
    link = tmp_path / "linked-venv"
    link.symlink_to(Path(sys.prefix))
    nb = correct_notebook(course)
    sub, out = tmp_path / "submitted", tmp_path / "out"
    put(sub / "ann" / "forward", "forward.ipynb", nb)
    cmd = [str(link / "bin" / "python"), "-m", "grader", str(loose_source(course)),
           str(sub), "--out", str(out), "--timeout", TIMEOUT]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert rows(out / "grades.csv")["ann"]["total"] == "6"


def test_files_are_read_as_utf8_whatever_the_locale(course, tmp_path):
    """Under LC_ALL=C with Python's UTF-8 mode and locale coercion off, open() defaults to
    ASCII: the instructor's notebook with non-ASCII text, a student named José, and the CSV
    and feedback must still be read and written as UTF-8."""
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0",
           "PYTHONCOERCECLOCALE": "0"}
    probe = subprocess.run([sys.executable, "-c", "import locale, sys; "
                            "print(locale.getpreferredencoding(), sys.getfilesystemencoding())"],
                           env=env, capture_output=True, text=True)
    assert probe.stdout.split() == ["ANSI_X3.4-1968", "ascii"], probe.stdout  # the test bites
    source = read_notebook(course / "source" / "forward" / "forward.ipynb")
    source["cells"][0]["source"] = "# Vorwärts: σ′(z) — the forward pass, café\n"
    for cell in source["cells"]:
        if cell["cell_type"] == "code" and not cell["metadata"].get("nbgrader", {}).get("grade"):
            cell["source"] = "# σ′ — café\n" + "".join(cell["source"])
    (tmp_path / "source" / "forward").mkdir(parents=True)
    (tmp_path / "source" / "forward" / "forward.ipynb").write_text(json.dumps(source),
                                                                  encoding="utf-8")
    sub, out = tmp_path / "submitted", tmp_path / "out"
    put(sub / "José" / "forward", "forward.ipynb", correct_notebook(course))
    cmd = [sys.executable, "-m", "grader", str(tmp_path / "source" / "forward"), str(sub),
           "--out", str(out), "--timeout", TIMEOUT]
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    assert rows(out / "grades.csv")["José"]["total"] == "6"
    assert "José" in (out / "feedback" / "José.html").read_text(encoding="utf-8")


def test_a_course_graded_on_two_machines_merges_into_one_result(course, tmp_path):
    """Disjoint --student lists graded into two --out folders, then one --merge: the same
    grades.csv and feedback, byte for byte, as one run over everyone."""
    nb, sub = correct_notebook(course), tmp_path / "submitted"
    for student in ["ann", "bob", "cy"]:
        put(sub / student / "forward", "forward.ipynb", nb)
    shutil.copy(course / "release" / "forward" / "forward.ipynb", sub / "bob" / "forward")
    (sub / "cy" / "forward" / "timestamp.txt").write_text("2026-12-01 19:00:00.000000 UTC")
    assert grade(course, sub, tmp_path / "one").returncode == 0
    assert grade(course, sub, tmp_path / "m1", "--student", "ann", "--student", "bob",
                 "--jobs", "1").returncode == 0
    assert grade(course, sub, tmp_path / "m2", "--student", "cy").returncode == 0
    done = grade(course, sub, tmp_path / "merged", "--merge", str(tmp_path / "m1"),
                 "--merge", str(tmp_path / "m2"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "merged 3 submissions" in done.stdout
    one, merged = tmp_path / "one", tmp_path / "merged"
    assert (merged / "grades.csv").read_bytes() == (one / "grades.csv").read_bytes()
    assert rows(merged / "grades.csv")["cy"]["timestamp"] == "2026-12-01 19:00:00 UTC"
    for student in ["ann", "bob", "cy"]:
        page = Path("feedback") / f"{student}.html"
        assert (merged / page).read_bytes() == (one / page).read_bytes()
    # The same student from two machines is a mistake in the lists: refused, nothing written.
    done = grade(course, sub, tmp_path / "twice", "--merge", str(tmp_path / "m1"),
                 "--merge", str(tmp_path / "one"))
    assert done.returncode == 2 and "graded in both" in done.stderr
    assert not (tmp_path / "twice" / "grades.csv").exists()
    # A grades.csv the grader did not write (a short row, points not a number, an id that is a
    # path) is refused, not merged.
    good = (tmp_path / "m2" / "grades.csv").read_text(encoding="utf-8")
    for bad in ["cy,forward,1,2\n", "cy,forward,x,2,2,1,6,6,,\n",
                "../../evil,forward,1,2,2,1,6,6,,\n", "cy,forward,1,2,2,9,14,6,,\n"]:
        (tmp_path / "m2" / "grades.csv").write_text(good.splitlines()[0] + "\n" + bad,
                                                     encoding="utf-8")
        done = grade(course, sub, tmp_path / "forged", "--merge", str(tmp_path / "m2"))
        assert done.returncode == 2 and "--merge:" in done.stderr, (bad, done.stderr[-500:])
        assert not (tmp_path / "forged" / "grades.csv").exists()


# -- nbgrader's gradebook ---------------------------------------------------------------------------

def test_scores_and_lateness_reach_nbgraders_gradebook(course, tmp_path):
    """Graded in the course folder, the scores land in nbgrader's gradebook (``nbgrader export``
    lists every student with grades.csv's total), and lateness is measured from timestamp.txt
    against the due date nbgrader knows."""
    done = run(["nbgrader", "db", "assignment", "add", "forward",
                "--duedate=2026-12-01 17:00:00 UTC"], cwd=course)
    assert done.returncode == 0, done.stderr
    nb, sub = correct_notebook(course), course / "submitted"
    stamps = {"ann": "2026-12-01 16:59:59.000000 UTC", "bob": "2026-12-01 19:00:00.000000 UTC"}
    for student in ["ann", "bob", "cy"]:
        put(sub / student / "forward", "forward.ipynb", nb)
        if student in stamps:
            (sub / student / "forward" / "timestamp.txt").write_text(stamps[student])
    shutil.copy(course / "release" / "forward" / "forward.ipynb", sub / "cy" / "forward")
    done = run([sys.executable, "-m", "grader", "source/forward", "submitted", "--timeout",
                TIMEOUT], cwd=course, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nbgrader gradebook: 3 students recorded" in done.stderr
    got = rows(course / "graded" / "forward" / "grades.csv")
    assert {s: (r["total"], r["seconds_late"]) for s, r in got.items()} == {
        "ann": ("6", "0"), "bob": ("6", "7200"), "cy": ("0", "")}
    assert got["bob"]["timestamp"] == "2026-12-01 19:00:00 UTC"
    bob = (course / "graded" / "forward" / "feedback" / "bob.html").read_text(encoding="utf-8")
    assert "2 h 0 min after the due date" in bob
    done = run(["nbgrader", "export", "--to", str(tmp_path / "export.csv")], cwd=course)
    assert done.returncode == 0, done.stderr
    exported = {}
    with open(tmp_path / "export.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["assignment"] == "forward":
                exported[row["student_id"]] = row
    assert {s: float(exported[s]["score"]) for s in got} == {s: float(got[s]["total"])
                                                            for s in got}
    assert float(exported["bob"]["max_score"]) == 6
    # A re-grade of one student updates the gradebook, it does not add a second submission.
    shutil.copy(course / "release" / "forward" / "forward.ipynb", sub / "ann" / "forward")
    done = run([sys.executable, "-m", "grader", "source/forward", "submitted", "--student", "ann",
                "--timeout", TIMEOUT], cwd=course, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    done = run(["nbgrader", "export", "--to", str(tmp_path / "again.csv")], cwd=course)
    with open(tmp_path / "again.csv", newline="", encoding="utf-8") as f:
        again = [r for r in csv.DictReader(f) if r["assignment"] == "forward"]
    assert sorted(r["student_id"] for r in again) == ["ann", "bob", "cy"]
    assert {r["student_id"]: float(r["score"]) for r in again} == {"ann": 0, "bob": 6, "cy": 0}


def test_a_grader_worker_that_dies_costs_no_student_anything(course, tmp_path):
    """A worker process of the grader killed mid-batch (as the OOM killer would) breaks the
    pool and every student in it: they are graded again (in a new pool, then alone) and get
    what they earned; nothing is left "not graded", and no cgroup of the batch is left."""
    nb, sub = correct_notebook(course), tmp_path / "submitted"
    students = [f"s{i:02d}" for i in range(10)]
    for student in students:
        put(sub / student / "forward", "forward.ipynb", nb)
    cmd = [sys.executable, "-m", "grader", str(loose_source(course)), str(sub), "--out",
           str(tmp_path / "out"), "--timeout", TIMEOUT, "--jobs", "2"]
    grader = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    for _ in range(1200):                      # a worker, a second after the pool started
        workers = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                   and _parent(p) == grader.pid and b"spawn_main" in _cmdline(p)]
        if workers:
            time.sleep(1.0)
            os.kill(int(workers[0].name), 9)
            killed = workers[0].name
            break
        time.sleep(0.05)
    out, err = grader.communicate(timeout=600)
    assert killed, "no worker was seen to kill"
    assert grader.returncode == 0, err[-2000:]
    assert {s: r["total"] for s, r in rows(tmp_path / "out" / "grades.csv").items()} == {
        s: "6" for s in students}
    assert "GRADER ERROR" not in err
    left = [p for top in Path("/sys/fs/cgroup").glob("*") for p in top.rglob(
        f"grader-{grader.pid}-*")] if Path("/sys/fs/cgroup/pids").is_dir() else []
    assert not left, left


def _parent(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""

"""The classroom workflow end to end, as the README gives it to an instructor, and the grader
against submissions written to cheat.

A scratch copy of the course (``assignments/``) is used: nbgrader makes the student versions,
fixture submissions (tests/fixtures/submissions/forward/*.py, built into the released notebook)
go into ``submitted/<student>/forward/``, and ``python -m grader`` grades the batch in
bubblewrap. Needs bubblewrap and nbgrader (``make test`` checks for both).
"""
import ast
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from grader import GradingError
from grader.batch import grade_all, grade_submission
from grader.notebook import (Question, free_names, hidden_lines, is_test, load_assignment,
                             read_cells)
from grader.protocol import NotPlainData, decode, encode
from grader.question import explain
from grader.sandbox import Limits, Sandbox, check_bwrap, sandbox_command

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "submissions" / "forward"
ASSIGNMENTS = sorted(p.name for p in (COURSE / "source").iterdir() if p.is_dir())
BIN = Path(sys.executable).parent
TIMEOUT = 6          # seconds per question; honest submissions need well under one

#: Points per question (test_sigmoid 1, test_layer_forward 2, test_network_output 2,
#: test_quadratic_cost 1) that each fixture has earned.
EXPECTED = {
    "correct": [1, 2, 2, 1],
    "wrong_right_shape": [1, 0, 0, 0],
    "exception": [1, 0, 0, 1],
    "syntax_error": [1, 2, 0, 1],
    "hardcodes_visible": [0, 2, 2, 0],
    "infinite_loop": [1, 0, 0, 1],
    "swallows_interrupt": [1, 2, 2, 1],
    "endless_first_cell": [1, 2, 2, 1],
    "endless_cells": [1, 0, 0, 1],
    "hidden_bits": [0, 0, 0, 0],
    "floods_the_grader": [1, 0, 0, 1],
    "patches_numpy": [0, 0, 0, 0],
    "claims_equal": [0, 0, 0, 0],
    "redefines_checker": [0, 0, 0, 0],
    "reads_hidden_tests": [0, 0, 0, 0],
    "writes_course": [0, 0, 0, 0],
    "background_process": [1, 2, 2, 1],
    "exits": [1, 0, 0, 1],
    "fake_score": [0, 0, 0, 0],
    "huge_output": [1, 2, 2, 1],
    "memory_hog": [1, 2, 0, 1],
    "uses_bpcore": [1, 2, 0, 1],
    "escalates": [0, 0, 0, 0],
    "leaks": [0, 2, 2, 0],
    "no_notebook": [0, 0, 0, 0],
}
HONEST = ["correct", "wrong_right_shape", "exception", "syntax_error", "hardcodes_visible"]


#: Put in the grader's environment: no submission may ever see it.
SECRET = "bpcore-fixture-secret-7f3a9c"
PLANTED = "bpcore_fixture_planted.py"


def run(cmd, cwd, **kw):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               BPCORE_FIXTURE_SECRET=SECRET)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course folder with the student versions made by nbgrader with the README's
    command, ``make assignments`` (pointed at the copy)."""
    if not shutil.which("bwrap"):
        pytest.fail("bubblewrap is missing: apt-get install -y bubblewrap")
    root = tmp_path_factory.mktemp("course") / "assignments"
    shutil.copytree(COURSE / "source", root / "source")
    shutil.copy(COURSE / "nbgrader_config.py", root)
    done = run(["make", "-s", "-C", str(ROOT), "assignments", f"COURSE={root}"], cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in (root / "release").iterdir()) == ASSIGNMENTS
    return root


def read_notebook(path):
    return json.loads(Path(path).read_text())


def cell_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def sections(fixture: Path, substitutions: dict) -> dict:
    text = fixture.read_text()
    for key, value in substitutions.items():
        text = text.replace(key, str(value))
    parts = re.split(r"^# %% (\S+)\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def submission(released: dict, answers: dict) -> dict:
    """The released notebook with the student's answers in its solution cells, plus any cells
    they added first and last."""
    nb = json.loads(json.dumps(released))
    for cell in nb["cells"]:
        if cell_id(cell) in answers:
            cell["source"] = answers[cell_id(cell)]
    extra = lambda key: [{"cell_type": "code", "metadata": {}, "execution_count": None,
                          "outputs": [], "source": answers[key]}] if key in answers else []
    nb["cells"] = extra("first") + nb["cells"] + extra("last")
    return nb


def tree_digest(folder) -> str:
    """A digest of every file's path and bytes under ``folder`` (to show nothing changed)."""
    h = hashlib.sha256()
    for p in sorted(Path(folder).rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


def digest(folder):
    return tree_digest(folder) if Path(folder).exists() else None


def read_csv(path):
    with open(path) as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def orphans():
    found = []
    for p in Path("/proc").iterdir():
        try:
            if p.name.isdigit() and b"bpcore-fixture-orphan" in (p / "cmdline").read_bytes():
                found.append(p.name)
        except OSError:
            pass
    return found


def secret_lines(source_nb) -> list:
    """The lines of the source notebook that students must never see: solutions and hidden
    tests (blank lines, comments and code the public part also shows left out)."""
    secret, public = set(), []
    for cell in source_nb["cells"]:
        inside = False
        for line in "".join(cell["source"]).splitlines():
            s = line.strip()
            if s in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
                inside = True
            elif s in ("### END SOLUTION", "### END HIDDEN TESTS"):
                inside = False
            elif inside and s and not s.startswith("#"):
                secret.add(s)
            elif not inside:
                public.append(line)
    public = "\n".join(public)
    return sorted(s for s in secret if len(s) > 12 and s not in public)


# -- the student versions ----------------------------------------------------------------------

def test_the_three_assignments_are_there():
    assert ASSIGNMENTS == ["backward", "forward", "training"]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_notebook_has_no_solution_and_no_hidden_test(course, assignment):
    source = read_notebook(course / "source" / assignment / f"{assignment}.ipynb")
    released_path = course / "release" / assignment / f"{assignment}.ipynb"
    released = released_path.read_text()
    secrets = secret_lines(source)
    assert len(secrets) >= 5
    leaked = [s for s in secrets if s in released]
    assert not leaked, f"the student version shows: {leaked}"
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
        assert marker not in released
    # ... while the visible tests and the stubs are there.
    rel = read_notebook(released_path)
    tests = [c for c in rel["cells"] if is_test(c)]
    assert len(tests) == len(load_assignment(course / "source" / assignment).questions)
    assert "raise NotImplementedError()" in released


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_stub_scores_zero_and_the_solution_full_marks(course, assignment, tmp_path):
    for student, nb in [("stub", course / "release" / assignment / f"{assignment}.ipynb"),
                        ("solution", course / "source" / assignment / f"{assignment}.ipynb")]:
        folder = tmp_path / "submitted" / student / assignment
        folder.mkdir(parents=True)
        shutil.copy(nb, folder)
    grades, out = grade_all(course / "source" / assignment, tmp_path / "submitted",
                                  limits=Limits(seconds=60), log=io.StringIO())
    by = {g.student: g for g in grades}
    maximum = load_assignment(course / "source" / assignment).max_points
    assert maximum >= 5
    assert by["solution"].total == maximum, [r.message for r in by["solution"].results]
    assert by["stub"].total == 0
    assert all(re.search("NotImplementedError|is not defined|hidden", r.message)
               for r in by["stub"].results), [r.message for r in by["stub"].results]


# -- a batch with every kind of cheat -----------------------------------------------------------

def build_batch(course, folder, cases, out):
    released = read_notebook(course / "release" / "forward" / "forward.ipynb")
    subs = {"__COURSE__": course, "__SUBMITTED__": folder, "__OUT__": out}
    for case in cases:
        target = folder / case / "forward"
        target.mkdir(parents=True)
        if case == "no_notebook":
            continue
        # A solution cell the case does not give holds the right answer (correct.py's).
        answers = {**sections(FIXTURES / "correct.py", subs),
                   **sections(FIXTURES / f"{case}.py", subs)}
        (target / "forward.ipynb").write_text(json.dumps(submission(released, answers)))


@pytest.fixture(scope="module")
def batch(course):
    """Every fixture graded in one batch by the README's command."""
    cases = sorted(EXPECTED)
    assert sorted(p.stem for p in FIXTURES.glob("*.py")) == sorted(set(cases) - {"no_notebook"})
    submitted, out = course / "submitted", course / "graded" / "forward"
    build_batch(course, submitted, cases, out)
    before = {name: digest(course / name) for name in ("source", "release", "submitted")}
    core_pattern = Path("/proc/sys/kernel/core_pattern").read_text()
    start = time.monotonic()
    done = run([sys.executable, "-m", "grader", "source/forward", "submitted",
                "--timeout", str(TIMEOUT), "--jobs", "2"], cwd=course, timeout=900)
    seconds = time.monotonic() - start
    return dict(done=done, out=out, before=before, seconds=seconds, orphans=orphans(),
                core_pattern=core_pattern)


def test_batch_completes_and_every_submission_gets_what_it_earned(batch):
    done = batch["done"]
    assert done.returncode == 0, done.stderr[-3000:]
    grades = read_csv(batch["out"] / "grades.csv")
    assert sorted(grades) == sorted(EXPECTED)
    ids = ["test_sigmoid", "test_layer_forward", "test_network_output", "test_quadratic_cost"]
    got = {s: [float(grades[s][i]) for i in ids] for s in grades}
    assert got == {s: [float(p) for p in pts] for s, pts in EXPECTED.items()}
    for s, row in grades.items():
        assert float(row["total"]) == sum(EXPECTED[s]) and float(row["max_points"]) == 6
    # The progress log names every student; the fake score never reaches the grader's output.
    assert all(s in done.stderr for s in EXPECTED)
    assert "mallory" not in done.stdout + done.stderr + (batch["out"] / "grades.csv").read_text()


def test_nothing_in_the_instructor_folders_changes_and_no_process_survives(batch, course):
    for name, before in batch["before"].items():
        assert digest(course / name) == before, f"{name}/ changed during grading"
    assert not batch["orphans"], "a submission's process outlived grading"
    # The detached process would have rewritten the grades 3 s after it started: wait longer.
    time.sleep(4)
    assert not orphans()
    assert "mallory" not in (batch["out"] / "grades.csv").read_text()
    files = sorted(str(p.relative_to(batch["out"])) for p in batch["out"].rglob("*")
                   if p.is_file())
    assert files == ["feedback/" + s + ".html" for s in sorted(EXPECTED)] + ["grades.csv"]
    assert not list(course.glob("planted*")) and not (course / "planted.txt").exists()
    # Root in the sandbox has no privileges: the read-only views stay read-only, and host-wide
    # kernel settings are out of reach.
    numpy_dir = Path(np.__file__).parent
    for folder in (Path(sys.prefix), Path(sys.base_prefix), numpy_dir):
        assert not (folder / PLANTED).exists(), f"a submission wrote into {folder}"
    assert Path("/proc/sys/kernel/core_pattern").read_text() == batch["core_pattern"]


def test_feedback_explains_without_showing_hidden_tests(batch, course):
    source = read_notebook(course / "source" / "forward" / "forward.ipynb")
    secrets = secret_lines(source)
    feedback = {p.stem: p.read_text() for p in (batch["out"] / "feedback").glob("*.html")}
    for student, text in feedback.items():
        leaked = [s for s in secrets if s in text or s.replace("'", "&#x27;") in text]
        assert not leaked, (student, leaked)
    f = feedback["hardcodes_visible"]
    assert "a hidden test failed" in f and "0 / 1" in f
    assert "tanh" not in feedback["wrong_right_shape"]         # no guessing at the mistake
    assert "wrong values" in feedback["wrong_right_shape"]
    assert "ValueError" in feedback["exception"]
    assert "SyntaxError" in feedback["syntax_error"]
    assert "`network_output` is not defined" in feedback["syntax_error"]
    assert "time limit" in feedback["infinite_loop"]
    # A stray endless cell costs that cell only (skipped after its own limit, reported).
    assert "cell 15 did not finish within 3 s: it was skipped" in feedback["swallows_interrupt"]
    assert "6 / 6" in feedback["swallows_interrupt"]
    assert "cell 1 did not finish within 3 s: it was skipped" in feedback["endless_first_cell"]
    assert "it and the cells after it were not run" in feedback["endless_cells"]
    assert "exit code 0" in feedback["exits"]
    assert "not numbers" in feedback["claims_equal"] and "NaN" in feedback["claims_equal"]
    assert "MemoryError" in feedback["memory_hog"]
    assert "more than 1000000 items or 100000 lists and dicts" in feedback["floods_the_grader"]
    assert "no forward.ipynb was submitted" in feedback["no_notebook"]
    assert "No module named &#x27;bpcore&#x27;" in feedback["uses_bpcore"]
    # Nothing of the host or of the hidden tests leaks through what a submission controls.
    everything = "".join(feedback.values())
    assert SECRET not in everything and "root:" not in everything
    assert "Leak_" not in feedback["leaks"] and "exit code" not in feedback["leaks"]
    assert feedback["leaks"].count("a hidden test failed") == 2
    # A hidden test's failure is one fixed sentence, whatever happened (a wrong value, an
    # exception, the time limit, the process ending): the feedback carries no hidden input.
    hidden = [m for text in feedback.values()
              for m in re.findall(r"<td>([^<]*hidden test[^<]*)</td>", text)]
    assert len(hidden) == 8 and set(hidden) == {"a hidden test failed"}, hidden
    assert feedback["hidden_bits"].count("<td>a hidden test failed</td>") == 4
    assert "\\ud800" in feedback["leaks"]                 # the surrogate, escaped, not a crash


def test_other_students_grades_do_not_depend_on_the_cheats(batch, course, tmp_path):
    """Graded alone and one at a time, the honest students get byte-identical rows and feedback
    as in the batch with every cheat, graded two at a time."""
    alone = tmp_path / "submitted"
    build_batch(course, alone, HONEST, tmp_path / "graded")
    done = run([sys.executable, "-m", "grader", str(course / "source" / "forward"),
                str(alone), "--out", str(tmp_path / "graded"), "--timeout", str(TIMEOUT),
                "--jobs", "1"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    by_themselves = read_csv(tmp_path / "graded" / "grades.csv")
    with_cheats = read_csv(batch["out"] / "grades.csv")
    for s in HONEST:
        assert by_themselves[s] == with_cheats[s]
        a = (tmp_path / "graded" / "feedback" / f"{s}.html").read_text()
        assert a == (batch["out"] / "feedback" / f"{s}.html").read_text()


# -- the pieces ------------------------------------------------------------------------------------

def test_answers_cross_as_plain_data_only():
    value = {"a": (1, 2.5, float("nan"), None, "x"), "b": [np.arange(6).reshape(2, 3),
                                                           np.float32(1.5), np.array([True])]}
    back = decode(json.loads(json.dumps(encode(value))))
    assert back["a"][:2] == (1, 2.5) and np.isnan(back["a"][2]) and back["a"][3:] == (None, "x")
    assert back["b"][0].dtype == np.int64 and back["b"][0].shape == (2, 3)
    assert back["b"][1].dtype == np.float64 and back["b"][2].dtype == np.bool_

    class Sub(np.ndarray):
        def __eq__(self, other):
            return True
    sub = encode(np.zeros(3).view(Sub))
    assert type(decode(sub)) is np.ndarray                   # values only, the class is gone

    class Liar(float):
        def __eq__(self, other):
            return True
    for bad in [Liar(1.0), object(), np.array([object()]), {1: 2}, "x" * 20000,
                np.array([1 + 2j]), lambda: 1]:
        with pytest.raises(NotPlainData):
            encode(bad)
    for forged in [{"__array__": "|O", "shape": [1], "data": ""},
                   {"__array__": "<f8", "shape": [3], "data": "AAAA"}, {"x": 1},
                   {"__array__": "<f8", "shape": [2**62] * 100_000, "data": ""},
                   {"__array__": "<f8", "shape": [2**40, 2**40], "data": ""},
                   {"__array__": "<f8", "shape": [-1], "data": ""},
                   {"__array__": "<f8", "shape": [1.5], "data": ""}]:
        start = time.monotonic()
        with pytest.raises(ValueError):
            decode(forged)
        assert time.monotonic() - start < 1.0          # a refusal, not a computation


def test_test_cells_fetch_only_the_names_they_do_not_define():
    cell = ("from bpcore.exercises import assert_close\nimport numpy as np\nz = np.ones(3)\n"
            "assert_close(f(z), g(z))\n[h(i) for i in range(3)]\ndef k(x):\n    return m(x)\n")
    assert free_names(cell) == ["f", "g", "h", "m"]


def test_clear_errors_for_the_instructor(tmp_path, monkeypatch):
    with pytest.raises(GradingError, match="does not exist"):
        load_assignment(tmp_path / "nope.ipynb")
    with pytest.raises(GradingError, match="expected one .ipynb"):
        load_assignment(tmp_path)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(GradingError, match="apt-get install -y bubblewrap"):
        check_bwrap()
    monkeypatch.undo()
    done = run([sys.executable, "-m", "grader", str(COURSE / "source" / "forward"),
                str(tmp_path / "missing")], cwd=tmp_path)
    assert done.returncode == 2 and "one folder per student" in done.stderr
    # nbgrader's student version drops the hidden lines: without them a test must still be
    # Python (the grader runs that part first).
    source = read_notebook(COURSE / "source" / "forward" / "forward.ipynb")
    test = next(c for c in source["cells"] if cell_id(c) == "test_sigmoid")
    test["source"] = ("if True:\n### BEGIN HIDDEN TESTS\n    assert sigmoid(0) == 0.5\n"
                      "### END HIDDEN TESTS\n")
    (tmp_path / "hidden_only").mkdir()
    (tmp_path / "hidden_only" / "forward.ipynb").write_text(json.dumps(source))
    with pytest.raises(GradingError, match="test_sigmoid without its hidden tests is not valid"):
        load_assignment(tmp_path / "hidden_only")
    # The sandbox must never show the course: refuse an output folder inside a mounted one.
    with pytest.raises(GradingError, match="inside it"):
        sandbox_command("bwrap", ["bpcore"], Limits(), [Path(sys.prefix) / "graded"])


def test_a_hidden_test_stays_hidden_even_through_a_visible_helper():
    source = ("def check(x):\n    assert x == 1, f'expected 1 for {x}'\n"
              "check(1)\n### BEGIN HIDDEN TESTS\ncheck(2)\n### END HIDDEN TESTS\n")
    q = Question("q", 1.0, source, hidden_lines(source, "q"))
    with pytest.raises(AssertionError) as failed:
        exec(compile(source, "<test q>", "exec"), {})
    assert explain(failed.value, q, {}) == "a hidden test failed"
    visible = source.replace("check(1)", "check(3)")
    with pytest.raises(AssertionError) as failed:
        exec(compile(visible, "<test q>", "exec"), {})
    assert "expected 1 for 3" in explain(failed.value, q, {})


def test_unreadable_notebooks_get_zero_and_a_reason(tmp_path):
    assignment = load_assignment(COURSE / "source" / "forward")
    for text in ['{"cells": [1, 2]}', "not json", "[]", '{"cells": [{"cell_type": "code"}]}']:
        path = tmp_path / "forward.ipynb"
        path.write_text(text)
        g = grade_submission(assignment, "s", path, ["false"], Limits())
        assert g.total == 0 and len(g.results) == 4
        if text.startswith('{"cells": [{'):        # a notebook, but no sandbox (`false`)
            assert "ended" in g.results[0].message
        else:
            assert "could not be read as a notebook" in g.notes[0]


def test_a_submission_must_be_a_regular_file_in_the_submissions_folder(tmp_path):
    """A link to the instructor's notebook, or a FIFO that would block the grader forever."""
    root = tmp_path / "submitted"
    (root / "s" / "forward").mkdir(parents=True)
    link = root / "s" / "forward" / "forward.ipynb"
    link.symlink_to(COURSE / "source" / "forward" / "forward.ipynb")
    with pytest.raises(ValueError, match="outside the submissions folder"):
        read_cells(link, root)
    # A student folder whose assignment folder links to another student's: not theirs.
    (root / "copycat").mkdir()
    (root / "copycat" / "forward").symlink_to(root / "s" / "forward")
    link.unlink()
    shutil.copy(COURSE / "source" / "forward" / "forward.ipynb", link)
    assert read_cells(link, root)
    with pytest.raises(ValueError, match="is a link"):
        read_cells(root / "copycat" / "forward" / "forward.ipynb", root)
    link.unlink()
    os.mkfifo(link)
    start = time.monotonic()
    with pytest.raises(ValueError, match="not a regular file"):
        read_cells(link, root)
    assert time.monotonic() - start < 5


PROBE = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def probe():
    out = {}
    for name, nr in [("ptrace", 101), ("keyctl", 250), ("mincore", 27), ("unshare", 272),
                     ("mount", 165), ("process_vm_readv", 310), ("sync", 162)]:
        ctypes.set_errno(0)
        out[name] = ctypes.get_errno() if libc.syscall(nr, 0, 0, 0, 0, 0) == -1 else 0
    out["caps"] = open("/proc/self/status").read().split("CapEff:")[1].split()[0]
    return out
"""


def test_the_sandbox_has_no_privileges_and_no_dangerous_system_calls():
    """uid 0 in the sandbox is the host's uid 0: no capabilities, and the system calls that
    would reach past the sandbox (ptrace of its pid 1, root's kernel keyrings, the page cache,
    mounts, namespaces) fail with EPERM. PTRACE_TRACEME would succeed if ptrace were allowed."""
    import errno
    limits = Limits(seconds=30)
    box = Sandbox(sandbox_command(check_bwrap(), (), limits, []), limits)
    try:
        assert box.request({"op": "run", "cells": [PROBE]})["errors"] == []
        reply = box.request({"op": "call", "name": "probe", "args": []})
    finally:
        box.close()
    found = decode(reply["value"])
    assert found.pop("caps") == "0000000000000000"
    assert found == {name: errno.EPERM for name in found}, found


# -- the package and its command -------------------------------------------------------------------

def test_the_command_explains_itself():
    done = run([sys.executable, "-m", "grader", "--help"], cwd=ROOT)
    assert done.returncode == 0, done.stderr
    for word in ("python -m grader", "SOURCE", "SUBMISSIONS", "--out", "--timeout", "--memory",
                 "bubblewrap", "grades.csv", "example:",
                 "python -m grader assignments/source/forward assignments/submitted"):
        assert word in done.stdout, word


def test_the_grader_imports_nothing_of_bpcore():
    """The grader is its own package: bpcore is only what some assignments let submissions see."""
    modules = sorted(p.stem for p in (ROOT / "grader").glob("*.py"))
    assert {"__init__", "__main__", "batch", "notebook", "protocol", "question", "report",
            "runner", "sandbox"} <= set(modules)
    for name in modules:
        tree = ast.parse((ROOT / "grader" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "bpcore" for a in node.names), name
            elif isinstance(node, ast.ImportFrom):
                assert node.level or node.module.split(".")[0] != "bpcore", name
    imports = "; ".join(f"import grader.{m}" for m in modules if m not in ("__init__", "runner"))
    code = (f"import sys; {imports}; print(sorted(m for m in sys.modules "
            f"if m.split('.')[0] == 'bpcore'))")
    done = run([sys.executable, "-c", code], cwd=ROOT / "assignments")
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr


def test_the_notebook_metadata_names_the_packages_the_sandbox_shows(tmp_path):
    allowed = {a: load_assignment(COURSE / "source" / a).allow for a in ASSIGNMENTS}
    assert allowed == {"backward": (), "forward": (), "training": ("bpcore",)}
    bpcore_dir = str(ROOT / "bpcore")
    shown = sandbox_command("bwrap", ["bpcore"], Limits(), [])
    assert shown[shown.index(bpcore_dir) - 1: shown.index(bpcore_dir) + 2] == [
        "--ro-bind", bpcore_dir, bpcore_dir]
    assert not any(bpcore_dir in arg for arg in sandbox_command("bwrap", [], Limits(), []))
    with pytest.raises(GradingError, match="not installed"):
        sandbox_command("bwrap", ["no_such_package_here"], Limits(), [])
    source = read_notebook(COURSE / "source" / "forward" / "forward.ipynb")
    for bad in [{"allow": "bpcore"}, {"allow": ["bpcore.exercises"]}, {"allowed": ["bpcore"]},
                ["bpcore"], {"allow": [1]}]:
        source["metadata"]["grader"] = bad
        (tmp_path / "forward.ipynb").write_text(json.dumps(source))
        with pytest.raises(GradingError, match='"grader"'):
            load_assignment(tmp_path)


def test_a_course_package_inside_a_view_is_hidden_unless_allowed(monkeypatch):
    """Installed into the venv (not as a link to the source tree, as here), a course package
    would be in the sandbox's view of the venv: it is covered by an empty folder."""
    numpy_dir = str(Path(np.__file__).resolve().parent)
    monkeypatch.setattr("grader.sandbox.course_packages", lambda: {"numpy"})
    hidden = sandbox_command("bwrap", [], Limits(), [])
    assert hidden[hidden.index(numpy_dir) - 1] == "--tmpfs"
    assert numpy_dir not in sandbox_command("bwrap", ["numpy"], Limits(), [])


def test_packages_are_found_where_the_sandbox_would_import_them(tmp_path, monkeypatch):
    """A copy of a package that only the grader's own process can import (its current folder,
    as with ``python -m grader`` from a source checkout over a regular install) is not where
    the sandbox's isolated Python imports from: the grader must look where the sandbox looks."""
    import importlib.util

    from grader import sandbox
    (tmp_path / "only_here").mkdir()
    (tmp_path / "only_here" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert importlib.util.find_spec("only_here") is not None       # the grader's process sees it
    assert sandbox.package_locations("only_here") is None           # the sandbox's Python does not
    assert sandbox.package_locations("json") == (Path(json.__file__).resolve().parent,)


def test_the_grader_refuses_to_guess_what_to_hide(monkeypatch):
    """Not installed, the grader cannot tell the course's packages: it stops, it never grades
    with them in view."""
    from grader import GradingError, sandbox
    monkeypatch.setattr(sandbox.importlib.metadata, "packages_distributions", lambda: {})
    with pytest.raises(GradingError, match="cannot tell which course packages to hide"):
        sandbox.course_packages()

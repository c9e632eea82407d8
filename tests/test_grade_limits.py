"""The grader against submissions that try to exhaust the machine, and the pieces that stop them:
a cgroup per sandbox (:mod:`grader.cgroup`), read-only or bounded mounts, and reaping
(:mod:`grader.reaper`).

Every fork bomb and flood here runs inside a cgroup that the test makes first (a process limit
and a memory limit, see :class:`Bounded`), with the grader moved into it before it starts, and
removed afterwards even when a test fails: never unbounded on a shared machine. Without root
and the cgroup v1 pids and memory hierarchies, those tests are skipped.
"""
import errno
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import cgroup
from grader.sandbox import Limits, Sandbox, check_bwrap, sandbox_command

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parent.parent
ABUSE = Path(__file__).resolve().parent / "fixtures" / "abuse"
ATTACKS = ["fork_bomb", "memfd_flood", "root_flood", "tmp_flood"]
MEMORY_MB = 256            # --memory per question in these tests
GRADER_MB = 512            # at most what the grader's own processes use, at their peak
ROOM_MB = 1536             # the test's cgroup: MEMORY_MB + ROOM_MB (it is never reached)
MB = 1 << 20
V1 = Path("/sys/fs/cgroup")


# -- a cgroup made by the test ---------------------------------------------------------------------

class Bounded:
    """A cgroup v1 pids + memory pair made by the test, for the commands it runs."""

    def __init__(self, pids: int, memory_mb: int):
        if os.geteuid() != 0 or not all((V1 / c / "cgroup.procs").exists()
                                        for c in ("pids", "memory")):
            pytest.skip("needs root and the cgroup v1 pids and memory hierarchies, to bound "
                        "the abuse")
        name = f"bptest-{os.getpid()}-{secrets.token_hex(4)}"
        self.pids, self.memory = V1 / "pids" / name, V1 / "memory" / name
        self.pids.mkdir()
        self.memory.mkdir()
        (self.pids / "pids.max").write_text(str(pids))
        (self.memory / "memory.limit_in_bytes").write_text(str(memory_mb * MB))
        if (self.memory / "memory.memsw.limit_in_bytes").exists():
            (self.memory / "memory.memsw.limit_in_bytes").write_text(str(memory_mb * MB))

    def wrap(self, command: list) -> list:
        """``command``, moved into the cgroup before it starts."""
        join = (f'echo $$ > {self.pids}/cgroup.procs && echo $$ > {self.memory}/cgroup.procs '
                f'&& exec "$@"')
        return ["sh", "-c", join, "sh", *command]

    def value(self, folder: Path, name: str) -> str:
        return (folder / name).read_text().strip()

    def members(self) -> set:
        found = set()
        for top in (self.pids, self.memory):
            for d in [top, *[p for p in top.rglob("*") if p.is_dir()]]:
                try:
                    found |= set((d / "cgroup.procs").read_text().split())
                except OSError:
                    pass
        return found

    def children(self) -> list:
        return sorted(str(p) for top in (self.pids, self.memory) for p in top.rglob("*")
                      if p.is_dir())

    def remove(self) -> None:
        """Kill everything left in the cgroup and its children, and remove them all."""
        for top in (self.pids, self.memory):
            if (top / "pids.max").exists():
                (top / "pids.max").write_text("0")
        deadline = time.monotonic() + 60
        while self.members() and time.monotonic() < deadline:
            for pid in self.members():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        for top in (self.memory, self.pids):
            for d in sorted((p for p in top.rglob("*") if p.is_dir()),
                            key=lambda p: -len(p.parts)):
                d.rmdir()
            top.rmdir()


@pytest.fixture
def bounded():
    made = []

    def make(pids=400, memory_mb=MEMORY_MB + ROOM_MB):
        made.append(Bounded(pids, memory_mb))
        return made[-1]
    yield make
    for b in made:
        b.remove()


def run_bounded(box: Bounded, command: list, **kw):
    return subprocess.run(box.wrap(command), capture_output=True, text=True, cwd=ROOT, **kw)


# -- a small assignment --------------------------------------------------------------------------

def _cell(source, **nbgrader):
    meta = {"nbgrader": nbgrader} if nbgrader else {}
    return {"cell_type": "code", "metadata": meta, "execution_count": None, "outputs": [],
            "source": source}


def _notebook(cells):
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def make_assignment(folder: Path, questions: int = 2) -> Path:
    """assignments/source/add/add.ipynb: ``add`` to write, ``questions`` tests of a point."""
    source = folder / "source" / "add"
    source.mkdir(parents=True)
    cells = [_cell("def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n"
                   "    ### END SOLUTION\n", solution=True, grade=False, grade_id="add",
                   locked=False)]
    for i in range(questions):
        test = (f"assert add(1, {i}) == {1 + i}\n### BEGIN HIDDEN TESTS\n"
                f"assert add(7, {i}) == {7 + i}\n### END HIDDEN TESTS\n")
        cells.append(_cell(test, grade=True, solution=False, grade_id=f"test_{i}", points=1,
                           locked=True))
    (source / "add.ipynb").write_text(json.dumps(_notebook(cells)))
    return source


HONEST = {"honest_right": "def add(a, b):\n    return a + b\n",
          "honest_wrong": "def add(a, b):\n    return a + b if a < 5 else 0\n"}


def submit(submitted: Path, student: str, sources: list) -> None:
    folder = submitted / student / "add"
    folder.mkdir(parents=True)
    (folder / "add.ipynb").write_text(json.dumps(_notebook([_cell(s) for s in sources])))


def grade(box: Bounded, source: Path, submitted: Path, out: Path, *options):
    return run_bounded(box, [sys.executable, "-m", "grader", str(source), str(submitted),
                             "--out", str(out), "--memory", str(MEMORY_MB), *options],
                       timeout=900)


def outputs(out: Path, students) -> dict:
    rows = {line.split(",")[0]: line for line in (out / "grades.csv").read_text().splitlines()}
    return {s: (rows[s], (out / "feedback" / f"{s}.html").read_bytes()) for s in students}


# -- the batch -------------------------------------------------------------------------------------

def test_attackers_change_nothing_for_the_students_after_them(tmp_path, bounded):
    """A fork bomb and floods of /, /tmp, /dev/shm and memfds, graded first in a batch: the
    honest students after them get byte for byte what they get alone, the batch never came
    near the limits of the cgroup it ran in, and nothing of it is left afterwards."""
    source = make_assignment(tmp_path)
    together, alone = tmp_path / "together", tmp_path / "alone"
    for attack in ATTACKS:
        submit(together, f"abuse_{attack}", [(ABUSE / f"{attack}.py").read_text()])
    for student, code in HONEST.items():
        submit(together, student, [code])
        submit(alone, student, [code])
    box = bounded()
    done = grade(box, source, together, tmp_path / "out_together", "--timeout", "6",
                 "--cell-timeout", "3", "--jobs", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    # Nothing left: no process, no cgroup of the grader's, no pid held by a zombie.
    assert not box.members() and box.children() == []
    # (A task is uncharged when its parent reaps it: allow the kernel a moment, not more.)
    for _ in range(50):
        if box.value(box.pids, "pids.current") == "0":
            break
        time.sleep(0.1)
    assert box.value(box.pids, "pids.current") == "0"
    # The sandboxes' own limits held: the test's cgroup never reached its own.
    assert box.value(box.pids, "pids.events") == "max 0"
    assert box.value(box.memory, "memory.failcnt") == "0"
    peak = int(box.value(box.memory, "memory.max_usage_in_bytes"))
    assert peak < (MEMORY_MB + GRADER_MB) * MB, peak / MB
    first = bounded()
    done = grade(first, source, alone, tmp_path / "out_alone", "--timeout", "6",
                 "--cell-timeout", "3", "--jobs", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert outputs(tmp_path / "out_together", HONEST) == outputs(tmp_path / "out_alone", HONEST)
    rows = outputs(tmp_path / "out_together", HONEST)
    assert rows["honest_right"][0].split(",")[2:5] == ["1", "1", "2"]
    assert rows["honest_wrong"][0].split(",")[2:5] == ["0", "0", "0"]
    graded = (tmp_path / "out_together" / "grades.csv").read_text()
    assert all(f"abuse_{a}," in graded for a in ATTACKS)


# -- inside one sandbox ----------------------------------------------------------------------------

PROBE = """
import json, sys
from grader import sandbox
from grader.protocol import decode
from grader.sandbox import Limits, Sandbox, SubmissionFailed, check_bwrap, sandbox_command
fixture, memory, options = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if options != "all":
    sandbox.bwrap_options = lambda bwrap: frozenset(o for o in options.split(",") if o)
limits = Limits(seconds=60, memory_mb=memory, file_mb=16, cell_seconds=50)
box = Sandbox(sandbox_command(check_bwrap(), (), limits, []), limits)
try:
    ran = box.request({"op": "run", "cells": [open(fixture).read()]})
    reply = box.request({"op": "call", "name": "report", "args": []})
    out = {"report": decode(reply["value"]), "errors": ran["errors"]}
except SubmissionFailed as e:
    out = {"failed": str(e)}
finally:
    box.close()
print(json.dumps(out))
"""


#: An honest add() after a cell of real work: about 0.8 s of one core alone.
BUSY = ("import numpy as np\nrng = np.random.default_rng(0)\n"
        "for _ in range(160):\n    np.linalg.eigvals(rng.normal(size=(120, 120)))\n")


def test_a_cpu_hog_does_not_starve_the_students_graded_beside_it(tmp_path, bounded):
    """Each sandbox gets at most one core where the cpu controller is there: 50 spinning
    processes in new sessions, graded beside honest students (--jobs 2), leave them a core, so
    their cells finish well within their time limit and they get what they get alone."""
    if not (V1 / "cpu" / "cgroup.procs").exists():
        pytest.skip("needs the cgroup v1 cpu hierarchy")
    box = cgroup.new_box(8, 64 * MB)
    try:
        quota = [d for d in box.dirs if (d / "cpu.cfs_quota_us").exists()]
        assert len(quota) == 1
        assert (quota[0] / "cpu.cfs_quota_us").read_text().strip() == str(cgroup.CPU_PERIOD)
    finally:
        box.close()
    source = make_assignment(tmp_path, questions=3)
    submit(tmp_path / "submitted", "a_hog", [(ABUSE / "cpu_hog.py").read_text()])
    for student in ["b1", "b2", "b3"]:
        submit(tmp_path / "submitted", student, [BUSY, HONEST["honest_right"]])
    done = grade(bounded(), source, tmp_path / "submitted", tmp_path / "out", "--timeout", "30",
                 "--cell-timeout", "6", "--jobs", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    rows = outputs(tmp_path / "out", ["b1", "b2", "b3"])
    for student, (row, feedback) in rows.items():
        assert row.split(",")[2:6] == ["1", "1", "1", "3"], (row, feedback)
        assert b"did not finish" not in feedback


def probe(box: Bounded, attack: str, options: str = "all") -> dict:
    done = run_bounded(box, [sys.executable, "-c", PROBE, str(ABUSE / f"{attack}.py"),
                             str(MEMORY_MB), options], timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_only_tmp_and_dev_shm_are_writable_and_both_are_bounded(bounded):
    box = bounded()
    written = probe(box, "root_flood")["report"]
    assert set(written) == {"/", "/etc", "/run", "/run/grader", "/dev", "/proc/sys"}
    for folder, (size, error) in written.items():
        assert size == 0 and error == "Read-only file system", (folder, size, error)
    written = probe(box, "tmp_flood")["report"]
    assert 0 < written["/tmp"][0] <= 4 * 16 * MB and written["/tmp"][1] == "No space left on device"
    assert 0 < written["/dev/shm"][0] <= 16 * MB
    assert box.value(box.memory, "memory.failcnt") == "0"
    assert not box.members() and box.children() == []


@pytest.mark.parametrize("attack", ["tmp_flood", "memfd_flood"])
def test_memory_outside_the_address_space_is_bounded_by_the_cgroup(bounded, attack):
    """Without --size (as an older bubblewrap), /tmp is bounded by the sandbox's memory cgroup
    alone; memfds always are. The flood ends by an error or by the OOM killer, never above
    the sandbox's memory limit, and the test's own cgroup is never reached."""
    box = bounded()
    found = probe(box, attack, options="--remount-ro")
    if "report" in found:
        assert all(size <= MEMORY_MB * MB for size, _ in found["report"].values()), found
    else:
        assert "killed" in found["failed"], found
    assert box.value(box.memory, "memory.failcnt") == "0"
    assert int(box.value(box.memory, "memory.max_usage_in_bytes")) < (MEMORY_MB + GRADER_MB) * MB


def test_the_sandbox_is_remounted_read_only_after_everything_is_mounted(monkeypatch):
    from grader import sandbox
    args = sandbox_command(check_bwrap(), (), Limits(file_mb=8), [])
    remounts = [args[i + 1] for i, a in enumerate(args) if a == "--remount-ro"]
    assert remounts[:3] == ["/", "/dev", "/proc/sys"]
    mounting = {"--tmpfs", "--ro-bind", "--bind", "--dev", "--proc", "--symlink", "--dir"}
    last_mount = max(i for i, a in enumerate(args) if a in mounting)
    assert args.index("--remount-ro") > last_mount
    assert args[args.index("/tmp") - 3: args.index("/tmp")] == ["--size", str(32 * MB), "--tmpfs"]
    monkeypatch.setattr(sandbox, "bwrap_options", lambda bwrap: frozenset())
    bare = sandbox_command(check_bwrap(), (), Limits(), [])
    assert "--size" not in bare and "--remount-ro" not in bare and "/tmp" in bare


# -- the cgroup module -----------------------------------------------------------------------------

V2_FILES = ["cgroup.procs", "cgroup.kill", "cgroup.controllers", "cgroup.subtree_control",
            "pids.max", "pids.current", "memory.max", "memory.swap.max"]


@pytest.fixture
def fake_v2(tmp_path, monkeypatch):
    """A cgroup v2 tree in tmp_path: this process in /work/me, pids and memory available."""
    root = tmp_path / "cgroup"

    def make(path):
        os.mkdir(path)
        for name in V2_FILES:
            (Path(path) / name).write_text("0\n" if name == "pids.current" else "")
    make(root)
    (root / "cgroup.controllers").write_text("cpu io memory pids\n")
    make(root / "work")
    make(root / "work" / "me")
    (root / "work" / "me" / "cgroup.controllers").write_text("memory pids\n")
    (tmp_path / "self").write_text("0::/work/me\n")
    writes = []
    real_write = cgroup._write

    def write(path, value):
        writes.append((str(Path(path).relative_to(root)), str(value)))
        real_write(path, value)
    monkeypatch.setattr(cgroup, "ROOT", root)
    monkeypatch.setattr(cgroup, "SELF", tmp_path / "self")
    monkeypatch.setattr(cgroup, "_make", make)
    monkeypatch.setattr(cgroup, "_remove", shutil.rmtree)
    monkeypatch.setattr(cgroup, "_write", write)
    monkeypatch.setattr(cgroup, "_state", cgroup._State())
    return root, writes


def test_cgroup_v2_limits_each_sandbox_under_a_parent_of_its_own(fake_v2):
    root, writes = fake_v2
    me = root / "work" / "me"
    assert cgroup.check() is None
    (parent,) = me.glob(f"grader-{os.getpid()}-*")
    assert ("work/me/cgroup.subtree_control", "+pids +memory") in writes
    assert (parent / "cgroup.subtree_control").read_text() == "+pids +memory"
    box = cgroup.new_box(64, 256 * MB)
    assert box.dirs == [parent / "q1"]
    assert [(f, (parent / "q1" / f).read_text()) for f in ("pids.max", "memory.max",
                                                           "memory.swap.max")] == [
        ("pids.max", "64"), ("memory.max", str(256 * MB)), ("memory.swap.max", "0")]
    assert not (parent / "q1" / "memory.limit_in_bytes").exists()
    box.join()
    assert (parent / "q1" / "cgroup.procs").read_text() == str(os.getpid())
    (parent / "q1" / "cgroup.procs").write_text("")        # as if the kernel had killed it
    box.close()
    rel = str((parent / "q1").relative_to(root))
    assert (f"{rel}/cgroup.kill", "1") in writes and not (parent / "q1").exists()
    assert cgroup.new_box(64, MB).dirs == [parent / "q2"]      # names never repeat
    cgroup.cleanup()
    assert not parent.exists()
    cgroup.cleanup()                                           # already gone: fine
    found = cgroup.own_cgroups("9:name=systemd:/\n8:pids:/a\n4:memory:/b\n2:cpu,cpuacct:/\n0::/d")
    assert (found["pids"], found["memory"], found[""]) == ("/a", "/b", "/d")
    assert found["mount:cpuacct"] == "cpu,cpuacct" and "name=systemd" not in found


def test_cgroup_v2_that_cannot_delegate_falls_back_and_warns(fake_v2, monkeypatch):
    root, writes = fake_v2
    write = cgroup._write

    def busy(path, value):          # as the kernel answers for a v2 cgroup holding processes
        if Path(path) == root / "work" / "me" / "cgroup.subtree_control":
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))
        write(path, value)
    monkeypatch.setattr(cgroup, "_write", busy)
    warning = cgroup.check()
    assert warning is not None and warning.count(". ") == 0
    for words in ("fork bomb", "/dev/shm", "memfd", "cannot enable pids and memory"):
        assert words in warning, words
    assert cgroup.new_box(64, MB).dirs == []


def test_without_cgroups_the_grader_warns_and_grades_with_rlimits_only(tmp_path, monkeypatch):
    monkeypatch.setattr(cgroup, "ROOT", tmp_path)             # nothing mounted there
    monkeypatch.setattr(cgroup, "_state", cgroup._State())
    warning = cgroup.check()
    assert warning.startswith("warning: ") and "fork bomb" in warning
    limits = Limits(seconds=30)
    box = Sandbox(sandbox_command(check_bwrap(), (), limits, []), limits)
    try:
        assert box.box.dirs == []
        assert box.request({"op": "run", "cells": ["def f():\n    return 2\n"]})["errors"] == []
        assert box.request({"op": "call", "name": "f", "args": []})["op"] == "value"
    finally:
        box.close()
    init = box.child_pid
    assert init > 0 and not Path(f"/proc/{init}").exists()    # killed and reaped


# -- PID 1 -----------------------------------------------------------------------------------------

INIT = """
import os, sys, time
from grader.reaper import run_as_init

def main(argv):
    for _ in range(20):
        if os.fork() == 0:
            if os.fork() == 0:
                os._exit(0)
            os._exit(0)             # its child is orphaned, handed to PID 1
    for _ in range(20):
        os.wait()
    if argv[1] == "sleep":
        print("ready", flush=True)
        time.sleep(120)
    def state(pid):
        try:                      # a process reaped meanwhile is gone from /proc: not a zombie
            return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return ""
    deadline = time.monotonic() + float(argv[2])
    while time.monotonic() < deadline:
        zombies = [p for p in os.listdir("/proc") if p.isdigit() and state(p) == "Z"]
        if not zombies:
            return int(argv[0])
        time.sleep(0.05)
    return 99

if sys.argv[1] == "init":
    sys.exit(run_as_init(main, sys.argv[2:]))
sys.exit(main(sys.argv[2:]))
"""


def _unshare():
    if not shutil.which("unshare") or os.geteuid() != 0:
        pytest.skip("needs unshare(1) and root")
    return ["unshare", "--pid", "--fork", "--mount-proc"]


def test_run_as_init_reaps_orphans_and_returns_the_status():
    command = _unshare() + [sys.executable, "-c", INIT]
    done = subprocess.run(command + ["init", "7", "check", "20"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 7, done.stderr
    # The same main as PID 1 itself leaves the orphans as zombies: the check sees them.
    done = subprocess.run(command + ["plain", "7", "check", "2"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 99, done.stderr


def test_run_as_init_passes_sigterm_on():
    proc = subprocess.Popen(_unshare() + [sys.executable, "-c", INIT, "init", "0", "sleep", "1"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        os.kill(int(children[0]), signal.SIGTERM)          # the namespace's PID 1
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_the_grader_as_pid_1_leaves_no_zombie_per_question(tmp_path, bounded):
    """As a container's PID 1 the grader is handed each sandbox's orphaned pid 1: unreaped, one
    zombie per question would exhaust a pids limit lower than the number of questions."""
    questions = 16
    source = make_assignment(tmp_path, questions)
    for student, code in HONEST.items():
        submit(tmp_path / "submitted", student, [code])
    box = bounded(pids=12)
    done = run_bounded(box, _unshare() + [
        sys.executable, "-m", "grader", str(source), str(tmp_path / "submitted"), "--out",
        str(tmp_path / "out"), "--memory", str(MEMORY_MB), "--jobs", "1"], timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = outputs(tmp_path / "out", HONEST)
    total = rows["honest_right"][0].split(",")[2 + questions]
    assert total == str(questions), rows["honest_right"][0]
    assert not box.members() and box.children() == []

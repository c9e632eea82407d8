"""One cgroup per sandbox: a process limit, and a memory limit that counts everything.

The rlimits of :mod:`grader.sandbox` are per process: a fork bomb is bounded only by the host,
and memory written to a tmpfs, /dev/shm or a memfd is not address space. A cgroup counts the
processes (``pids.max``) and all the memory (``memory.max`` and no swap on cgroup v2;
``memory.limit_in_bytes`` and ``memory.memsw.limit_in_bytes`` on v1) of everything in it.

Each grader process makes a parent cgroup of its own, ``grader-<pid>-<random>``, inside the
cgroup it runs in (read from /proc/self/cgroup: whoever runs the grader inside a cgroup of their
own bounds all of it), and one ``q<n>`` under it per sandbox. cgroup v2 is used where the
grader's cgroup can give its children the pids and memory controllers, else the v1 pids and
memory hierarchies; where neither works (not root, nothing writable, controllers missing), no
cgroup is made and :func:`check` says what is then not defended.

Closing a sandbox's cgroup kills every process in it and waits until none is left (zombies
included: they still hold their pid), then removes it. The parent goes when the process exits.
"""
from __future__ import annotations

import atexit
import itertools
import multiprocessing.util
import os
import resource
import secrets
import signal
import time
from pathlib import Path

from . import GradingError
from .reaper import reap, reap_bwrap_orphans

#: Where the cgroup hierarchies are mounted; /proc/self/cgroup says where this process is.
ROOT = Path("/sys/fs/cgroup")
SELF = Path("/proc/self/cgroup")
#: How long :meth:`Box.close` waits for the killed processes to be gone.
KILL_SECONDS = 60.0
_NEEDED = ("pids", "memory")
#: Each sandbox gets at most one core (a quota of one period per period, in microseconds), where
#: the cpu controller is there: with several jobs, a submission that spins many processes
#: cannot starve the sandboxes graded beside it.
CPU_PERIOD = 100_000
#: Making and removing a cgroup (a folder of the cgroup file system); replaced in tests.
_make, _remove = os.mkdir, os.rmdir


def _write(path: Path, value) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(str(value))


def own_cgroups(text: str) -> dict:
    """Where a process is, from the text of its /proc/<pid>/cgroup.

    Takes the text; returns {controller: path} for cgroup v1 (a hierarchy of several
    controllers gives each of them, plus ``"mount:<controller>"``: the hierarchy's folder
    name, such as ``cpu,cpuacct``) and {"": path} for cgroup v2. Raises nothing."""
    found = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            found[""] = path
        for c in controllers.split(","):
            if c and not c.startswith("name="):
                found[c] = path
                found[f"mount:{c}"] = controllers
    return found


class Box:
    """One sandbox's cgroup: a folder in each hierarchy used (one for v2, pids and memory for
    v1; none where no cgroup can be made)."""

    def __init__(self, dirs: list):
        self.dirs = [Path(d) for d in dirs]

    def join(self) -> None:
        """Put the calling process into the cgroup (run by the sandbox's process before it
        execs bwrap). Takes nothing; returns None. Raises OSError when the kernel refuses."""
        for d in self.dirs:
            _write(d / "cgroup.procs", os.getpid())

    def members(self) -> set:
        """The pids of the living processes in the cgroup (gone folders count as empty)."""
        found = set()
        for d in self.dirs:
            try:
                found |= {int(p) for p in (d / "cgroup.procs").read_text(encoding="utf-8").split()}
            except FileNotFoundError:
                pass
        return found

    def _counted(self) -> int:
        """pids.current: living processes and zombies not yet reaped (0 without the file)."""
        for d in self.dirs:
            try:
                return int((d / "pids.current").read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                continue
        return 0

    def kill(self) -> None:
        """Stop new processes and SIGKILL every process in the cgroup, once.

        v2 with ``cgroup.kill``: the kernel kills them all. Otherwise ``pids.max`` becomes 0
        (no new fork) and each member gets SIGKILL through a pidfd opened while it was still
        listed, so a recycled pid is never signalled. Takes nothing; raises nothing."""
        for d in self.dirs:
            for name, value in (("cgroup.kill", 1), ("pids.max", 0)):
                if (d / name).exists():
                    try:
                        _write(d / name, value)
                    except OSError:
                        pass
        listed = self.members()
        handles = {}
        for pid in listed:
            try:
                handles[pid] = os.pidfd_open(pid)
            except (OSError, AttributeError):
                pass
        still = self.members()
        for pid, fd in handles.items():
            try:
                if pid in still:
                    signal.pidfd_send_signal(fd, signal.SIGKILL)
            except OSError:
                pass
            finally:
                os.close(fd)

    def close(self, seconds: float | None = None, orphan: int = 0) -> None:
        """Kill everything in the cgroup, wait until it is empty, and remove it.

        Takes the longest wait (default ``KILL_SECONDS``) and the pid of a process that may be
        this process's orphaned child (the sandbox's pid 1; reaped here when there is no
        cgroup). Returns None once no process of the cgroup is left, not even a zombie, and
        its folders are gone. Raises GradingError when that does not happen in time (a zombie
        whose parent never reaps it, a process that cannot die): the next sandbox could not be
        trusted to start on a clean machine."""
        if not self.dirs:
            if orphan > 0:
                reap(orphan)
            return
        deadline = time.monotonic() + (KILL_SECONDS if seconds is None else seconds)
        pause = 0.001
        while True:
            self.kill()
            reap_bwrap_orphans(orphan)
            if not self.members() and self._counted() == 0:
                try:
                    for d in self.dirs:
                        if d.exists():
                            _remove(d)
                    return
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise GradingError(f"the processes of a sandbox did not end within "
                                   f"{KILL_SECONDS:g} s of SIGKILL (cgroup {self.dirs[0]}: pids "
                                   f"{sorted(self.members())}, {self._counted()} counted); is a "
                                   f"zombie waiting for a parent that never reaps it?")
            time.sleep(pause)
            pause = min(2 * pause, 0.1)


class _Unusable(Exception):
    """No cgroup can be made here; the message says why."""


def _v2_parent(name: str) -> tuple:
    """Make the per-process parent on cgroup v2: [its folder]."""
    root = ROOT if (ROOT / "cgroup.controllers").exists() else ROOT / "unified"
    path = own_cgroups(SELF.read_text(encoding="utf-8")).get("")
    if path is None or not (root / "cgroup.controllers").exists():
        raise _Unusable("no cgroup v2")
    own = root / path.lstrip("/")
    listed = lambda name: set((own / name).read_text(encoding="utf-8").split())
    if not set(_NEEDED) <= listed("cgroup.controllers"):
        raise _Unusable(f"cgroup v2 does not give {own} the pids and memory controllers")
    if not set(_NEEDED) <= listed("cgroup.subtree_control"):
        try:
            _write(own / "cgroup.subtree_control", "+pids +memory")
        except OSError as e:
            raise _Unusable(f"cannot enable pids and memory for the cgroups under {own} "
                            f"({e.strerror}; a cgroup v2 that holds processes cannot)") from None
    cpu = "cpu" in listed("cgroup.controllers")      # a CPU share too, where it is given
    if cpu and "cpu" not in listed("cgroup.subtree_control"):
        try:
            _write(own / "cgroup.subtree_control", "+cpu")
        except OSError:
            cpu = False
    parent = own / name
    _make(parent)
    try:
        _write(parent / "cgroup.subtree_control", "+pids +memory" + (" +cpu" if cpu else ""))
    except OSError as e:
        _remove(parent)
        raise _Unusable(f"cannot enable pids and memory in {parent}: {e.strerror}") from None
    return [parent]


def _v1_parent(name: str) -> tuple:
    """Make the per-process parent in the v1 pids and memory hierarchies: [its folders]."""
    own, made = own_cgroups(SELF.read_text(encoding="utf-8")), []
    try:
        for c in _NEEDED:
            if c not in own:
                raise _Unusable(f"no cgroup v1 {c} hierarchy")
            top = ROOT / own[f"mount:{c}"]
            top = top if top.is_dir() else ROOT / c
            here = top / own[c].lstrip("/")
            if not (top / "cgroup.procs").exists() or not here.is_dir():
                raise _Unusable(f"the cgroup v1 {c} hierarchy is not at {top}")
            _make(here / name)
            made.append(here / name)
            wanted = "pids.max" if c == "pids" else "memory.limit_in_bytes"
            if not (here / name / wanted).exists():
                raise _Unusable(f"{here / name} has no {wanted}")
    except (_Unusable, OSError):
        for d in reversed(made):
            _remove(d)
        raise
    if "cpu" in own:                     # a CPU share too, where the cpu hierarchy is there
        top = ROOT / own["mount:cpu"]
        here = (top if top.is_dir() else ROOT / "cpu") / own["cpu"].lstrip("/")
        try:
            if (here / "cpu.cfs_quota_us").exists():
                _make(here / name)
                made.append(here / name)
        except OSError:
            pass
    return made


class _State:
    """This process's parent cgroup (made on first use, again in a forked child)."""

    def __init__(self):
        self.pid, self.dirs, self.why = None, [], None
        self.counter = itertools.count(1)


_state = _State()
#: Set in a worker process of the batch (:func:`nest_under`): its parent is made inside the
#: batch's own, so that the batch removes it even if the worker is killed.
_nest: list = []


def nest_under(dirs: list) -> None:
    """Make this process's parent cgroup inside ``dirs`` (the batch process's parent folders,
    from :func:`parent_dirs`), not beside it. Run by each worker of the batch's pool before
    it grades. Takes the folders; returns None. Raises nothing."""
    _nest[:] = [Path(d) for d in dirs]


def parent_dirs() -> list:
    """This process's parent cgroup folders as strings (made if needed; [] where no cgroup
    can be made), for the workers' :func:`nest_under`. Raises nothing."""
    return [str(d) for d in _parent()]


def _nested_parent(name: str) -> list:
    """Make the per-process parent inside the batch's folders (:data:`_nest`)."""
    made = []
    try:
        for d in _nest:
            _make(d / name)
            made.append(d / name)
    except OSError:
        for d in reversed(made):
            _remove(d)
        raise
    return made


def _parent() -> list:
    """The per-process parent folders, made on first use; [] when no cgroup can be made here
    (``_state.why`` says why)."""
    if _state.pid == os.getpid():
        return _state.dirs
    _state.__init__()
    _state.pid = os.getpid()
    name = f"grader-{os.getpid()}-{secrets.token_hex(4)}"
    errors = []
    for make in ((_nested_parent,) if _nest else (_v2_parent, _v1_parent)):
        try:
            _state.dirs = make(name)
            break
        except _Unusable as e:
            errors.append(str(e))
        except OSError as e:
            errors.append(f"{e.filename}: {e.strerror}")
    else:
        _state.why = "; ".join(errors)
        return []
    atexit.register(cleanup)
    multiprocessing.util.Finalize(None, cleanup, exitpriority=10)  # pool workers skip atexit
    return _state.dirs


def new_box(pids: int, memory_bytes: int):
    """A fresh cgroup for one sandbox, limits set, under this process's parent.

    Takes the most tasks (processes and threads) and the most memory in bytes (tmpfs, shared
    memory and memfd included, no swap); where the cpu controller is there, the sandbox also
    gets at most one core. Returns the Box; one without folders when no cgroup
    can be made here (:func:`check` warns about that). Raises GradingError when cgroups work
    here but this one cannot be made or limited: the sandbox does not start without them."""
    parents = _parent()
    if parents and not all(p.is_dir() for p in parents):    # removed by someone else: again
        _state.pid = None
        parents = _parent()
    if not parents:
        return Box([])
    name = f"q{next(_state.counter)}"
    box = Box([p / name for p in parents])
    try:
        for d in box.dirs:
            _make(d)
            for f, value in (("pids.max", pids), ("memory.max", memory_bytes),
                             ("memory.swap.max", 0), ("memory.limit_in_bytes", memory_bytes),
                             ("memory.memsw.limit_in_bytes", memory_bytes),
                             ("cpu.max", f"{CPU_PERIOD} {CPU_PERIOD}"),
                             ("cpu.cfs_period_us", CPU_PERIOD),
                             ("cpu.cfs_quota_us", CPU_PERIOD)):
                if (d / f).exists():
                    _write(d / f, value)
    except OSError as e:
        try:
            box.close(seconds=5)
        except GradingError:
            pass
        raise GradingError(f"could not make the sandbox's cgroup {box.dirs[0]}: "
                           f"{e.strerror}") from None
    return box


def preexec(box: Box, memory_bytes: int, cpu_seconds: int, file_bytes: int):
    """The function a sandbox's process runs before it execs bwrap (Popen's ``preexec_fn``).

    Takes the sandbox's Box and the per-process limits: address space, CPU seconds, largest
    file. Returns a function of no argument that sets those rlimits and no core dump, then
    puts the process into the box's cgroup, so nothing of the sandbox runs outside it; that
    function raises OSError when the kernel refuses (Popen then raises SubprocessError)."""
    def limit():
        for which, value in ((resource.RLIMIT_AS, memory_bytes),
                             (resource.RLIMIT_CPU, cpu_seconds),
                             (resource.RLIMIT_FSIZE, file_bytes), (resource.RLIMIT_CORE, 0),
                             (resource.RLIMIT_NOFILE, 1024)):
            resource.setrlimit(which, (value, value))
        box.join()
    return limit


def check():
    """Whether each sandbox gets its own cgroup here.

    Takes nothing. Returns None when it does (the per-process parent is made, to be sure),
    else one warning sentence: what is then not defended, and why. Raises nothing."""
    if _parent():
        return None
    return (f"warning: the grader cannot make a cgroup per sandbox here ({_state.why}), so "
            f"each submission is bounded only by its per-process rlimits: a fork bomb is "
            f"stopped only by the time limit and the host's process limits, and memory "
            f"written to /tmp, /dev/shm or a memfd is not counted (only their tmpfs sizes "
            f"bound the first two); run the grader as root with cgroup v1 pids and memory "
            f"hierarchies, or in a cgroup v2 whose subtree has the pids and memory controllers")


def _close_tree(folders: list) -> None:
    """Close (kill, wait, remove) every cgroup below ``folders`` (the same place in each
    hierarchy), deepest first, then ``folders`` themselves; what will not go is left."""
    below = set()
    for top in folders:
        try:
            below |= {p.relative_to(top) for p in top.rglob("*") if p.is_dir()}
        except OSError:
            pass
    for rel in sorted(below, key=lambda r: len(r.parts), reverse=True) + [Path(".")]:
        try:
            Box([top / rel for top in folders]).close(seconds=5)
        except (GradingError, OSError):
            pass


def sweep() -> None:
    """Kill and remove what killed workers left: each ``grader-<pid>-*`` folder inside this
    process's parent whose process is gone (its sandbox no longer has anyone to end it).
    Takes nothing; returns None; raises nothing."""
    if _state.pid != os.getpid() or not _state.dirs:
        return
    try:
        names = {p.name for p in _state.dirs[0].iterdir() if p.name.startswith("grader-")}
    except OSError:
        return
    for name in names:
        try:
            os.kill(int(name.split("-")[1]), 0)
            continue                                     # alive: its own to clean
        except (ProcessLookupError, ValueError):
            pass
        except PermissionError:
            continue
        _close_tree([d / name for d in _state.dirs])


def cleanup() -> None:
    """Remove this process's parent cgroup (killing any sandbox left in it).

    Run at exit (atexit, and multiprocessing's finalizers in pool workers). Takes nothing;
    returns None; tolerates the cgroup being gone already, and raises nothing."""
    if _state.pid != os.getpid() or not _state.dirs:
        return
    _close_tree(_state.dirs)                 # sandboxes left, and killed workers' folders
    _state.dirs = []

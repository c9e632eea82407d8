"""The sandbox: one bubblewrap process per question, with no privileges and nothing private in view.

The process sees, read-only, the system (/usr, the few files of /etc that Python needs), Python
and the packages installed with it, and the extra packages the assignment allows; not the
instructor's folders, not the submissions, not the output. The course's own packages (those
installed together with the grader) are hidden unless the assignment allows them. Its root, /dev
and /proc/sys are read-only; it gets a throw-away /tmp and /dev/shm of bounded size, a time
limit, per-process rlimits (address space, CPU, file size), a cgroup of its own where one can
be made (:mod:`grader.cgroup`: a process limit and a memory limit that counts tmpfs and memfd),
no network, its own user namespace with every capability dropped, and a seccomp filter against
the system calls that would reach past the sandbox. When the question is done or its time is
up, the process and anything it started are killed, and the grader waits until they are gone.
"""
from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import GradingError, cgroup
from .protocol import MAX_CONTAINERS, MAX_ITEMS, MAX_MESSAGE, frame
from .reaper import adopt_orphans, reap_bwrap_orphans
from .seccomp import seccomp_program

MB = 1024 * 1024

HERE = Path(__file__).resolve().parent


class SubmissionFailed(Exception):
    """The submission's process timed out, crashed or broke the protocol."""


class CellTimeLimit(SubmissionFailed):
    """One request (one cell of the submission) took longer than its own limit, which ended
    before the question's."""


@dataclass
class Limits:
    """Per question: wall-clock seconds, memory and largest file written; per cell of the
    submission: wall-clock seconds (within the question's); per question, where a cgroup can be
    made: the most tasks (processes and threads) at once."""

    seconds: float = 30.0
    memory_mb: int = 2048
    file_mb: int = 64
    cell_seconds: float = 10.0
    pids: int = 64


#: Namespaces, and no privileges: the grader may run as root, and root inside the sandbox with
#: its capabilities could remount the read-only views writable. A user namespace of its own,
#: every capability dropped, and no user namespace inside it.
_ISOLATION = ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
#: The few files of /etc that Python and numpy need (never all of it: /etc/shadow is there).
_ETC = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
        "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/fonts"]
#: The environment bwrap starts with (the sandbox can read it in /proc/1/environ).
_ENV = {"PATH": "/usr/bin:/bin"}


def check_bwrap() -> str:
    """The path of a bubblewrap that can make a sandbox here.

    Takes nothing; returns the ``bwrap`` executable's path after a trial run. Raises
    GradingError when bubblewrap is not installed or cannot make a sandbox (as a user without
    unprivileged user namespaces)."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise GradingError("bubblewrap is not installed; the grader runs every submission in "
                           "it. Install it: apt-get install -y bubblewrap")
    adopt_orphans()                  # the probe's pid 1 is handed here when bwrap ends: reap it
    probe = subprocess.run([bwrap, "--ro-bind", "/", "/", *_ISOLATION, "--die-with-parent",
                            "true"], capture_output=True, encoding="utf-8", errors="replace",
                           env=_ENV)
    reap_bwrap_orphans()
    if probe.returncode != 0:
        raise GradingError(f"bubblewrap cannot make a sandbox here ({probe.stderr.strip()}). "
                           f"It works as root; as a user it needs unprivileged user namespaces "
                           f"(sysctl kernel.unprivileged_userns_clone=1).")
    return bwrap


@functools.lru_cache(maxsize=None)
def bwrap_options(bwrap: str) -> frozenset:
    """The options of ours that this bubblewrap knows: takes the bwrap path; returns those of
    ``--size`` and ``--remount-ro`` that its ``--help`` lists (none if it fails). Raises nothing."""
    try:
        text = subprocess.run([bwrap, "--help"], capture_output=True, encoding="utf-8",
                              errors="replace", env=_ENV,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(o for o in ("--size", "--remount-ro") if o in text.split())


# -- what the sandbox sees -----------------------------------------------------------------------

#: Run by the sandbox's own interpreter (isolated, empty environment): where it would import
#: each name from, as {name: [locations] or [] (built in) or None (not found)}.
_WHERE = """
import importlib.util, json, sys
out = {}
for name in sys.argv[1:]:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        out[name] = None
    elif spec.submodule_search_locations:
        out[name] = list(spec.submodule_search_locations)
    else:
        out[name] = [spec.origin] if spec.has_location and spec.origin else []
print(json.dumps(out))
"""


@functools.lru_cache(maxsize=None)               # asked once per name in a batch
def package_locations(name: str) -> tuple | None:
    """Where the sandbox's Python would import the top-level package or module ``name`` from.

    Asked of the same interpreter, isolated (``-I``: no current folder, no PYTHONPATH) and with
    an empty environment, as the sandbox runs it, so that what the grader mounts or hides is
    what a submission would import (the grader's own process may see other copies, such as a
    source folder it was started from). Imports nothing. Returns the resolved folders of a
    package (several for a namespace package), the file of a single-file module, () for a
    module built into Python, and None when nothing of that name is found. Raises GradingError
    when the interpreter cannot be asked."""
    try:
        done = subprocess.run([sys.executable, "-I", "-c", _WHERE, name], env={},
                              capture_output=True, encoding="utf-8", errors="replace",
                              timeout=60, check=True)
        found = json.loads(done.stdout)[name]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as e:
        raise GradingError(f"could not ask {sys.executable} where {name!r} is installed: "
                           f"{type(e).__name__}") from None
    return None if found is None else tuple(Path(p).resolve() for p in found)


def course_packages() -> set:
    """The top-level packages installed together with the grader (by the same distribution).

    Read from the installed metadata, importing none of them. Takes nothing; returns their names.
    Raises GradingError when the grader's distribution is not installed: it could not tell which
    of the course's packages to hide from submissions, and does not grade blind."""
    owners = importlib.metadata.packages_distributions()
    ours = set(owners.get(__name__.split(".")[0], []))
    if not ours:
        raise GradingError("the grader is not installed (pip install -e . in the course's "
                           "repository), so it cannot tell which course packages to hide "
                           "from submissions")
    return {name for name, dists in owners.items() if ours & set(dists)}


def _system_mounts() -> tuple:
    """(folders of the system and of Python to show read-only, --symlink arguments)."""
    mounts = [Path("/usr")] + [Path(p) for p in _ETC if os.path.exists(p)]
    mounts += [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
               Path(sys.executable).resolve().parent]
    links = []
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            links += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            mounts.append(Path(top))
    # A linked folder on the way to Python (a .venv that is a link): the same link in the
    # sandbox, so that Python runs by the same path and finds its venv (and the course packages
    # hidden in it stay hidden: the link leads to the one view of the folder).
    for path in (Path(sys.prefix), Path(sys.executable).parent):
        step = Path("/")
        for part in path.parts[1:]:
            step = step / part
            if step.is_symlink() and str(step) not in links:
                links += ["--symlink", str(step.resolve()), str(step)]
                break
    return mounts, links


def _allowed_mounts(allow) -> list:
    """The locations of the packages the assignment allows; GradingError for an unknown one."""
    mounts = []
    for name in allow:
        found = package_locations(name)
        if found is None:
            raise GradingError(f"assignment: the notebook allows the package {name!r}, which "
                               f"is not installed for {sys.executable}")
        mounts += found
    return mounts


def _outermost(mounts: list) -> list:
    """The mounts that are not inside another one (a later mount would cover an earlier one)."""
    kept = []
    for m in sorted(set(mounts), key=lambda p: len(p.parts)):
        if not any(m.is_relative_to(k) for k in kept):
            kept.append(m)
    return kept


def sandbox_command(bwrap: str, allow, limits: Limits, private: list) -> list:
    """The bwrap command line that runs :mod:`grader.runner` in a fresh sandbox.

    Takes the bwrap path, the names of the extra packages the assignment allows, the limits and
    the ``private`` folders (instructor's and output). Returns the argument list: a read-only
    view of the system, of Python and of the allowed packages, the course's other packages
    hidden, nothing else of the host's files. Raises GradingError when a private folder would be
    in view, or an allowed package is not installed. Every writable mount is bounded: /tmp and
    /dev/shm have a size (when this bwrap has ``--size``; the cgroup's memory limit counts them
    anyway), and /, /dev, /proc/sys and the covers of hidden packages are remounted read-only
    once everything is mounted (when this bwrap has ``--remount-ro``)."""
    # /tmp first: a later mount covers an earlier one, and Python may live under /tmp. The
    # sandbox's /dev/shm is small, and /proc/sys (host-wide settings such as core_pattern,
    # writable by a uid 0 process) is an empty, read-only folder.
    options = bwrap_options(bwrap)
    size = lambda mb: ["--size", str(mb * MB)] if "--size" in options else []
    args = [bwrap, *size(limits.file_mb * 4), "--tmpfs", "/tmp", "--dev", "/dev",
            *size(16), "--tmpfs", "/dev/shm", "--proc", "/proc", "--tmpfs", "/proc/sys"]
    read_only = ["/", "/dev", "/proc/sys"]
    mounts, links = _system_mounts()
    args += links
    kept = _outermost(mounts + _allowed_mounts(allow))
    for m in kept:
        for p in private:
            if Path(p).resolve().is_relative_to(m):
                raise GradingError(f"the sandbox shows {m} to submissions, and {p} is inside it: "
                                   f"move the course or the output folder elsewhere")
        args += ["--ro-bind", str(m), str(m)]
    for name in sorted(course_packages() - set(allow)):
        for folder in package_locations(name) or []:    # installed inside a view: hide it
            if folder.is_dir() and any(folder.is_relative_to(k) for k in kept):
                args += ["--tmpfs", str(folder)]
                read_only.append(str(folder))
    args += ["--ro-bind", str(HERE / "protocol.py"), "/run/grader/protocol.py",
             "--ro-bind", str(HERE / "runner.py"), "/run/grader/runner.py"]
    if "--remount-ro" in options:          # last: the mounts above needed their mount points
        for folder in read_only:
            args += ["--remount-ro", folder]
    args += ["--chdir", "/tmp",
             *_ISOLATION, "--die-with-parent", "--new-session",
             "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
             "--setenv", "MPLBACKEND", "Agg", "--setenv", "MPLCONFIGDIR", "/tmp",
             "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1",
             "--setenv", "PYTHONHASHSEED", "0",
             sys.executable, "-I", "-B", "/run/grader/runner.py"]
    return args


# -- one sandboxed process -------------------------------------------------------------------------

def _start(command: list, limits: Limits, box) -> tuple:
    """Start bwrap; (the process, the read end of bwrap's --info-fd report).

    The seccomp filter and bwrap's report of the sandbox's pid 1 go through pipes; bwrap itself
    gets an empty environment (the sandbox can read its /proc/1/environ), the rlimits, and the
    sandbox's cgroup before it execs (:func:`grader.cgroup.preexec`)."""
    command = list(command)
    program, keep = seccomp_program(), []
    if program is not None:
        seccomp_read, seccomp_write = os.pipe()
        os.write(seccomp_write, program)            # a few hundred bytes: fits the pipe
        os.close(seccomp_write)
        command[1:1] = ["--seccomp", str(seccomp_read)]
        keep.append(seccomp_read)
    info_read, info_write = os.pipe()
    command[1:1] = ["--info-fd", str(info_write)]
    keep.append(info_write)
    limit = cgroup.preexec(box, limits.memory_mb * MB, int(limits.seconds) + 2,
                           limits.file_mb * MB)
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, preexec_fn=limit,
                                start_new_session=True, env=_ENV, pass_fds=keep)
    except subprocess.SubprocessError as e:             # the preexec function failed
        raise GradingError(f"could not limit the sandbox or put it in its cgroup: {e}") from None
    finally:
        for fd in keep:
            os.close(fd)
    return proc, os.fdopen(info_read, "rb")


class Sandbox:
    """One sandboxed process running one submission, for one question.

    Takes the command of :func:`sandbox_command` and the limits; the process starts at once, in
    a new cgroup where one can be made, and the time limit runs from then. Raises OSError when
    the command cannot be started, GradingError when its cgroup cannot be made or joined."""

    def __init__(self, command: list, limits: Limits):
        self.deadline = time.monotonic() + limits.seconds
        self.limits = limits
        adopt_orphans()                      # the sandbox's pid 1 is reaped here, see close()
        self.box = cgroup.new_box(limits.pids, limits.memory_mb * MB)
        try:
            self.proc, self.info = _start(command, limits, self.box)
        except BaseException:
            self.box.close()
            raise
        self.child_pid = None
        self.buffer = b""
        for f in (self.proc.stdin, self.proc.stdout):
            os.set_blocking(f.fileno(), False)

    def _remaining(self, until: float) -> float:
        left = until - time.monotonic()
        if left <= 0:
            if until < self.deadline:
                raise CellTimeLimit(f"time limit: the cell did not finish within "
                                    f"{self.limits.cell_seconds:g} s")
            raise SubmissionFailed(f"time limit: your notebook did not finish within "
                                   f"{self.limits.seconds:g} s")
        return left

    def _ended(self) -> SubmissionFailed:
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code > 128 and code - 128 in signal.valid_signals():
            code = 128 - code             # bwrap's pid 1 ends so when the runner is killed
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            why = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed",
                   "SIGSEGV": "crashed"}.get(name, name)
            return SubmissionFailed(f"your notebook's process ended ({why}, {name})")
        return SubmissionFailed(f"your notebook's process ended (exit code {code}): "
                                f"sys.exit or os._exit in your code?")

    def request(self, message: dict, seconds: float | None = None) -> dict:
        """Send one message to the runner and wait for its reply.

        Takes a JSON-ready message (see :mod:`grader.protocol`) and, for a request with a
        limit of its own (one cell), its seconds. Returns the reply, parsed but not yet
        decoded. Raises CellTimeLimit when the request's own limit is reached first,
        SubmissionFailed when the question's time limit is reached, the process ended, the
        reply is larger than ``MAX_MESSAGE`` or is not JSON."""
        until = self.deadline
        if seconds is not None:
            until = min(until, time.monotonic() + seconds)
        data = frame(message)
        fd = self.proc.stdin.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_WRITE)
            while data:
                if not sel.select(self._remaining(until)):
                    continue
                try:
                    data = data[os.write(fd, data):]
                except BrokenPipeError:
                    raise self._ended() from None
        return self._read(until)

    def _read(self, until: float) -> dict:
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                if len(self.buffer) > MAX_MESSAGE:
                    raise SubmissionFailed("your notebook sent more than 32 MB in one answer")
                if not sel.select(self._remaining(until)):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise self._ended()
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        # Parsed here, outside the sandbox's limits: 32 MB of "[[], [], ...]" would be 1.2 GB
        # of Python lists in the grader. An answer's arrays travel as base64 text, so a real
        # one has few lists, dicts and items; more is refused before parsing.
        if (line.count(b"[") + line.count(b"{") > MAX_CONTAINERS
                or line.count(b",") > MAX_ITEMS):
            raise SubmissionFailed(f"your notebook sent an answer of more than {MAX_ITEMS} "
                                   f"items or {MAX_CONTAINERS} lists and dicts; return arrays")
        try:
            return json.loads(line)
        except ValueError:
            raise SubmissionFailed("your notebook garbled the grader's channel") from None

    def _namespace_init(self):
        """The pid (as the grader sees it) of the sandbox's pid 1, from bwrap's --info-fd."""
        if self.child_pid is None:
            try:
                os.set_blocking(self.info.fileno(), False)
                data = self.info.read() or b""
                self.child_pid = int(json.loads(data.decode() or "{}").get("child-pid", 0))
            except (OSError, ValueError):
                self.child_pid = 0
        return self.child_pid

    def close(self) -> None:
        """Kill the sandbox: its pid 1 first (the kernel then kills every process of the PID
        namespace, whatever they did to their parent-death signal), then bwrap's session, then
        everything left in its cgroup. Takes nothing; returns once every process of the
        sandbox has ended and been reaped (its pid 1 too, if orphaned to this process) and its
        cgroup is removed. Raises GradingError when the cgroup does not empty."""
        init = self._namespace_init()
        if init > 0 and self.proc.poll() is None:          # alive: its pid is still its own
            try:
                os.kill(init, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.box.kill()
        self.proc.wait()
        try:
            self.box.close(orphan=init)
        finally:
            for f in (self.proc.stdin, self.proc.stdout, self.info):
                try:
                    f.close()
                except OSError:
                    pass

"""Grade a folder of submitted notebooks, each one isolated: ``python -m bpcore.grade``.

    python -m bpcore.grade assignments/source/forward assignments/submitted

The first argument is the instructor's assignment (the nbgrader *source* folder, with solutions
and hidden tests); the second holds one folder per student in nbgrader's layout,
``<student>/<assignment>/<notebook>.ipynb``. Written to ``--out`` (default
``graded/<assignment>`` beside the submissions): ``grades.csv`` (points per test cell, total)
and ``feedback/<student>.html``, which shows visible test failures in full and hidden ones only
as "a hidden test failed".

How a submission is graded, and why it cannot grade itself:

* Each autograder test cell of the *source* notebook is one question worth its nbgrader points.
  For every question, the submission's code cells (test cells excepted) run in a fresh process
  inside a bubblewrap sandbox: no network, no view of the instructor's folders or of the other
  submissions (only the system, Python, numpy and, if the assignment allows it, bpcore are
  mounted, read-only), a throw-away /tmp, a time limit, a memory limit and a file-size limit,
  and no privileges even when the grader runs as root (its own user namespace, every
  capability dropped).
  The process, and anything it started, is killed when the question is done or its time is up.
* The test cell itself runs here, in the grader's own process, with the grader's own numpy and
  helpers. The names it needs from the submission are looked up in the sandbox: a function
  becomes a stub that sends its arguments over and gets the result back as plain data (numbers
  and arrays rebuilt here, see :mod:`bpcore.grade_runner`); a variable comes back as plain data.
  So a submission that patches numpy, redefines the test helpers, returns an object that equals
  everything or prints a fake score changes nothing the grader computes.
* A question fails on any exception in its test cell (an assertion, a wrong answer, the
  submission's function raising, timing out or crashing). Whatever one submission does, the
  batch goes on and every other submission is graded exactly as if it were alone.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import csv
import hashlib
import html
import json
import os
import re
import resource
import selectors
import shutil
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import grade_runner
from .grade_runner import MAX_MESSAGE, NotPlainData, decode, encode

HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MAX_NOTEBOOK = 20 * 1024 * 1024


class GradingError(Exception):
    """The instructor's side is wrong (no sandbox, bad assignment, bad folder): stop."""


class SubmissionFailed(Exception):
    """The submission's process timed out, crashed or broke the protocol."""


class StudentCodeError(Exception):
    """A function of the submission raised, or returned something that is not plain data."""



def clean(text, limit: int = 500) -> str:
    """A string from the sandbox made safe to print and write: cut to ``limit`` characters, and
    anything that is not valid UTF-8 (lone surrogates) escaped."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + "..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


# -- the assignment ----------------------------------------------------------------------------

@dataclass
class Question:
    """One autograder test cell of the source notebook."""

    grade_id: str
    points: float
    source: str
    hidden: set = field(default_factory=set)      # line numbers (1-based) of hidden tests


@dataclass
class Assignment:
    """What the grader reads from the instructor's source notebook."""

    id: str
    notebook: str                 # file name of the notebook in each submission
    setup: list                   # read-only code cells, run in the grader before each test
    questions: list
    allow_bpcore: bool = False    # notebook metadata bpcore_grade.allow_bpcore

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)


def _cell_source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _is_test(cell) -> bool:
    nb = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nb.get("grade")) and not nb.get("solution")


def load_assignment(path) -> Assignment:
    """Read the source assignment: a folder with exactly one notebook, or the notebook itself."""
    path = Path(path)
    if path.is_dir():
        notebooks = sorted(p for p in path.glob("*.ipynb") if not p.name.startswith("."))
        if len(notebooks) != 1:
            raise GradingError(f"assignment: expected one .ipynb in {path}, found "
                               f"{[p.name for p in notebooks] or 'none'}")
        path = notebooks[0]
    if not path.is_file():
        raise GradingError(f"assignment: {path} does not exist; give the source folder, "
                           f"e.g. assignments/source/forward")
    nb = json.loads(path.read_text())
    setup, questions = [], []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        source = _cell_source(cell)
        if _is_test(cell):
            if not meta.get("grade_id") or "points" not in meta:
                raise GradingError(f"assignment: a test cell in {path.name} has no grade_id or "
                                   f"points:\n{source[:200]}")
            questions.append(Question(meta["grade_id"], float(meta["points"]), source,
                                      _hidden_lines(source, meta["grade_id"])))
        elif meta.get("grade") and meta.get("solution"):
            raise GradingError(f"assignment: cell {meta.get('grade_id')} is graded by hand; "
                               f"bpcore.grade grades autograder tests only")
        elif not meta.get("solution"):
            setup.append(source)
    if not questions:
        raise GradingError(f"assignment: {path.name} has no autograder test cells")
    settings = nb.get("metadata", {}).get("bpcore_grade", {})
    return Assignment(path.parent.name, path.name, setup, questions,
                      bool(settings.get("allow_bpcore", False)))


def _hidden_lines(source: str, grade_id: str) -> set:
    hidden, inside = set(), False
    for n, line in enumerate(source.splitlines(), start=1):
        if line.strip() == HIDDEN_BEGIN:
            inside = True
        if inside:
            hidden.add(n)
        if line.strip() == HIDDEN_END:
            if not inside:
                raise GradingError(f"assignment: {grade_id}: {HIDDEN_END} without a BEGIN")
            inside = False
    if inside:
        raise GradingError(f"assignment: {grade_id}: {HIDDEN_BEGIN} without an END")
    return hidden


def free_names(source: str) -> list:
    """Names a test cell reads but never binds itself: the ones to fetch from the submission."""
    tree = ast.parse(source)
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return sorted(loaded - bound - set(dir(builtins)))


# -- the sandbox -------------------------------------------------------------------------------

@dataclass
class Limits:
    """Per question: wall-clock seconds, memory (address space) and largest file written."""

    seconds: float = 30.0
    memory_mb: int = 2048
    file_mb: int = 64


#: Namespaces, and no privileges: the grader may run as root, and root inside the sandbox with
#: its capabilities could remount the read-only views writable. A user namespace of its own,
#: every capability dropped, and no user namespace inside it.
_ISOLATION = ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
#: The few files of /etc that Python and numpy need (never all of it: /etc/shadow is there).
_ETC = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
        "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/fonts"]
#: The environment bwrap starts with (the sandbox can read it in /proc/1/environ).
_ENV = {"PATH": "/usr/bin:/bin"}


#: System calls the sandbox may not make (x86_64 numbers). The process is uid 0 of the host even
#: without capabilities, so: no ptrace (it could free itself from the sandbox's pid 1), no
#: kernel keyrings (root's keyrings are shared with the host and outlive the sandbox), no
#: mincore/fadvise/readahead (a page-cache channel between two sandboxes), and nothing that
#: changes the machine (mount, modules, clock, swap, reboot).
_DENIED_SYSCALLS = {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438,
    "kcmp": 312, "keyctl": 250, "add_key": 248, "request_key": 249, "mincore": 27,
    "fadvise64": 221, "readahead": 187, "perf_event_open": 298, "bpf": 321,
    "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427, "personality": 135, "mount": 165, "umount2": 166,
    "pivot_root": 155, "unshare": 272, "setns": 308, "open_by_handle_at": 304,
    "name_to_handle_at": 303, "syslog": 103, "kexec_load": 246, "kexec_file_load": 320,
    "init_module": 175, "finit_module": 313, "delete_module": 176, "reboot": 169,
    "swapon": 167, "swapoff": 168, "acct": 163, "quotactl": 179, "fanotify_init": 300,
    "lookup_dcookie": 212, "vhangup": 153, "iopl": 172, "ioperm": 173, "clock_settime": 227,
    "settimeofday": 164, "adjtimex": 159, "clock_adjtime": 305, "sethostname": 170,
    "setdomainname": 171, "move_pages": 279, "migrate_pages": 256,
}


def seccomp_program() -> bytes | None:
    """A classic-BPF seccomp filter for ``bwrap --seccomp``: on x86_64, refuse the system calls
    of ``_DENIED_SYSCALLS`` (and the x32 ABI) with EPERM, kill any other architecture's calls,
    allow the rest. None on other machines, where the filter is not available."""
    import platform
    if platform.machine() != "x86_64":
        return None
    LD, JEQ, JGE, RET = 0x20, 0x15, 0x35, 0x06
    denied = sorted(set(_DENIED_SYSCALLS.values()))
    errno_at = 5 + len(denied) + 1
    prog = [(LD, 0, 0, 4),                                  # seccomp_data.arch
            (JEQ, 1, 0, 0xC000003E),                        # AUDIT_ARCH_X86_64
            (RET, 0, 0, 0x80000000),                        # SECCOMP_RET_KILL_PROCESS
            (LD, 0, 0, 0),                                  # seccomp_data.nr
            (JGE, errno_at - 4 - 1, 0, 0x40000000)]         # the x32 ABI
    for i, nr in enumerate(denied):
        prog.append((JEQ, errno_at - (5 + i) - 1, 0, nr))
    prog += [(RET, 0, 0, 0x7FFF0000),                       # SECCOMP_RET_ALLOW
             (RET, 0, 0, 0x00050000 | 1)]                   # SECCOMP_RET_ERRNO | EPERM
    return b"".join(struct.pack("<HBBI", *ins) for ins in prog)


def _check_bwrap() -> str:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise GradingError("bubblewrap is not installed; the grader runs every submission in "
                           "it. Install it: apt-get install -y bubblewrap")
    probe = subprocess.run([bwrap, "--ro-bind", "/", "/", *_ISOLATION, "--die-with-parent",
                            "true"], capture_output=True, text=True, env=_ENV)
    if probe.returncode != 0:
        raise GradingError(f"bubblewrap cannot make a sandbox here ({probe.stderr.strip()}). "
                           f"It works as root; as a user it needs unprivileged user namespaces "
                           f"(sysctl kernel.unprivileged_userns_clone=1).")
    return bwrap


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def sandbox_command(bwrap: str, allow_bpcore: bool, limits: Limits, private: list) -> list:
    """The bwrap command line: a read-only view of the system and of Python, nothing else of the
    host's files, and ``private`` (instructor and output folders) checked to be out of view."""
    mounts = [Path("/usr")] + [Path(p) for p in _ETC if os.path.exists(p)]
    mounts += [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
               Path(sys.executable).resolve().parent]
    # /tmp first: a later mount covers an earlier one, and Python may live under /tmp. The
    # sandbox's /dev/shm is small, and /proc/sys (host-wide settings such as core_pattern,
    # writable by a uid 0 process) is not there at all.
    args = [bwrap, "--size", str(limits.file_mb * 4 * 1024 * 1024), "--tmpfs", "/tmp",
            "--dev", "/dev", "--size", str(16 * 1024 * 1024), "--tmpfs", "/dev/shm",
            "--proc", "/proc", "--tmpfs", "/proc/sys"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            mounts.append(Path(top))
    package = _package_dir()
    if allow_bpcore:
        mounts.append(package)
    kept = []
    for m in sorted(set(mounts), key=lambda p: len(p.parts)):
        if not any(m.is_relative_to(k) for k in kept):
            kept.append(m)
    for m in kept:
        for p in private:
            if Path(p).resolve().is_relative_to(m):
                raise GradingError(f"the sandbox shows {m} to submissions, and {p} is inside it: "
                                   f"move the course or the output folder elsewhere")
        args += ["--ro-bind", str(m), str(m)]
    if not allow_bpcore and any(package.is_relative_to(k) for k in kept):
        args += ["--tmpfs", str(package)]        # an installed bpcore inside the venv: hide it
    args += ["--ro-bind", grade_runner.__file__, "/run/grade_runner.py", "--chdir", "/tmp",
             *_ISOLATION, "--die-with-parent", "--new-session",
             "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
             "--setenv", "MPLBACKEND", "Agg", "--setenv", "MPLCONFIGDIR", "/tmp",
             "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1",
             "--setenv", "PYTHONHASHSEED", "0",
             sys.executable, "-I", "-B", "/run/grade_runner.py"]
    return args


class Sandbox:
    """One sandboxed process running one submission, for one question."""

    def __init__(self, command: list, limits: Limits):
        self.deadline = time.monotonic() + limits.seconds
        self.limits = limits

        def set_limits():
            mem = limits.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
            cpu = int(limits.seconds) + 2
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
            size = limits.file_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        # The seccomp filter and bwrap's report of the sandbox's pid 1 go through pipes.
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
        # bwrap itself gets an empty environment: the sandbox can read its /proc/1/environ.
        try:
            self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL, preexec_fn=set_limits,
                                         start_new_session=True, env=_ENV, pass_fds=keep)
        finally:
            for fd in keep:
                os.close(fd)
        self.info = os.fdopen(info_read, "rb")
        self.child_pid = None
        self.buffer = b""
        for f in (self.proc.stdin, self.proc.stdout):
            os.set_blocking(f.fileno(), False)

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SubmissionFailed(f"time limit: your notebook did not finish within "
                                   f"{self.limits.seconds:g} s")
        return left

    def _ended(self) -> SubmissionFailed:
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            why = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed",
                   "SIGSEGV": "crashed"}.get(name, name)
            return SubmissionFailed(f"your notebook's process ended ({why}, {name})")
        return SubmissionFailed(f"your notebook's process ended (exit code {code}): "
                                f"sys.exit or os._exit in your code?")

    def request(self, message: dict) -> dict:
        data = json.dumps(message).encode() + b"\n"
        fd = self.proc.stdin.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_WRITE)
            while data:
                if not sel.select(self._remaining()):
                    continue
                try:
                    data = data[os.write(fd, data):]
                except BrokenPipeError:
                    raise self._ended() from None
        return self._read()

    def _read(self) -> dict:
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                if len(self.buffer) > MAX_MESSAGE:
                    raise SubmissionFailed("your notebook sent more than 32 MB in one answer")
                if not sel.select(self._remaining()):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise self._ended()
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
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
        namespace, whatever they did to their parent-death signal), then bwrap's session."""
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
        self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.info):
            try:
                f.close()
            except OSError:
                pass


# -- grading one question -------------------------------------------------------------------------

@dataclass
class Result:
    """The outcome of one question for one student."""

    grade_id: str
    points: float
    max_points: float
    passed: bool
    message: str = ""


def _remote_function(box: Sandbox, name: str):
    def remote(*args, **kwargs):
        if kwargs:
            raise TypeError("test cells call submitted functions with positional arguments")
        reply = box.request({"op": "call", "name": name, "args": encode(list(args))})
        if reply.get("op") == "value":
            try:
                return decode(reply.get("value"))
            except (ValueError, TypeError, KeyError) as e:
                raise StudentCodeError(f"`{name}` returned something the grader cannot read "
                                       f"({clean(e, 200)})") from None
        error = clean(reply.get("error", "unknown error"), 300)
        kind = error.split(":", 1)[0]
        if kind == "NotPlainData":
            raise StudentCodeError(f"`{name}` returned {error.split(':', 1)[1].strip()}; "
                                   f"return numbers or numpy arrays")
        raise StudentCodeError(f"your `{name}` raised {error}")
    remote.__name__ = name
    return remote


@contextlib.contextmanager
def _watchdog(seconds: float):
    """Stop the grader's own side of a test after ``seconds`` (the sandbox has its own limit):
    whatever data a submission sends, checking it cannot hold up the batch for long."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise SubmissionFailed(f"time limit: checking your answers took more than {seconds:g} s")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _run_test(question, namespace, box, cells, cell_errors, missing) -> None:
    """Run the submission's cells in ``box``, bind the names the test reads from it, and run
    the test cell here; an exception means the question failed. ``cell_errors`` and
    ``missing`` are filled in for the feedback."""
    ran = box.request({"op": "run", "cells": [source for _, source in cells]})
    cell_errors += [(cells[i][0], clean(msg)) for i, msg in ran.get("errors", [])[:50]
                    if type(i) is int and 0 <= i < len(cells)]
    wanted = [n for n in free_names(question.source) if n not in namespace]
    found = box.request({"op": "lookup", "names": wanted})["names"] if wanted else {}
    for name in wanted:
        info = found.get(name, {}) if isinstance(found, dict) else {}
        kind = info.get("kind")
        if kind == "function":
            namespace[name] = _remote_function(box, name)
        elif kind == "value":
            namespace[name] = decode(info.get("value"))
        elif kind == "unsupported":
            missing[name] = f"`{name}` in your notebook is not numbers or arrays"
        else:
            missing[name] = f"`{name}` is not defined in your notebook"
    exec(compile(question.source, f"<test {question.grade_id}>", "exec"), namespace)


def grade_question(question: Question, assignment: Assignment, cells: list, command: list,
                   limits: Limits) -> tuple:
    """(Result, errors of the submission's cells) for one question, in a fresh sandbox."""
    namespace = {"__name__": "__grader__"}
    for source in assignment.setup:                      # the instructor's read-only cells
        try:
            exec(compile(source, "<setup>", "exec"), namespace)
        except Exception as e:
            raise GradingError(f"assignment: a read-only cell of the source notebook raised "
                               f"{type(e).__name__}: {e}\n{source[:300]}") from e
    box = Sandbox(command, limits)
    cell_errors, missing = [], {}
    try:
        # The sandbox has its own limit; the watchdog bounds the grader's side (decoding what
        # the submission sent, the test's own checks), so no data can hold up the batch.
        with _watchdog(3 * limits.seconds + 30):
            _run_test(question, namespace, box, cells, cell_errors, missing)
    except BaseException as e:                            # a failed test: say why, carefully
        if isinstance(e, (KeyboardInterrupt, GradingError)):
            raise
        return Result(question.grade_id, 0.0, question.points, False,
                      clean(_explain(e, question, missing))), cell_errors
    finally:
        box.close()
    return Result(question.grade_id, question.points, question.points, True), cell_errors


def _test_lines(exc: BaseException, question: Question) -> list:
    """The test cell's line numbers on the traceback, outermost first."""
    name = f"<test {question.grade_id}>"
    return [lineno for frame, lineno in traceback.walk_tb(exc.__traceback__)
            if frame.f_code.co_filename == name]


def _explain(exc: BaseException, question: Question, missing: dict) -> str:
    """Why a question failed, for the student. A hidden test gets a fixed sentence: anything the
    submission controls (an exception's name or message, an exit code) could carry the hidden
    inputs out."""
    lines = _test_lines(exc, question)
    line = lines[-1] if lines else None
    # Hidden if any step of the way is a hidden line: a visible helper called from a hidden test
    # must not tell the hidden case either.
    if any(n in question.hidden for n in lines):
        if isinstance(exc, SubmissionFailed) and str(exc).startswith("time limit"):
            return "a hidden test failed: the time limit was reached"
        if isinstance(exc, SubmissionFailed):
            return "a hidden test failed: your notebook's process ended"
        return "a hidden test failed"
    if isinstance(exc, SubmissionFailed):
        return str(exc)
    if isinstance(exc, NameError) and getattr(exc, "name", None) in missing:
        return missing[exc.name]
    if isinstance(exc, StudentCodeError):
        return str(exc)
    where = ""
    if line is not None:
        where = f" at `{question.source.splitlines()[line - 1].strip()[:160]}`"
    text = str(exc)[:400]
    if isinstance(exc, AssertionError):
        return f"a test failed{where}" + (f": {text}" if text else "")
    return f"the test raised {type(exc).__name__}{where}: {text}"


# -- grading a submission and a batch -------------------------------------------------------------

@dataclass
class StudentGrade:
    student: str
    results: list
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(r.points for r in self.results)


def ungraded(assignment: Assignment, student: str, why: str, note: str) -> StudentGrade:
    """Zero on every question, with ``why`` in each row and ``note`` for the student."""
    return StudentGrade(student, [Result(q.grade_id, 0.0, q.points, False, why)
                                  for q in assignment.questions], [clean(note, 300)])


def read_cells(path: Path, root: Path | None = None) -> list:
    """(cell number, source) of the submission's code cells, its test cells left out. The file
    must be a regular file inside ``root`` (no symlink to the instructor's notebook, no FIFO
    that would block) and at most 20 MB."""
    if root is not None:
        if not path.resolve().is_relative_to(root.resolve()):
            raise ValueError("the notebook is a link to somewhere outside the submissions folder")
        step = root
        for part in path.relative_to(root).parts:        # a linked folder: someone else's work
            step = step / part
            if step.is_symlink():
                raise ValueError(f"{step.relative_to(root)} is a link, not a folder or file")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError("the notebook is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_NOTEBOOK + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_NOTEBOOK:
        raise ValueError(f"the notebook is larger than {MAX_NOTEBOOK // 2**20} MB")
    nb = json.loads(data.decode("utf-8"))
    cells = []
    for n, cell in enumerate(nb["cells"], start=1):
        if cell.get("cell_type") == "code" and not _is_test(cell):
            cells.append((n, _cell_source(cell)))
    return cells


def grade_submission(assignment: Assignment, student: str, notebook: Path, command: list,
                     limits: Limits, root: Path | None = None) -> StudentGrade:
    """Grade one student: every question in its own sandbox. Never raises for the student's
    sake: a missing or unreadable notebook gives zero points and says why."""
    start = time.monotonic()
    try:
        cells = read_cells(notebook, root)
    except FileNotFoundError:
        return ungraded(assignment, student, "no submission",
                        f"no {assignment.notebook} was submitted")
    except Exception as e:              # not JSON, not a notebook, unreadable: zero, and why
        return ungraded(assignment, student, "unreadable notebook",
                        f"{assignment.notebook} could not be read as a notebook: {e}")
    results, notes = [], []
    for q in assignment.questions:
        result, cell_errors = grade_question(q, assignment, cells, command, limits)
        results.append(result)
        for n, msg in cell_errors:
            note = f"cell {n} raised {msg}"
            if note not in notes:
                notes.append(note)
    return StudentGrade(student, results, notes, time.monotonic() - start)


_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


def find_submissions(submissions: Path, assignment: Assignment) -> list:
    """(student, notebook path) for every student folder, nbgrader's layout."""
    if not submissions.is_dir():
        raise GradingError(f"submissions: {submissions} is not a folder; expected one folder "
                           f"per student: <student>/{assignment.id}/{assignment.notebook}")
    found = []
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.is_symlink()):
        if not _SAFE.match(folder.name):
            raise GradingError(f"submissions: the student folder name {folder.name!r} is not "
                               f"a plain id (letters, digits, . _ @ + -)")
        found.append((folder.name, folder / assignment.id / assignment.notebook))
    return found


def grade_all(assignment_path, submissions, out=None, limits: Limits | None = None,
              log=sys.stderr) -> tuple:
    """Grade every submission, write grades.csv and the feedback; return (grades, out)."""
    assignment = load_assignment(assignment_path)
    submissions = Path(submissions).resolve()
    out = Path(out).resolve() if out else submissions.parent / "graded" / assignment.id
    limits = limits or Limits()
    source_dir = Path(assignment_path).resolve()
    source_dir = source_dir if source_dir.is_dir() else source_dir.parent
    command = sandbox_command(_check_bwrap(), assignment.allow_bpcore, limits,
                              [source_dir, submissions, out])
    students = find_submissions(submissions, assignment)
    grades = []
    for i, (student, notebook) in enumerate(students, start=1):
        print(f"[{i}/{len(students)}] {student} ...", end=" ", file=log, flush=True)
        try:
            g = grade_submission(assignment, student, notebook, command, limits, submissions)
        except GradingError:
            raise
        except Exception as e:          # a bug of the grader's: say so, and go on with the batch
            g = ungraded(assignment, student, "not graded",
                         f"the grader failed on this submission ({type(e).__name__}: {e}); "
                         f"ask your instructor to grade it again")
            print(f"GRADER ERROR for {student}: {e!r}", file=log, flush=True)
        grades.append(g)
        print(f"{g.total:g}/{assignment.max_points:g} points ({g.seconds:.1f} s)", file=log,
              flush=True)
    write_grades(out, assignment, grades)
    return grades, out


def write_grades(out: Path, assignment: Assignment, grades: list) -> None:
    """``grades.csv`` and ``feedback/<student>.html`` under ``out``."""
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
    """The student's feedback: points per test, why a test failed (hidden tests: only that one
    failed), and the errors raised by their own cells. No test code, no expected values."""
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


def tree_digest(folder) -> str:
    """A digest of every file's path and bytes under ``folder`` (to show nothing changed)."""
    h = hashlib.sha256()
    for p in sorted(Path(folder).rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bpcore.grade",
        description="Grade submitted notebooks, each in an isolated sandbox (bubblewrap).")
    parser.add_argument("assignment", help="the instructor's source folder of the assignment, "
                                           "e.g. assignments/source/forward")
    parser.add_argument("submissions", help="folder of <student>/<assignment>/<notebook>.ipynb, "
                                            "e.g. assignments/submitted")
    parser.add_argument("--out", help="where grades.csv and feedback/ go "
                                      "(default: graded/<assignment> beside the submissions)")
    parser.add_argument("--timeout", type=float, default=Limits.seconds,
                        help="seconds per question (default %(default)s)")
    parser.add_argument("--memory", type=int, default=Limits.memory_mb,
                        help="memory per question in MB (default %(default)s)")
    args = parser.parse_args(argv)
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

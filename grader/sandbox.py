"""The sandbox: one bubblewrap process per question, with no privileges and nothing private in view.

The process sees, read-only, the system (/usr, the few files of /etc that Python needs), Python
and the packages installed with it, and the extra packages the assignment allows; not the
instructor's folders, not the submissions, not the output. The course's own packages (those
installed together with the grader) are hidden unless the assignment allows them. It gets a
throw-away /tmp, a time limit, a memory limit and a file-size limit, no network, its own user
namespace with every capability dropped, and a seccomp filter against the system calls that
would reach past the sandbox. When the question is done or its time is up, the process and
anything it started are killed.
"""
from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import platform
import resource
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import GradingError
from .protocol import MAX_MESSAGE, frame

HERE = Path(__file__).resolve().parent


class SubmissionFailed(Exception):
    """The submission's process timed out, crashed or broke the protocol."""


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
    """A classic-BPF seccomp filter for ``bwrap --seccomp``.

    Takes nothing; returns, on x86_64, the filter's bytes: the system calls of
    ``_DENIED_SYSCALLS`` (and the x32 ABI) refused with EPERM, any other architecture's calls
    killed, the rest allowed. Returns None on other machines, where the filter is not
    available. Raises nothing."""
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


def check_bwrap() -> str:
    """The path of a bubblewrap that can make a sandbox here.

    Takes nothing; returns the ``bwrap`` executable's path after a trial run. Raises
    GradingError when bubblewrap is not installed or cannot make a sandbox (as a user without
    unprivileged user namespaces)."""
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
                              capture_output=True, text=True, timeout=60, check=True)
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
    in view, or an allowed package is not installed."""
    # /tmp first: a later mount covers an earlier one, and Python may live under /tmp. The
    # sandbox's /dev/shm is small, and /proc/sys (host-wide settings such as core_pattern,
    # writable by a uid 0 process) is not there at all.
    args = [bwrap, "--size", str(limits.file_mb * 4 * 1024 * 1024), "--tmpfs", "/tmp",
            "--dev", "/dev", "--size", str(16 * 1024 * 1024), "--tmpfs", "/dev/shm",
            "--proc", "/proc", "--tmpfs", "/proc/sys"]
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
    args += ["--ro-bind", str(HERE / "protocol.py"), "/run/grader/protocol.py",
             "--ro-bind", str(HERE / "runner.py"), "/run/grader/runner.py", "--chdir", "/tmp",
             *_ISOLATION, "--die-with-parent", "--new-session",
             "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",
             "--setenv", "MPLBACKEND", "Agg", "--setenv", "MPLCONFIGDIR", "/tmp",
             "--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1",
             "--setenv", "PYTHONHASHSEED", "0",
             sys.executable, "-I", "-B", "/run/grader/runner.py"]
    return args


# -- one sandboxed process -------------------------------------------------------------------------

def _rlimits(limits: Limits):
    """The function the child runs before bwrap: address space, CPU time, file size, no core."""
    def set_limits():
        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        cpu = int(limits.seconds) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        size = limits.file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return set_limits


def _start(command: list, limits: Limits) -> tuple:
    """Start bwrap; (the process, the read end of bwrap's --info-fd report).

    The seccomp filter and bwrap's report of the sandbox's pid 1 go through pipes; bwrap itself
    gets an empty environment (the sandbox can read its /proc/1/environ)."""
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
    try:
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, preexec_fn=_rlimits(limits),
                                start_new_session=True, env=_ENV, pass_fds=keep)
    finally:
        for fd in keep:
            os.close(fd)
    return proc, os.fdopen(info_read, "rb")


class Sandbox:
    """One sandboxed process running one submission, for one question.

    Takes the command of :func:`sandbox_command` and the limits; the process starts at once and
    the time limit runs from then. Raises OSError when the command cannot be started."""

    def __init__(self, command: list, limits: Limits):
        self.deadline = time.monotonic() + limits.seconds
        self.limits = limits
        self.proc, self.info = _start(command, limits)
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
        """Send one message to the runner and wait for its reply.

        Takes a JSON-ready message (see :mod:`grader.protocol`); returns the reply, parsed but
        not yet decoded. Raises SubmissionFailed when the time limit is reached, the process
        ended, the reply is larger than ``MAX_MESSAGE`` or is not JSON."""
        data = frame(message)
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
        namespace, whatever they did to their parent-death signal), then bwrap's session.

        Takes nothing, returns once the process has been reaped. Raises nothing."""
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

"""Reaping: the grader as a container's PID 1, and as the subreaper of its own sandboxes.

A process whose parent dies is handed to the nearest "subreaper" above it, or to PID 1, which
must reap it when it ends, else it stays a zombie and holds its pid (and a place in every pids
cgroup above it). A sandbox's pid 1 is orphaned whenever bwrap dies first (both are killed when
a question ends). So:

* each grader process that starts sandboxes makes itself their subreaper
  (:func:`adopt_orphans`), and :mod:`grader.sandbox` reaps the sandbox's pid 1 when it closes;
* run as PID 1 (a container's only process), the grader runs in a child while PID 1 does only
  what an init must: reap every child, and pass SIGTERM and SIGINT on (:func:`run_as_init`).
"""
from __future__ import annotations

import atexit
import ctypes
import os
import signal
import sys
import time
import traceback

_PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> bool:
    """Make this process the subreaper of its descendants (Linux ``prctl``), once.

    Takes nothing; returns whether it is one. Raises nothing: where prctl is not available the
    orphans go to PID 1 as usual."""
    global _adopting
    if _adopting != os.getpid():
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0:
                _adopting = os.getpid()
        except (OSError, AttributeError):
            pass
    return _adopting == os.getpid()


_adopting = None


def reap(pid: int, seconds: float = 10.0) -> None:
    """Reap ``pid`` if it is a child of this process that has been killed.

    Takes the pid and the longest wait; returns once it is reaped, is not this process's child
    (ended and reaped by its own parent), or ``seconds`` have passed. Raises nothing."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] or time.monotonic() > deadline:
                return
        except ChildProcessError:
            return
        time.sleep(0.01)


def reap_bwrap_orphans(orphan: int = 0) -> None:
    """Reap, without waiting, this process's zombie children that are a sandbox's pid 1
    (``orphan``, and any other ``bwrap``): bwrap's outer process ends without reaping the
    namespace's pid 1, which is then handed to this process (a subreaper, see
    :func:`adopt_orphans`) and holds its pid until reaped. Takes the pid known to be one (0:
    none); returns None. Raises nothing."""
    me, found = str(os.getpid()), {orphan} if orphan > 0 else set()
    for entry in os.scandir("/proc"):
        try:
            with open(os.path.join(entry.path, "stat"), encoding="utf-8") as f:
                stat = f.read()
            state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
            if state == "Z" and ppid == me and stat.split()[1] == "(bwrap)":
                found.add(int(entry.name))
        except (OSError, ValueError):
            continue
    for pid in found:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _exit_code(value) -> int:
    """The exit status of a ``main`` that returned ``value`` or raised SystemExit(value)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1


def _child(main, argv) -> None:
    """In the forked child: run ``main(argv)`` and leave with its status, never returning."""
    code = 1
    try:
        code = _exit_code(main(argv))
    except SystemExit as e:
        code = _exit_code(e.code)
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()          # os._exit skips them: the cgroups are removed there
        except BaseException:
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)


def run_as_init(main, argv) -> int:
    """Run ``main(argv)`` in a child process while this process (PID 1) acts as init.

    Takes the grader's main function and its arguments. The child runs ``main``; this process
    reaps every child that ends (orphans of any depth are handed to PID 1) until the grader's
    child has ended, passes SIGTERM, SIGINT and SIGHUP on to it (PID 1 ignores signals it has
    no handler for), and reaps what is left without waiting. Returns the child's exit status:
    what ``main`` returned or passed to SystemExit, 1 for an uncaught exception, 128 + the
    signal's number when the child was killed by a signal. Raises OSError when it cannot
    fork."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(main, argv)

    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
    previous = {s: signal.signal(s, forward)
                for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    try:
        while True:
            try:
                done, status = os.waitpid(-1, 0)
            except ChildProcessError:          # cannot happen while the child lives
                return 1
            if done == pid:
                code = os.waitstatus_to_exitcode(status)
                break
        while True:                            # zombies left over: reap, never wait
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 128 - code if code < 0 else code

"""The seccomp filter of the sandbox: the system calls a submission may not make.

Given to bubblewrap (``bwrap --seccomp FD``) by :mod:`grader.sandbox`, as classic BPF.
"""
from __future__ import annotations

import platform
import struct


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
    "setdomainname": 171, "move_pages": 279, "migrate_pages": 256, "sync": 162,
    "syncfs": 306,
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

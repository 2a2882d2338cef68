"""A seccomp filter for script workers: the system calls that would reach around their namespace.

Used by ``confine.py`` (so, like it, it imports nothing from the app), after the
worker has its own network namespace (``netns.py``). A new namespace cuts every
IP route, but two things are not tied to it, and a third could be used to undo
the rest; the filter refuses them (``EACCES``/``EPERM``), for the worker and
everything it starts:

- ``socket(AF_UNIX, ...)``: a Unix socket with a path lives in the file system,
  not the network namespace, so PostgreSQL's ``/run/postgresql/.s.PGSQL.5432``,
  MariaDB's ``mysqld.sock``, a Redis or D-Bus socket would still answer.
  ``socketpair`` (pipes between a process and its children) stays allowed;
- ``io_uring_*``: io_uring can open sockets without the ``socket`` call this
  filter sees;
- ``unshare``, ``setns``, and ``clone`` with a namespace flag (``clone3`` answers
  ``ENOSYS``, which makes the C library fall back to ``clone``): new namespaces
  add nothing a script needs and much kernel surface.

Calls of another architecture's convention (32-bit ``int 0x80``, x32) are
refused as a whole, since their numbers differ. Only x86-64 and AArch64 are
known; elsewhere ``install`` raises ``OSError`` and the launcher fails closed.
"""

from __future__ import annotations

import ctypes
import errno
import os

AF_UNIX = 1
_NAMESPACE_FLAGS = (
    0x00000080  # CLONE_NEWTIME
    | 0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
)

# name: (audit arch, system call numbers, whether numbers at and above 0x40000000 are x32)
_ARCHES = {
    "x86_64": (
        0xC000003E,
        {"socket": 41, "clone": 56, "unshare": 272, "setns": 308, "clone3": 435},
        True,
    ),
    "aarch64": (
        0xC00000B7,
        {"socket": 198, "clone": 220, "unshare": 97, "setns": 268, "clone3": 435},
        False,
    ),
}
_IO_URING = (425, 426, 427)  # io_uring_setup, _enter, _register: the same on every arch

_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (arg0's low half, little endian)
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class _Instruction(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def _errno(code: int) -> int:
    return _RET_ERRNO | code


def program(machine: str | None = None) -> list[tuple[int, int, int, int]]:
    """The filter's instructions ``(code, jt, jf, k)`` for ``machine`` (this one by default)."""
    name = machine or os.uname().machine
    if name not in _ARCHES:
        raise OSError(f"no system call filter is known for the {name} architecture")
    arch, numbers, x32 = _ARCHES[name]
    # Written with labels, then resolved: ("jeq", value, label_if_true) falls through if not.
    code: list[tuple] = [
        ("ld", _ARCH),
        ("jne", arch, "refuse"),
        ("ld", _NR),
    ]
    if x32:
        code.append(("jge", 0x40000000, "refuse"))
    code += [
        ("jeq", numbers["socket"], "socket"),
        ("jeq", numbers["clone"], "clone"),
        ("jeq", numbers["clone3"], "nosys"),
        ("jeq", numbers["unshare"], "refuse"),
        ("jeq", numbers["setns"], "refuse"),
        *[("jeq", number, "refuse") for number in _IO_URING],
        ("ret", _RET_ALLOW),
        ("label", "socket"),
        ("ld", _ARG0),
        ("jeq", AF_UNIX, "denied"),
        ("ret", _RET_ALLOW),
        ("label", "clone"),
        ("ld", _ARG0),
        ("jset", _NAMESPACE_FLAGS, "refuse"),
        ("ret", _RET_ALLOW),
        ("label", "denied"),
        ("ret", _errno(errno.EACCES)),
        ("label", "refuse"),
        ("ret", _errno(errno.EPERM)),
        ("label", "nosys"),
        ("ret", _errno(errno.ENOSYS)),
    ]
    return _assemble(code)


def _assemble(code: list[tuple]) -> list[tuple[int, int, int, int]]:
    labels, position = {}, 0
    for item in code:
        if item[0] == "label":
            labels[item[1]] = position
        else:
            position += 1
    out: list[tuple[int, int, int, int]] = []
    for item in code:
        kind = item[0]
        if kind == "label":
            continue
        here = len(out)
        if kind == "ld":
            out.append((_LD_W_ABS, 0, 0, item[1]))
        elif kind == "ret":
            out.append((_RET, 0, 0, item[1]))
        else:
            jump = labels[item[2]] - here - 1
            if kind == "jne":
                out.append((_JEQ, 0, jump, item[1]))
            else:
                out.append(({"jeq": _JEQ, "jge": _JGE, "jset": _JSET}[kind], jump, 0, item[1]))
    return out


def install(machine: str | None = None) -> None:
    """Apply the filter to this process and all it will run; ``OSError`` when it cannot."""
    instructions = program(machine)
    table = (_Instruction * len(instructions))(*[_Instruction(*row) for row in instructions])
    prog = _Program(len(instructions), table)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0):
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")

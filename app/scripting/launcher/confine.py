"""The launcher of every confined script worker: hide the app's files, cut the network, run it.

Run as ``python -I -S confine.py [OPTIONS] -- COMMAND [ARG ...]`` between
``prlimit`` and a worker program (``app.scripting.process``), it changes what
this process and everything it runs may do, then replaces itself with
``COMMAND``. Options, applied in this order:

- ``--net``: a network namespace of the worker's own (``netns.py``); when the
  environment names ``CONFINE_EGRESS_FD``, the egress listener is handed to
  the app through that fd. After the switch below, the system calls that reach
  around a namespace are filtered (``syscalls.py``), and where Landlock has TCP
  rules (ABI 4, Linux 6.7) TCP is limited to connecting to the egress port;
- ``--user UID:GID``: as root, become the script user once the namespace is made;
- ``--hide PATH`` (repeated): Landlock denies every file access beneath PATH.
- ``--probe-net``: only say whether a namespace can be made here (exit 0, or 1
  with the reason), for the app to decide whether network-isolated engines run.

Last, when the environment names ``CONFINE_PARENT_PID`` (the app's pid), it asks
for SIGKILL when its parent ends (``PR_SET_PDEATHSIG``: the switch to the script
user cleared the app's setting) and exits if its parent is no longer the app
(``app.scripting.lifeline``).

Landlock grants rather than denies: every entry of ``/`` is granted all file
rights, except that a folder on the way to a hidden path is not granted as a
whole but entry by entry, one level down, until the hidden path itself is left
out. Symbolic links are followed to what they name, and one that leads into (or
above) a hidden path is left out too. What this costs a script: listing a folder
on the way to a hidden path (``/srv/df`` when ``/srv/df/instance`` is hidden),
and entries created there after the worker started. Where the kernel's Landlock
scopes them (ABI 6), signals to processes outside the worker and abstract Unix
sockets are refused too. ``no_new_privs`` is set, as Landlock and seccomp need.

It fails closed: when a step it was asked for cannot be done, the worker does
not run. Needs no import from the app: it runs outside the app's package (its
siblings ``netns`` and ``syscalls`` are loaded from its own folder). The app
imports ``abi`` to know whether the kernel has Landlock.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
"""Landlock's system call numbers (the same on every architecture)."""

_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_PDEATHSIG = 1

_FILE_RIGHTS = (1 << 0) | (1 << 1) | (1 << 2) | (1 << 14) | (1 << 15)
"""Rights that apply to a file (execute, write, read, truncate, ioctl on devices); a rule
on a file may hold only these."""


def _fs_rights(abi: int) -> int:
    """Every file-system right the kernel's Landlock ABI knows (all handled, all granted)."""
    if abi >= 5:
        return (1 << 16) - 1  # ... + IOCTL_DEV
    if abi >= 3:
        return (1 << 15) - 1  # ... + TRUNCATE
    if abi == 2:
        return (1 << 14) - 1  # ... + REFER (moves across folders; denied if not handled)
    return (1 << 13) - 1


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),  # ABI 4
        ("scoped", ctypes.c_uint64),  # ABI 6
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _NetPortAttr(ctypes.Structure):
    _fields_ = [("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64)]


_RULE_NET_PORT = 2
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1, 2


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi() -> int:
    """The kernel's Landlock ABI version, or 0 when it has none (or it is disabled)."""
    try:
        version = _libc().syscall(
            _CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION
        )
    except (OSError, AttributeError):
        return 0
    return max(0, int(version))


def within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or beneath it (both real, absolute paths)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def grants(hidden: list[str]) -> list[str]:
    """The paths to grant so that everything but ``hidden`` (real paths) stays reachable."""
    hidden = [os.path.realpath(path) for path in hidden]
    hidden = [path for path in hidden if path != "/"]
    if not hidden:
        return ["/"]
    above = set()
    for path in hidden:
        folder = os.path.dirname(path)
        while True:
            above.add(folder)
            if folder == "/":
                break
            folder = os.path.dirname(folder)
    found: list[str] = []
    todo = ["/"]
    while todo:
        folder = todo.pop()
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            if any(within(path, secret) for secret in hidden):
                continue
            if path in above:
                todo.append(path)
                continue
            real = os.path.realpath(path)
            if any(within(real, secret) or within(secret, real) for secret in hidden):
                continue  # a link into a hidden path, or to a folder above one
            found.append(real)
    return found


def restrict(hidden: list[str], connect_port: int | None = None) -> None:
    """Deny this process and its children every access beneath ``hidden``; raises ``OSError``.

    With ``connect_port``, where the kernel has Landlock's TCP rules, TCP is also
    limited to connecting to that port (no other connection, no listening), and where
    it has scopes, signals and abstract Unix sockets to the world outside are refused.
    """
    version = abi()
    if version < 1:
        raise OSError("this kernel has no Landlock")
    libc = _libc()
    rights = _fs_rights(version) if hidden else 0
    net = connect_port is not None and version >= 4
    attr = _RulesetAttr(rights, _NET_BIND_TCP | _NET_CONNECT_TCP if net else 0, 0)
    size = 8
    if net:
        size = 16
        if version >= 6:
            attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
            size = 24
    if not rights and not net:
        return
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path in grants(hidden) if rights else ():
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # gone since it was listed, or not openable at all
            try:
                allowed = rights if os.path.isdir(path) else rights & _FILE_RIGHTS
                rule = _PathBeneathAttr(allowed, fd)
                if libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0):
                    raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
            finally:
                os.close(fd)
        if net:
            port = _NetPortAttr(_NET_CONNECT_TCP, connect_port)
            if libc.syscall(_ADD_RULE, ruleset, _RULE_NET_PORT, ctypes.byref(port), 0):
                raise OSError(ctypes.get_errno(), "landlock_add_rule failed for the egress port")
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_RESTRICT_SELF, ruleset, 0):
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


EGRESS_FD_VARIABLE = "CONFINE_EGRESS_FD"
"""Environment variable naming the fd the egress listener goes down (removed before exec)."""

PARENT_PID_VARIABLE = "CONFINE_PARENT_PID"
"""Environment variable naming the app's pid, whose end the worker is to die with (removed
before exec)."""


def _siblings() -> tuple:
    """``netns`` and ``syscalls``, loaded from this file's folder (no app import)."""
    folder = os.path.dirname(os.path.abspath(__file__))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import netns  # noqa: PLC0415 - only the launcher needs them, from its own folder
    import syscalls  # noqa: PLC0415

    return netns, syscalls


def _parse(argv: list[str]) -> tuple[dict, list[str]] | None:
    options: dict = {"hide": [], "net": False, "user": None, "probe": False}
    args = list(argv)
    while args and args[0] != "--":
        flag = args.pop(0)
        if flag == "--net":
            options["net"] = True
        elif flag == "--probe-net":
            options["probe"] = True
        elif flag in ("--hide", "--user") and args:
            value = args.pop(0)
            if flag == "--hide":
                options["hide"].append(value)
            else:
                uid, _, gid = value.partition(":")
                if not uid.isdigit() or not gid.isdigit():
                    return None
                options["user"] = (int(uid), int(gid))
        else:
            return None
    if options["probe"]:
        return options, []
    if len(args) < 2:
        return None
    return options, args[1:]


def confine(options: dict) -> None:
    """Apply ``options`` to this process (see the module's docstring); ``OSError`` if not all."""
    netns = syscalls = None
    egress_fd = os.environ.pop(EGRESS_FD_VARIABLE, None)
    parent = os.environ.pop(PARENT_PID_VARIABLE, None)
    if options["net"]:
        netns, syscalls = _siblings()
        netns.enter_new_namespace()
        if egress_fd is not None:
            netns.hand_over_listener(int(egress_fd))
    if options["user"] is not None:
        if netns is None:
            netns, _ = _siblings()
        netns.become(*options["user"])
    port = netns.EGRESS_ADDRESS[1] if options["net"] else None
    if options["hide"] or (port is not None and abi() >= 4):
        restrict(options["hide"], port)
    if syscalls is not None:
        syscalls.install()
    if parent is not None:
        die_with(parent)


def die_with(parent: str) -> None:
    """Ask for SIGKILL when this process's parent ends; ``OSError`` when the parent is not
    (or no longer) the process ``parent`` names."""
    if _libc().prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0):
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if not parent.isdigit() or os.getppid() != int(parent):
        raise OSError(f"the app process that started this worker ({parent}) has ended")


def main(argv: list[str]) -> int:
    parsed = _parse(argv)
    if parsed is None:
        sys.stderr.write(
            "usage: confine.py [--net] [--user UID:GID] [--hide PATH ...] -- COMMAND [ARG ...]\n"
            "       confine.py --probe-net\n"
        )
        return 2
    options, command = parsed
    if options["probe"]:
        try:
            _siblings()[0].enter_new_namespace()
        except OSError as exc:
            sys.stderr.write(f"{exc}\n")
            return 1
        return 0
    try:
        confine(options)
    except OSError as exc:  # fail closed: never run the worker less confined than asked
        sys.stderr.write(f"confine: cannot confine the script worker: {exc}\n")
        return 1
    os.execv(command[0], command)  # noqa: S606 - the worker program the pool asked for
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

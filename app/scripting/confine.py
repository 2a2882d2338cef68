"""Hide the app's own folders from a script worker, then run it (Linux Landlock).

Run as ``python -I -S confine.py --hide PATH [--hide PATH ...] -- COMMAND [ARG ...]``
between ``prlimit`` and a worker program (``app.scripting.process``). It asks the
kernel to deny the rest of this process's life, and everything it runs, any file
access beneath the hidden paths, then replaces itself with ``COMMAND``.

Landlock grants rather than denies: every entry of ``/`` is granted all file
rights, except that a folder on the way to a hidden path is not granted as a
whole but entry by entry, one level down, until the hidden path itself is left
out. Symbolic links are followed to what they name, and one that leads into (or
above) a hidden path is left out too. What this costs a script: listing a folder
on the way to a hidden path (``/srv/df`` when ``/srv/df/instance`` is hidden),
and entries created there after the worker started. Unprivileged, so it works
whether or not the app runs as root; ``no_new_privs`` is set, as Landlock needs.

Needs no import from the app: it runs outside the app's package, as the script
user. The app imports ``abi`` to know whether the kernel has Landlock.
"""

from __future__ import annotations

import ctypes
import os
import sys

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
"""Landlock's system call numbers (the same on every architecture)."""

_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

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
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


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


def restrict(hidden: list[str]) -> None:
    """Deny this process and its children every access beneath ``hidden``; raises ``OSError``."""
    version = abi()
    if version < 1:
        raise OSError("this kernel has no Landlock")
    libc = _libc()
    rights = _fs_rights(version)
    attr = _RulesetAttr(rights)
    ruleset = libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path in grants(hidden):
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
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_RESTRICT_SELF, ruleset, 0):
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def main(argv: list[str]) -> int:
    hidden: list[str] = []
    args = list(argv)
    while args and args[0] == "--hide" and len(args) > 1:
        hidden.append(args[1])
        del args[:2]
    if not args or args[0] != "--" or len(args) < 2:
        sys.stderr.write("usage: confine.py --hide PATH [--hide PATH ...] -- COMMAND [ARG ...]\n")
        return 2
    command = args[1:]
    try:
        restrict(hidden)
    except OSError as exc:  # fail closed: never run the worker unconfined when asked to confine
        sys.stderr.write(f"confine: cannot hide the app's folders: {exc}\n")
        return 1
    os.execv(command[0], command)  # noqa: S606 - the worker program the pool asked for
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""A script worker's own network: a new, empty network namespace with one way out.

Used by ``confine.py`` (the launcher between ``prlimit`` and a worker program),
so, like it, it imports nothing from the app. Before the worker starts, the
launcher:

1. moves itself into a new network namespace (``unshare(CLONE_NEWNET)``), as
   root directly, otherwise together with a new user namespace that maps only
   its own uid and gid (where the kernel lets unprivileged users have one).
   The namespace has nothing but its own loopback interface: no route to the
   host's addresses, its loopback services (Redis, databases), its neighbours,
   private ranges or the cloud metadata address. Child processes (``curl``,
   ``nc``) inherit it; abstract Unix sockets are per namespace too;
2. brings that loopback up and listens on ``EGRESS_ADDRESS`` inside it, then
   hands the listening socket to the app over an inherited Unix socket
   (``SCM_RIGHTS``). The app accepts on it from its own namespace and acts as
   the scripts' HTTP(S) forward proxy (``app.scripting.egress``): the only path
   out, guarded like ``platform.api``;
3. as root, switches to the script user (no supplementary groups) once the
   namespace is made, so the script never holds the rights that made it.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

EGRESS_ADDRESS = ("127.0.0.1", 3128)
"""Where a worker finds its forward proxy, inside its own namespace."""

_SIOCGIFFLAGS, _SIOCSIFFLAGS = 0x8913, 0x8914
_IFF_UP, _IFF_RUNNING = 0x1, 0x40


def _unshare(flags: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare failed: {os.strerror(errno)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as file:
        file.write(text)


def enter_new_namespace() -> None:
    """Move this process into a new network namespace with its loopback up; ``OSError`` if not.

    Needs a single-threaded process (a new user namespace demands it).
    """
    if os.geteuid() == 0:
        _unshare(CLONE_NEWNET)
    else:
        uid, gid = os.geteuid(), os.getegid()
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    _loopback_up()


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, _SIOCGIFFLAGS, request))[1]
        up = struct.pack("16sH22x", b"lo", flags | _IFF_UP | _IFF_RUNNING)
        fcntl.ioctl(sock, _SIOCSIFFLAGS, up)


def hand_over_listener(channel_fd: int) -> None:
    """Listen on ``EGRESS_ADDRESS`` in this namespace and send the socket down ``channel_fd``."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(EGRESS_ADDRESS)
        listener.listen(64)
        with socket.socket(fileno=channel_fd) as channel:
            socket.send_fds(channel, [b"L"], [listener.fileno()])
    finally:
        listener.close()


def become(uid: int, gid: int) -> None:
    """Drop root for ``uid``/``gid`` with no supplementary groups (real, effective, saved)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid):
        raise OSError("could not switch to the script user")

"""What a remote folder tree (SFTP, FTP, WebDAV) must offer for ``RemoteTreeStorage`` to serve it.

A ``Tree`` is one root folder on one server, seen through a handful of
primitives; ``remote_tree.RemoteTreeStorage`` builds every ``Storage``
operation out of them (scratch names and renames for all-or-nothing writes,
recursive copies and deletes, listings, zips, zip extraction). A backend
implements only this protocol and the service type that builds it.

Paths. Every path a tree receives is a clean container path relative to the
root: ``""`` is the root itself, ``a/b.txt`` a file two levels down (``/``
separated, no leading or trailing slash, no ``.`` or ``..``, never empty
names). The storage only ever passes paths it built from clean ones, so a tree
maps them to server paths by joining them to its root, and nothing more. Names
starting with ``paths.TMP_PREFIX`` are the storage's scratch files: a tree
stores and lists them like any other name (the storage hides them).

Errors. A path that does not exist (or whose folder does not) raises
``FileNotFoundError`` from every method but ``stat``, which answers None.
Everything else is already the client's error when it leaves the tree: an
``ApiError`` from ``remote_errors.remote_error`` for failures of the connection
or the server (refused credentials 502, unreachable 503, timeout 504), and a
``BadGateway`` naming the server's reason for any other refusal (permission
denied, a folder that is not empty, a name that exists). The root folder
missing is no error of the tree: ``stat("")`` answers None and the storage
answers 404.

Connections. Each call is complete on its own and may come from any thread
(gunicorn's ``gthread`` workers): a tree borrows a connection from its
backend's pool for the call and gives it back, healthy, afterwards. A stream
from ``open_read`` keeps its connection until it is closed; ``write`` keeps
one while it consumes its chunks. Pools, their limits and their checks of an
idle connection before reuse are the backend's business.

Links. A tree whose server has symbolic links reports them as ``kind="link"``
(``stat`` and ``list`` do not follow the last name) and answers ``resolve``
with where a path really leads; the storage then applies ``local_file``'s
rules (links leading outside the root refused, links followed only where the
caller's role reaches). A tree without links returns every path unchanged
from ``resolve``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Node:
    """What the server says of one name: its kind, size and time."""

    name: str
    """The last name of the path (``""`` for the root)."""
    kind: str
    """``"file"``, ``"folder"``, ``"link"`` (a symbolic link, not followed), or ``"other"``
    (devices, sockets...: never listed nor opened)."""
    size: int = 0
    """Bytes of a file (0 for the rest)."""
    mtime: float = 0.0
    """Modification time, seconds since the epoch (0 when the server has none)."""
    etag: str | None = None
    """A validator of the server (WebDAV's ``getetag``, without quotes) that changes whenever
    the content does; None when it has none: the storage derives one from size and mtime."""


class Reader(Protocol):
    """A file being read from some offset: ``read`` until it answers ``b""``, then ``close``."""

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes (at least one unless at the end of the file)."""
        ...

    def close(self) -> None:
        """Give the connection back (a reader may be closed before its end, or twice)."""
        ...


class Tree(Protocol):
    """One root folder of one remote server (see the module docstring for paths and errors)."""

    what: str
    """How messages name the protocol: ``"SFTP"``, ``"FTP"``, ``"WebDAV"``."""
    root: str
    """How messages name the root folder (the service's ``container`` setting)."""

    def stat(self, path: str) -> Node | None:
        """What ``path`` is, without following a link in its last name; None when nothing
        is there. ``stat("")`` describes the root (None when the root does not exist)."""
        ...

    def list(self, path: str) -> list[Node]:
        """The entries of folder ``path`` in any order, without ``.`` and ``..``, links as
        ``"link"``; ``FileNotFoundError`` when the folder does not exist."""
        ...

    def resolve(self, path: str) -> str | None:
        """The path ``path`` leads to through symbolic links, relative to the root (``""``:
        the root); None when it leads outside the root. A missing last name is kept as it
        is (its folder is resolved); ``FileNotFoundError`` when a folder on the way is
        missing. A tree without links returns ``path``."""
        ...

    def open_read(self, path: str, offset: int) -> Reader:
        """File ``path`` read from byte ``offset`` (``offset`` may equal its size).
        The reader holds a connection until it is closed."""
        ...

    def write(self, path: str, chunks: Iterable[bytes]) -> None:
        """Create (or truncate) file ``path`` and write ``chunks`` to it, in order, one at a
        time as they come. An exception from ``chunks`` (the client went away, a size
        limit) propagates unchanged once the remote file is closed; the storage removes
        the partial file (it always writes under a scratch name)."""
        ...

    def make_folder(self, path: str) -> None:
        """Create folder ``path``; its parent exists. ``BadGateway`` if it cannot."""
        ...

    def remove_folder(self, path: str) -> None:
        """Remove the empty folder ``path``."""
        ...

    def remove_file(self, path: str) -> None:
        """Remove file (or link) ``path``."""
        ...

    def rename(self, source: str, target: str) -> None:
        """Move ``source`` (a file, link or folder) to ``target``, replacing a file or link
        already there in one step where the server can (the storage never renames onto a
        folder). Both are in the same tree."""
        ...

    def copy(self, source: str, target: str) -> bool:
        """Copy file ``source`` to new file ``target`` on the server itself (WebDAV's
        ``COPY``), answering True; answering False (doing nothing) where the server cannot,
        and the storage then streams the file through this server."""
        ...

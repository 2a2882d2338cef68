"""The storage layer under every file service: what a backend must do, in container paths.

A file service (``files.service``) parses DreamFactory's verbs, parameters and
bodies and shapes its answers; everything that touches the files goes through
one ``Storage``: ``LocalStorage`` (a folder of this server, ``files.local``),
an ``ObjectStorage`` of an object store (``files.objects``): ``S3Storage`` (a
bucket, ``files.s3``) or ``BlobStorage`` (an Azure container, ``files.blob``),
or a ``RemoteTreeStorage`` (a folder of a remote server, ``files.remote_tree``,
over a ``files.tree.Tree``: SFTP's, FTP's, WebDAV's). Paths are always clean container
paths (``paths.clean``: ``a/b/c``, ``""`` for the root), so ``..``, NUL bytes
and reserved names were refused before a backend sees them; each backend keeps
its own further guarantees (links on disk, keys under the container prefix).

Every write is all or nothing under its final name: a backend writes a file
through a scratch name or an upload that only completes at the end (S3's
multipart upload, Azure's block list), and unpacks a zip beside its target
before moving it in.
Failures of the backend itself come out as ``ApiError`` with the status a
client can act on (``files.remote_errors``); a local ``OSError`` is mapped by the
service (``file_system_error``).

Why our own small interface rather than fsspec: see the README (file services).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

if TYPE_CHECKING:
    from app.services.files.paths import Reach
    from app.services.files.upload import Options


@dataclass(frozen=True)
class Stat:
    """What a download needs to know of a file: size, modification time and a validator."""

    size: int
    mtime: float
    """Seconds since the epoch."""
    etag: str
    """An opaque tag that changes whenever the content does (without quotes)."""


@dataclass
class Opened:
    """A file opened for reading: one version of it, read from any offset with ``seek``."""

    handle: BinaryIO
    stat: Stat
    local: bool = False
    """Whether ``handle`` is a file of this machine (sent with ``sendfile`` when whole)."""


class OffsetReader:
    """A readable, seekable view of one version of a remote file: a stream opened at the
    position of the first read (``open_at``), dropped by a seek and opened again where the
    next read starts. A backend says how to open and what a read without a size asks for."""

    unsized_read: int | None = None
    """The size a ``read()`` without one asks of the stream (None: all of it)."""

    def __init__(self, stat: Stat) -> None:
        self.stat = stat
        self.position = 0
        self.stream: Any = None

    def open_at(self, position: int) -> Any:
        """A stream of the file from byte ``position`` (with ``read(size)`` and ``close()``)."""
        raise NotImplementedError

    def seek(self, offset: int, whence: int = 0) -> int:
        self.close()
        self.position = offset if whence == 0 else self.position + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.stat.size:
            return b""
        if self.stream is None:
            self.stream = self.open_at(self.position)
        data = self.stream.read(size if size and size > 0 else self.unsized_read)
        self.position += len(data)
        return data

    def close(self) -> None:
        if self.stream is not None:
            stream, self.stream = self.stream, None
            stream.close()

    def __enter__(self) -> OffsetReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


ZipEntry = tuple[str, Callable[[], Opened] | None]
"""An archive name (``a/b.txt``, or ``a/`` for an empty folder) and how to open its file."""


class Storage(Protocol):
    """One container of one backend, as seen by one caller."""

    def with_reach(self, reach: Reach | None) -> Storage:
        """This storage for a caller whose role must cover where links lead (local links)."""
        ...

    def ensure(self) -> None:
        """Make the container's root exist (a backend without folders does nothing)."""
        ...

    def kind(self, path: str) -> str | None:
        """``"file"``, ``"folder"`` or None for what ``path`` names (the root is a folder)."""
        ...

    def entry_kind(self, path: str) -> str | None:
        """Like ``kind``, but a link as the last name is ``"link"`` (never followed)."""
        ...

    def resolve(self, path: str) -> str:
        """The container path ``path`` really leads to (through links); 403 if outside."""
        ...

    def folder_mtime(self, path: str) -> float:
        """Modification time of an existing folder (now, where folders have none)."""
        ...

    def stat(self, path: str) -> Stat | None:
        """The file at ``path``, or None when no file is there."""
        ...

    def children(self, path: str, full_tree: bool) -> list[dict[str, Any]]:
        """Entries under folder ``path`` sorted by name (each folder's content after it with
        ``full_tree``): ``{"path": "a/", "last_modified"}`` for folders, ``listing.file_entry``
        for files. The folder must exist."""
        ...

    def open(self, path: str) -> Opened:
        """The file at ``path`` for reading; 404 when no file is there."""
        ...

    def zip_entries(self, path: str) -> Iterator[ZipEntry]:
        """Files and empty folders under folder ``path`` for its zip, sorted."""
        ...

    def require_folder(self, path: str, message: str | None = None) -> None:
        """404 (``message``) unless folder ``path`` exists; the root is created on demand."""
        ...

    def prepare_target(self, path: str, check_exist: bool) -> None:
        """400/404 unless a file may be written at ``path`` (its folder exists, no folder
        there, nothing there when ``check_exist``)."""
        ...

    def write_file(self, path: str, source: Any, options: Options) -> None:
        """Write ``source`` (bytes, a readable, chunks) at ``path``, all or nothing."""
        ...

    def create_folder(self, path: str, check_exist: bool) -> None:
        """Make folder ``path`` and its parents; 400 when it exists and ``check_exist``."""
        ...

    def copy_file(self, source: str, target: str, move: bool, options: Options) -> None: ...

    def copy_folder(self, source: str, target: str, move: bool) -> None: ...

    def delete_file(self, path: str) -> None:
        """404 when missing, 400 when a folder."""
        ...

    def delete_folder(self, path: str, force: bool, content_only: bool) -> None:
        """404 when missing; 400 when not empty without ``force``."""
        ...

    def unpack(self, folder: str, source: Any, options: Options) -> None:
        """Unpack the zip in ``source`` into ``folder`` (made when missing), all or nothing."""
        ...

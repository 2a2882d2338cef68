"""``SftpTree``: a folder of an SFTP server as a ``tree.Tree``, over pooled paramiko connections.

Paths join the configured root (absolute, or relative to the login folder).
``resolve`` asks the server (``realpath``) where a path leads and compares it
with where the root really is, so links inside the tree work and links
leaving it are refused by the storage. Renames replace their target in one
step with OpenSSH's ``posix-rename`` extension (a server without it gets a
remove and a rename). SFTP has no server-side copy (OpenSSH's ``copy-data``
is not in paramiko), so copies stream through this server.

Reads ask for the next chunk in 32 KiB requests sent together (paramiko's
``readv``): a download is not one round trip per 32 KiB, and never more than
one chunk is held. Writes are pipelined (answers checked as they come and when
the file is closed).
"""

from __future__ import annotations

import contextlib
import posixpath
import stat
from collections.abc import Iterable, Iterator
from typing import Any

import paramiko

from app.services.files.remote_errors import remote_error
from app.services.files.ssh import Connection, Pool
from app.services.files.tree import Node
from app.vocabulary.errors import ApiError, BadGateway

REQUEST_SIZE = 32 * 1024
"""Bytes per SFTP read request (what every server accepts)."""


def _kind(mode: int | None) -> str:
    if mode is None:
        return "other"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    return "link" if stat.S_ISLNK(mode) else "other"


def _node(name: str, attr: paramiko.SFTPAttributes) -> Node:
    kind = _kind(attr.st_mode)
    size = int(attr.st_size or 0) if kind == "file" else 0
    return Node(name=name, kind=kind, size=size, mtime=float(attr.st_mtime or 0))


class SftpReader:
    """One remote file read from an offset; holds its connection until closed."""

    def __init__(self, tree: SftpTree, connection: Connection, handle: Any, offset: int) -> None:
        self.tree, self.connection, self.handle = tree, connection, handle
        self.position = offset
        self.size = int(handle.stat().st_size or 0)

    def read(self, size: int) -> bytes:
        want = min(size, self.size - self.position)
        if want <= 0 or self.handle is None:
            return b""
        pieces = [
            (start, min(REQUEST_SIZE, self.position + want - start))
            for start in range(self.position, self.position + want, REQUEST_SIZE)
        ]
        with self.tree.errors(self.connection):
            data = b"".join(self.handle.readv(pieces))
        self.position += len(data)
        return data

    def close(self) -> None:
        if self.handle is None:
            return
        handle, self.handle = self.handle, None
        try:
            with self.tree.errors(self.connection):
                handle.close()
        finally:
            self.tree.give_back(self.connection)


class SftpTree:
    what = "SFTP"

    def __init__(self, pool: Pool, root: str) -> None:
        self.pool = pool
        self.root = root

    def _path(self, path: str) -> str:
        return posixpath.join(self.root, path) if path else self.root

    @contextlib.contextmanager
    def errors(self, connection: Connection) -> Iterator[None]:
        """Failures of calls on ``connection`` as the tree's errors. A failure of the
        connection itself closes it (an SFTP stream cut in the middle of an answer is out
        of step); an error from elsewhere (the chunks being written) passes unchanged."""
        try:
            yield
        except (ApiError, FileNotFoundError):
            raise
        except (TimeoutError, ConnectionError, EOFError, paramiko.SSHException) as exc:
            connection.close()
            raise remote_error(exc, self.what, self.root) from None
        except OSError as exc:  # the server's answer about one path
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise BadGateway(f"The SFTP server refused the operation ({reason}).") from None

    def give_back(self, connection: Connection) -> None:
        transport = connection.client.get_transport()
        if transport is not None and transport.is_active():
            self.pool.give(connection)

    @contextlib.contextmanager
    def session(self) -> Iterator[paramiko.SFTPClient]:
        """A pooled connection's SFTP client for one call, given back afterwards."""
        connection = self.pool.take()
        try:
            with self.errors(connection):
                yield connection.sftp
        finally:
            self.give_back(connection)

    def _real_root(self, sftp: paramiko.SFTPClient) -> str:
        real = self.pool.real_roots.get(self.root)
        if real is None:
            real = self.pool.real_roots[self.root] = sftp.normalize(self.root)
        return real

    # -- the protocol -----------------------------------------------------------------------

    def stat(self, path: str) -> Node | None:
        with self.session() as sftp:
            try:
                if not path:  # the root may itself be a link (/srv/files -> /data/files)
                    return _node("", sftp.stat(self.root))
                return _node(posixpath.basename(path), sftp.lstat(self._path(path)))
            except FileNotFoundError:
                return None

    def list(self, path: str) -> list[Node]:
        with self.session() as sftp:
            return [_node(a.filename, a) for a in sftp.listdir_attr(self._path(path))]

    def resolve(self, path: str) -> str | None:
        with self.session() as sftp:
            root = self._real_root(sftp)
            real = sftp.normalize(self._path(path))
        if real == root:
            return ""
        prefix = root.rstrip("/") + "/"
        return real[len(prefix) :] if real.startswith(prefix) else None

    def open_read(self, path: str, offset: int) -> SftpReader:
        connection = self.pool.take()
        with self.errors(connection):
            try:
                handle = connection.sftp.open(self._path(path), "rb")
                handle.seek(offset)
                return SftpReader(self, connection, handle, offset)
            except BaseException:
                self.give_back(connection)
                raise

    def write(self, path: str, chunks: Iterable[bytes]) -> None:
        with self.session() as sftp, sftp.open(self._path(path), "wb") as handle:
            handle.set_pipelined(True)
            for data in chunks:
                handle.write(data)

    def make_folder(self, path: str) -> None:
        with self.session() as sftp:
            sftp.mkdir(self._path(path))

    def remove_folder(self, path: str) -> None:
        with self.session() as sftp:
            sftp.rmdir(self._path(path))

    def remove_file(self, path: str) -> None:
        with self.session() as sftp:
            sftp.remove(self._path(path))

    def rename(self, source: str, target: str) -> None:
        with self.session() as sftp:
            old, new = self._path(source), self._path(target)
            try:
                sftp.posix_rename(old, new)
            except FileNotFoundError:
                raise
            except OSError as exc:
                if "unsupported" not in str(exc).lower():
                    raise
                with contextlib.suppress(FileNotFoundError):
                    sftp.remove(new)  # the storage never renames onto a folder
                sftp.rename(old, new)

    def copy(self, source: str, target: str) -> bool:
        return False

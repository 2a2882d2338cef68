"""``FtpTree``: a folder of an FTP server as a ``tree.Tree``, over pooled ftplib connections.

Paths join the configured root (absolute, or relative to the folder the login
starts in). Where the server offers ``MLST`` (RFC 3659) a name is described by
``MLST`` and a folder listed by ``MLSD``; elsewhere (vsftpd) a file is found by
``SIZE`` and ``MDTM``, a folder by ``CWD``, and listings are read from ``LIST
-a`` (``-a``: the storage's scratch names start with a dot).

FTP has no command telling where a symbolic link leads, and servers follow
links themselves in every command naming a path; the server's own
confinement of its users keeps them inside what it serves. So ``resolve``
answers every path unchanged, and a link is seen only where a listing shows
one (a ``LIST`` line of kind ``l``): listed as a link, the storage shows it as
what ``stat`` (through the link) finds, never descends into it, and deletes
the link itself. MLSx servers (pyftpdlib) list what links lead to, and hide
dangling ones.

Replies: a ``5xx`` refusing an operation on a path that turns out not to
exist (FTP has one code, ``550``, for missing and forbidden) is
``FileNotFoundError``; other refusals are the server's reason in a 502. A
rename (``RNFR``/``RNTO``) replaces an existing file on Unix servers; a
server that refuses to (as Windows-backed ones do) gets the target deleted
first and the rename tried again, which is the one place where a file is
briefly absent rather than replaced in one step. FTP has no server-side copy
(``SITE CPFR`` is a ProFTPD module), so copies stream through this server.

A download is a ``RETR`` from a ``REST`` offset; a download stopped early
closes its data connection and reads the server's ``426`` before the
connection is reused. An upload is a ``STOR`` fed one chunk at a time.
"""

from __future__ import annotations

import contextlib
import ftplib
import posixpath
import socket
import ssl
import time
from collections.abc import Iterable, Iterator

from app.services.files.ftp_connection import Connection, Pool
from app.services.files.ftp_listing import (
    fact_node,
    fact_nodes,
    list_node,
    mdtm_time,
    mlst_line,
)
from app.services.files.paths import base_name, parent_of
from app.services.files.remote_errors import remote_error
from app.services.files.tree import Node
from app.vocabulary.errors import ApiError, BadGateway, BadRequest


class FtpReader:
    """One remote file read from an offset; holds its connection until closed."""

    def __init__(self, tree: FtpTree, connection: Connection, data: socket.socket) -> None:
        self.tree, self.connection = tree, connection
        self.data: socket.socket | None = data
        self.stream = data.makefile("rb")

    def read(self, size: int) -> bytes:
        if self.data is None:
            return b""
        with self.tree.errors(self.connection):
            piece = self.stream.read(size)
        if len(piece) < size:  # the end: the server's reply says whether all was sent
            self._finish(complete=True)
        return piece

    def close(self) -> None:
        if self.data is not None:
            self._finish(complete=False)

    def _finish(self, complete: bool) -> None:
        data, self.data = self.data, None
        try:
            self.stream.close()
            if data is not None:
                data.close()
            if complete:
                with self.tree.errors(self.connection):
                    self.connection.ftp.voidresp()
            else:
                self.tree.settle(self.connection)
        finally:
            self.tree.give_back(self.connection)


class FtpTree:
    what = "FTP"

    def __init__(self, pool: Pool, root: str) -> None:
        self.pool = pool
        self.root = root

    def _path(self, connection: Connection, path: str) -> str:
        if "\r" in path or "\n" in path:
            raise BadRequest("FTP cannot name files or folders with line breaks in their names.")
        root = posixpath.join(connection.home, self.root)
        return posixpath.join(root, path) if path else root

    @contextlib.contextmanager
    def errors(self, connection: Connection) -> Iterator[None]:
        """Failures of calls on ``connection`` as the tree's errors. A reply refusing one
        operation leaves the connection in step; any other failure closes it."""
        try:
            yield
        except (ApiError, FileNotFoundError):
            raise
        except (ftplib.error_perm, ftplib.error_temp) as exc:
            if str(exc).startswith("421"):  # the server is closing the connection
                connection.close()
            raise remote_error(exc, self.what, self.root) from None
        except UnicodeDecodeError:
            connection.close()
            raise BadGateway("The FTP server answered with a name that is not UTF-8.") from None
        except (ftplib.Error, OSError, EOFError) as exc:
            connection.close()
            raise remote_error(exc, self.what, self.root) from None

    def settle(self, connection: Connection) -> None:
        """Read the reply ending a transfer stopped early (whatever it says); a connection
        that does not answer is closed."""
        try:
            connection.ftp.getresp()
        except (ftplib.error_temp, ftplib.error_perm):
            pass  # "426 transfer aborted": the connection is in step
        except Exception:
            connection.close()

    def give_back(self, connection: Connection) -> None:
        if connection.ftp.sock is not None:
            self.pool.give(connection)

    @contextlib.contextmanager
    def session(self) -> Iterator[Connection]:
        """A pooled connection for one call, given back afterwards."""
        connection = self.pool.take()
        try:
            with self.errors(connection):
                yield connection
        finally:
            self.give_back(connection)

    @contextlib.contextmanager
    def _missing_as_not_found(self, connection: Connection, path: str) -> Iterator[None]:
        """A refusal as ``FileNotFoundError`` where ``path`` does not exist."""
        try:
            yield
        except ftplib.error_perm:
            if self._stat(connection, path) is None:
                raise FileNotFoundError(path) from None
            raise

    def _stat(self, connection: Connection, path: str) -> Node | None:
        ftp, target, name = connection.ftp, self._path(connection, path), base_name(path)
        if "MLST" in connection.features:
            try:
                reply = ftp.sendcmd(f"MLST {target}")
            except ftplib.error_perm:
                return None
            return fact_node(mlst_line(reply), name)
        connection.set_type("I")  # servers refuse SIZE in ASCII mode
        try:
            size = int(ftp.sendcmd(f"SIZE {target}").split()[1])
        except ftplib.error_perm:
            size = None
        if size is not None:
            try:
                mtime = mdtm_time(ftp.sendcmd(f"MDTM {target}"))
            except ftplib.error_perm:
                mtime = 0.0
            return Node(name=name, kind="file", size=size, mtime=mtime)
        try:
            ftp.cwd(target)
        except ftplib.error_perm:
            return None
        return Node(name=name, kind="folder")

    def _lines(self, connection: Connection, command: str) -> list[str]:
        """The lines of a listing ``command`` sends over a data connection."""
        connection.set_type("A")
        with connection.ftp.transfercmd(command) as data, data.makefile("rb") as stream:
            raw = stream.read()
        connection.ftp.voidresp()
        text = raw.decode(connection.ftp.encoding)
        return [line for line in text.splitlines() if line.strip()]

    # -- the protocol -----------------------------------------------------------------------

    def stat(self, path: str) -> Node | None:
        with self.session() as connection:
            return self._stat(connection, path)

    def list(self, path: str) -> list[Node]:
        with self.session() as connection:
            target = self._path(connection, path)
            if "MLST" in connection.features:  # RFC 3659: MLST's feature stands for MLSD too
                with self._missing_as_not_found(connection, path):
                    lines = self._lines(connection, f"MLSD {target}")
                return fact_nodes(lines)
            with self._missing_as_not_found(connection, path):
                connection.ftp.cwd(target)  # LIST answers a missing folder with nothing
            now = time.time()
            nodes = (list_node(line, now) for line in self._lines(connection, f"LIST -a {target}"))
            return [node for node in nodes if node is not None]

    def resolve(self, path: str) -> str | None:
        return path

    def open_read(self, path: str, offset: int) -> FtpReader:
        connection = self.pool.take()
        try:
            with self.errors(connection):
                target = self._path(connection, path)
                connection.set_type("I")
                with self._missing_as_not_found(connection, path):
                    data = connection.ftp.transfercmd(f"RETR {target}", rest=offset or None)
                return FtpReader(self, connection, data)
        except BaseException:
            self.give_back(connection)
            raise

    def write(self, path: str, chunks: Iterable[bytes]) -> None:
        connection = self.pool.take()
        try:
            with self.errors(connection):
                target = self._path(connection, path)
                connection.set_type("I")
                with self._missing_as_not_found(connection, parent_of(path)):
                    data = connection.ftp.transfercmd(f"STOR {target}")
            try:
                for piece in chunks:  # an error of the chunks' own passes unchanged
                    with self.errors(connection):
                        data.sendall(piece)
            except BaseException:
                data.close()  # the server keeps what came; the storage removes it
                self.settle(connection)
                raise
            with self.errors(connection):
                if isinstance(data, ssl.SSLSocket):
                    data.unwrap()
                data.close()
                connection.ftp.voidresp()
        finally:
            self.give_back(connection)

    def make_folder(self, path: str) -> None:
        with self.session() as connection:
            target = self._path(connection, path)
            with self._missing_as_not_found(connection, parent_of(path)):
                connection.ftp.voidcmd(f"MKD {target}")

    def remove_folder(self, path: str) -> None:
        with self.session() as connection:
            target = self._path(connection, path)
            with self._missing_as_not_found(connection, path):
                connection.ftp.voidcmd(f"RMD {target}")

    def remove_file(self, path: str) -> None:
        with self.session() as connection:
            target = self._path(connection, path)
            with self._missing_as_not_found(connection, path):
                connection.ftp.voidcmd(f"DELE {target}")

    def rename(self, source: str, target: str) -> None:
        with self.session() as connection:
            ftp = connection.ftp
            old, new = self._path(connection, source), self._path(connection, target)
            with self._missing_as_not_found(connection, source):
                ftp.sendcmd(f"RNFR {old}")
            try:
                ftp.voidcmd(f"RNTO {new}")
                return
            except ftplib.error_perm:
                found = self._stat(connection, target)
                if found is None or found.kind == "folder":
                    if self._stat(connection, parent_of(target)) is None:
                        raise FileNotFoundError(target) from None
                    raise
            ftp.voidcmd(f"DELE {new}")  # a server that will not replace (see the docstring)
            ftp.sendcmd(f"RNFR {old}")
            ftp.voidcmd(f"RNTO {new}")

    def copy(self, source: str, target: str) -> bool:
        return False

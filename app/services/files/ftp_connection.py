"""FTP connections of the FTP file service: logged in (over TLS where configured), pooled, reused.

Connections are kept in ``pool``'s pools, one per set of settings. A pooled
connection is checked before reuse: its control connection must have nothing
to read (a server that closed it, or said ``421`` before closing, has) and,
after ``IDLE_CHECK`` seconds unused, it must answer ``NOOP``. A call that
failed on the connection itself (a timeout, a lost socket, a reply out of
step) closes it rather than giving it back (``ftp_tree``).

FTPS is explicit TLS (``AUTH TLS`` on the usual port), with the data
connections protected too (``PROT P``) and resuming the control connection's
TLS session, which servers such as vsftpd require by default to be sure a
data connection comes from the client that logged in. The server's
certificate is verified, host name included, against this server's CA store,
or against ``ssl_certificate`` alone where the service names one (a
self-signed server's own certificate, or a private CA).

Each connection remembers what its server offers (``FEAT``: ``MLST`` means
machine-readable listings), the folder the login starts in (for a relative
root folder) and the transfer type last set, so a type is sent only when it
changes: listings are read as ``TYPE A``, files moved as ``TYPE I``.
"""

from __future__ import annotations

import contextlib
import ftplib
import select
import socket
import ssl
import time
from dataclasses import dataclass, field

from app.services.files import pool
from app.services.files.remote_errors import remote_error

IDLE_CHECK = 10.0
"""Seconds a pooled connection may sit unused before it must answer ``NOOP`` to be reused."""


@dataclass(frozen=True)
class Settings:
    """Where and as whom to log in; one pool per distinct value."""

    host: str
    port: int
    username: str
    password: str | None = field(default=None, repr=False)
    tls: bool = False
    """Explicit TLS (FTPS) for the control and the data connections."""
    passive: bool = True
    """Passive mode: the client opens data connections (active: the server connects back)."""
    certificate: str | None = None
    """PEM certificates trusted for TLS instead of the system's CA store."""
    timeout: float = 30.0
    """Seconds to wait for the server at each step (connect, every reply, every block of data)."""


def tls_context(certificate: str | None) -> ssl.SSLContext:
    """Verification of the server's certificate and host name, against ``certificate``
    (PEM text) alone where given, else against the system's CA store."""
    return ssl.create_default_context(cadata=certificate or None)


class TlsFtp(ftplib.FTP_TLS):
    """``FTP_TLS`` whose protected data connections resume the control connection's session."""

    def ntransfercmd(self, cmd: str, rest: int | str | None = None) -> tuple[socket.socket, int]:
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)  # noqa: S321 - TLS below
        if self._prot_p:  # type: ignore[attr-defined]
            try:
                session = self.sock.session  # type: ignore[union-attr]
                conn = self.context.wrap_socket(conn, server_hostname=self.host, session=session)
            except BaseException:
                conn.close()
                raise
        return conn, size


@dataclass
class Connection:
    ftp: ftplib.FTP
    features: frozenset[str]
    """The commands ``FEAT`` names (``MLST``, ``SIZE``, ``MDTM``...), upper case."""
    home: str
    """The folder the login started in."""
    type: str = "I"
    """The transfer type last set (``A`` or ``I``)."""
    used: float = field(default_factory=time.monotonic)
    """When it was last given back (``time.monotonic``)."""

    def set_type(self, kind: str) -> None:
        """Make ``kind`` (``A``: listings, ``I``: files) the transfer type, if it is not."""
        if self.type != kind:
            self.ftp.voidcmd(f"TYPE {kind}")
            self.type = kind

    def usable(self) -> bool:
        """Whether the connection still works (see the module docstring)."""
        sock = self.ftp.sock
        if sock is None:
            return False
        try:
            if isinstance(sock, ssl.SSLSocket) and sock.pending():
                return False
            if select.select([sock], [], [], 0)[0]:
                return False  # closed by the server, or a reply nobody asked for: out of step
            if time.monotonic() - self.used >= IDLE_CHECK:
                self.ftp.voidcmd("NOOP")
        except Exception:  # whatever broke it, it is not to be reused
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ftp.close()


def _features(ftp: ftplib.FTP) -> frozenset[str]:
    """The commands the server names in its ``FEAT`` reply (none where it has no FEAT)."""
    try:
        reply = ftp.sendcmd("FEAT")
    except ftplib.error_perm:
        return frozenset()
    lines = reply.splitlines()[1:-1]
    return frozenset(line.split()[0].upper() for line in lines if line.strip())


class Pool(pool.Pool[Connection]):
    """The idle FTP connections of one set of settings."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def connect(self) -> Connection:
        """A new connection, logged in; its failures as the client's errors."""
        settings = self.settings
        ftp: ftplib.FTP
        if settings.tls:
            ftp = TlsFtp(context=tls_context(settings.certificate), timeout=settings.timeout)
        else:
            ftp = ftplib.FTP(timeout=settings.timeout)  # noqa: S321 - as configured
        try:
            ftp.connect(settings.host, settings.port)
            ftp.login(settings.username, settings.password or "")
            if isinstance(ftp, TlsFtp):
                ftp.prot_p()
            ftp.set_pasv(settings.passive)
            ftp.voidcmd("TYPE I")
            features = _features(ftp)
            home = ftp.pwd()
        except Exception as exc:
            with contextlib.suppress(Exception):
                ftp.close()
            raise remote_error(exc, "FTP", "") from None
        return Connection(ftp, features, home)


_pools: pool.Pools[Settings, Pool] = pool.Pools(Pool)


def pool_for(settings: Settings) -> Pool:
    """The pool of these settings (made on first use)."""
    return _pools.get(settings)

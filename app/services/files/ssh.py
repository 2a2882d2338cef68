"""SSH connections of the SFTP file service: host key checked, pooled per settings, reused.

A request should not pay an SSH handshake (key exchange, host key check,
login) for every file: ``pool_for(settings)`` keeps the idle connections of
each distinct set of settings, and a connection serves one thread at a time
(gunicorn's ``gthread`` workers share the pools of their process). A
connection is checked before reuse: its transport must still be up and, after
``IDLE_CHECK`` seconds unused, it must answer a request; one idle for
``IDLE_LIMIT`` seconds is closed. A connection whose call failed on the
connection itself (timeout, lost transport) is closed rather than given back,
since an SFTP stream cut in the middle of an answer is out of step
(``sftp_tree``). Pools are
per process: a forked worker starts empty (its parent's sockets are not its own).

The server's host key must be the one ``host_fingerprint`` names
(``hostkey``): paramiko asks ``HostKeyCheck`` about every server, since no key
is ever loaded as known. Without a fingerprint the connection is refused with
a message giving the key the server offered, for the admin to check and paste.
"""

from __future__ import annotations

import collections
import contextlib
import io
import os
import threading
import time
from dataclasses import dataclass, field

import paramiko

from app.services.files import hostkey
from app.services.files.remote_errors import remote_error
from app.vocabulary.errors import ApiError, BadGateway

IDLE_CHECK = 10.0
"""Seconds a pooled connection may sit unused before it is probed before reuse."""

IDLE_LIMIT = 300.0
"""Seconds after which an unused pooled connection is closed."""

MAX_IDLE = 4
"""Idle connections kept per set of settings."""

MAX_POOLS = 32
"""Sets of settings whose pools are kept (the least recently used one is closed)."""

KEY_TYPES = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)
"""Private key kinds tried, in order, on the ``private_key`` setting."""


@dataclass(frozen=True)
class Settings:
    """Where and as whom to log in; one pool per distinct value."""

    host: str
    port: int
    username: str
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    fingerprint: str | None = None
    timeout: float = 30.0
    """Seconds to wait for the server at each step (connect, handshake, every answer)."""


class HostKeyCheck(paramiko.MissingHostKeyPolicy):
    """Accept the server only when ``host_fingerprint`` names the key it offers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def missing_host_key(self, client, hostname, key) -> None:
        blob = key.asbytes()
        if hostkey.trusted(self.settings.fingerprint, blob):
            return
        offered = f"{key.get_name()} {hostkey.sha256_fingerprint(blob)}"
        where = f"{self.settings.host}:{self.settings.port}"
        if not (self.settings.fingerprint or "").strip():
            raise BadGateway(
                f"The SFTP server's host key is not trusted yet: the service has no "
                f"host_fingerprint. The server at {where} offered {offered}; if that is its "
                "key, set host_fingerprint to it."
            )
        raise BadGateway(
            f"The SFTP server at {where} offered a host key host_fingerprint does not name: "
            f"{offered}. If the server's key changed, update host_fingerprint; otherwise "
            "someone may be impersonating the server."
        )


def load_key(text: str, passphrase: str | None) -> paramiko.PKey:
    """The private key in ``text`` (OpenSSH or PEM format); 502 when it cannot be read."""
    for kind in KEY_TYPES:
        try:
            return kind.from_private_key(io.StringIO(text), password=passphrase or None)
        except paramiko.PasswordRequiredException:
            raise BadGateway(
                "The SFTP service's private key is encrypted: set its passphrase."
            ) from None
        except (paramiko.SSHException, ValueError):
            continue
    raise BadGateway(
        "The SFTP service's private key could not be read (an OpenSSH or PEM private key is "
        "expected, with its passphrase if it has one)."
    )


@dataclass
class Connection:
    client: paramiko.SSHClient
    sftp: paramiko.SFTPClient
    used: float = field(default_factory=time.monotonic)
    """When it was last given back (``time.monotonic``)."""

    def usable(self) -> bool:
        """Whether the connection still works (probed when it sat idle a while)."""
        transport = self.client.get_transport()
        if transport is None or not transport.is_active():
            return False
        if time.monotonic() - self.used < IDLE_CHECK:
            return True
        try:
            self.sftp.normalize(".")
        except Exception:  # whatever broke it, it is not to be reused
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()


class Pool:
    """The idle connections of one set of settings (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.Lock()
        self.idle: list[Connection] = []
        self.pid = os.getpid()
        self.real_roots: dict[str, str] = {}
        """Configured root folders and where they really are on the server."""

    def connect(self) -> Connection:
        """A new connection; its failures as the client's errors."""
        settings = self.settings
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(HostKeyCheck(settings))
        try:
            key = None
            if settings.private_key:
                key = load_key(settings.private_key, settings.passphrase)
            client.connect(
                settings.host,
                port=settings.port,
                username=settings.username,
                password=settings.password or None,
                pkey=key,
                timeout=settings.timeout,
                banner_timeout=settings.timeout,
                auth_timeout=settings.timeout,
                channel_timeout=settings.timeout,
                look_for_keys=False,
                allow_agent=False,
            )
            sftp = client.open_sftp()
            sftp.get_channel().settimeout(settings.timeout)
        except ApiError:
            client.close()
            raise
        except Exception as exc:
            raise self.failure(client, exc) from None
        return Connection(client, sftp)

    def failure(self, client: paramiko.SSHClient, exc: Exception) -> ApiError:
        """The client's error for a failed connection attempt (then closed).

        paramiko stops waiting for the handshake after ``timeout`` and goes on with
        "No existing session" while its thread still waits for the server: that thread's
        own failure (the banner or key exchange timing out) is the error to report.
        """
        transport = client.get_transport()
        if transport is not None and type(exc) is paramiko.SSHException:
            transport.join(self.settings.timeout)
            found = transport.get_exception()
            exc = found or (TimeoutError("SSH handshake") if transport.is_alive() else exc)
        client.close()
        return remote_error(exc, "SFTP", "")

    def take(self) -> Connection:
        """An idle connection that still works, or a new one."""
        while True:
            with self.lock:
                if self.pid != os.getpid():  # forked: the parent's connections are not ours
                    self.idle, self.pid, self.real_roots = [], os.getpid(), {}
                connection = self.idle.pop() if self.idle else None
            if connection is None:
                return self.connect()
            if connection.usable():
                return connection
            connection.close()

    def give(self, connection: Connection) -> None:
        """Keep ``connection`` for reuse (closing any beyond ``MAX_IDLE`` or too old)."""
        now = time.monotonic()
        connection.used = now
        with self.lock:
            self.idle.append(connection)
            stale = [c for c in self.idle if now - c.used > IDLE_LIMIT]
            stale += self.idle[: max(0, len(self.idle) - len(stale) - MAX_IDLE)]
            self.idle = [c for c in self.idle if c not in stale]
        for old in stale:
            old.close()

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for connection in idle:
            connection.close()


_pools: collections.OrderedDict[Settings, Pool] = collections.OrderedDict()
_pools_lock = threading.Lock()


def pool_for(settings: Settings) -> Pool:
    """The pool of these settings (made on first use)."""
    with _pools_lock:
        pool = _pools.get(settings)
        if pool is None:
            pool = _pools[settings] = Pool(settings)
        _pools.move_to_end(settings)
        evicted = _pools.popitem(last=False)[1] if len(_pools) > MAX_POOLS else None
    if evicted is not None:
        evicted.close()
    return pool

"""SSH connections of the SFTP file service: host key checked, pooled per settings, reused.

Connections are kept in ``pool``'s pools, one per set of settings. Before
reuse a connection's transport must still be up and, after ``IDLE_CHECK``
seconds unused, it must answer a request. A connection whose call failed on
the connection itself (timeout, lost transport) is closed rather than given
back, since an SFTP stream cut in the middle of an answer is out of step
(``sftp_tree``).

The server's host key must be the one ``host_fingerprint`` names
(``hostkey``): paramiko asks ``HostKeyCheck`` about every server, since no key
is ever loaded as known. Without a fingerprint the connection is refused with
a message giving the key the server offered, for the admin to check and paste.
"""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass, field

import paramiko

from app.services.files import hostkey, pool
from app.services.files.remote_errors import remote_error
from app.vocabulary.errors import ApiError, BadGateway

IDLE_CHECK = 10.0
"""Seconds a pooled connection may sit unused before it is probed before reuse."""

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


class Pool(pool.Pool[Connection]):
    """The idle SSH connections of one set of settings."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
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


_pools: pool.Pools[Settings, Pool] = pool.Pools(Pool)


def pool_for(settings: Settings) -> Pool:
    """The pool of these settings (made on first use)."""
    return _pools.get(settings)

"""A real OpenSSH server for the SFTP file tests, started per test process on a loopback port.

``start_sshd`` writes everything the server needs into a folder of its own: an
ed25519 host key, a client key whose public half is the only authorized key,
and an ``sshd_config`` that listens on a free port of 127.0.0.1, uses no PAM,
serves ``internal-sftp`` and lets root in (with that key, or a password where
the account has one): the tests run as root, and this server accepts no one but
root and the users ``password_user`` makes. The served files are the test's
own temp folders, so a test inspects them as plain ``pathlib.Path`` objects.

Without ``sshd`` (Debian's openssh-server, in scripts/test) the tests skip,
except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.services.files.s3box import free_port, wait_for_port

SSHD = "/usr/sbin/sshd"
MISSING = "OpenSSH's sshd is needed for the SFTP file tests (Debian package openssh-server)"
USER_PREFIX = "dfsftp"
"""Accounts ``password_user`` makes (and removes) start with this."""


@dataclass(frozen=True)
class Sshd:
    process: subprocess.Popen
    port: int
    fingerprint: str
    """The host key's ``SHA256:...`` fingerprint, as ``ssh-keygen -l`` shows it."""
    host_key_line: str
    """The host key as a ``known_hosts`` line."""
    client_key: str
    """The authorized client key, in OpenSSH's private key format."""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _key_pair() -> tuple[str, str, bytes]:
    """A new ed25519 key: (private key text, ``ssh-ed25519 AAAA...`` line, public blob)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    blob = base64.b64decode(public.split()[1])
    return private, public.decode(), blob


def _write_secret(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o600)


def start_sshd(folder: Path) -> Sshd:
    """A running sshd configured in ``folder`` (see the module docstring)."""
    if not os.path.exists(SSHD):
        if os.environ.get("CI") == "true":
            raise AssertionError(MISSING)
        pytest.skip(MISSING)
    folder.mkdir(parents=True, exist_ok=True)
    host_private, host_public, host_blob = _key_pair()
    client_private, client_public, _ = _key_pair()
    _write_secret(folder / "host_ed25519", host_private)
    (folder / "authorized_keys").write_text(client_public + "\n")
    port = free_port()
    config = folder / "sshd_config"
    config.write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {folder / 'host_ed25519'}",
                "PidFile none",
                "UsePAM no",
                "PermitRootLogin yes",
                "PasswordAuthentication yes",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication yes",
                f"AuthorizedKeysFile {folder / 'authorized_keys'}",
                "StrictModes no",
                f"AllowUsers root {USER_PREFIX}*",
                "MaxStartups 100:30:200",
                "LogLevel ERROR",
                "Subsystem sftp internal-sftp",
                "",
            ]
        )
    )
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation folder
    with (folder / "sshd.log").open("wb") as log:  # the server keeps its own copy of it
        process = subprocess.Popen(  # noqa: S603 - our own server, our own config
            [SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_for_port(port)
    except AssertionError:
        process.kill()
        raise AssertionError((folder / "sshd.log").read_text()) from None
    digest = base64.b64encode(hashlib.sha256(host_blob).digest()).decode().rstrip("=")
    return Sshd(
        process,
        port,
        f"SHA256:{digest}",
        f"[127.0.0.1]:{port} {host_public}",
        client_private,
    )


@contextlib.contextmanager
def password_user(
    prefix: str = USER_PREFIX, shell: str | None = None
) -> Iterator[tuple[str, str, Path]]:
    """A throw-away account (name, password, a folder it owns), removed afterwards; its
    shell is ``nologin`` unless given (servers checking /etc/shells need a listed one).

    The folder is made in the system's temp dir: pytest's are closed to other users.
    """
    name = f"{prefix}{secrets.token_hex(4)}"
    home = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    home.chmod(0o755)
    password = secrets.token_urlsafe(16)
    login_shell = shell or shutil.which("nologin") or "/usr/sbin/nologin"
    subprocess.run(  # noqa: S603
        ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", login_shell, name],  # noqa: S607
        check=True,
    )
    try:
        subprocess.run(  # noqa: S603
            ["chpasswd"],  # noqa: S607
            input=f"{name}:{password}\n",
            text=True,
            check=True,
        )
        shutil.chown(home, name)
        yield name, password, home
    finally:
        shutil.rmtree(home, ignore_errors=True)
        for _ in range(50):  # userdel refuses while one of the user's sessions is ending
            if subprocess.run(["userdel", name], check=False).returncode in (0, 6):  # noqa: S603, S607
                break
            time.sleep(0.1)

"""vsftpd, a real FTPS server for the FTP type's own tests, started on a loopback port.

``start_vsftpd`` writes into a folder of its own a self-signed certificate for
127.0.0.1 (made with ``cryptography``) and a config serving local accounts
over explicit TLS only (logins and data both), with vsftpd's default of
requiring data connections to resume the control connection's TLS session.
vsftpd has no ``MLST``/``MLSD``, so the tests on it also cover the service's
``LIST``/``SIZE``/``MDTM`` way of reading a server. Accounts go through PAM
(Debian's ``vsftpd`` service: a shell listed in /etc/shells, not in
/etc/ftpusers), so the tests log in as a throw-away user (``password_user``).

Without vsftpd (Debian's vsftpd, in scripts/test) the tests skip, except under
``CI=true``, where they fail.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.services.files.s3box import free_port, wait_for_port

VSFTPD = "/usr/sbin/vsftpd"
MISSING = "vsftpd is needed for the FTPS file tests (Debian package vsftpd)"


@dataclass(frozen=True)
class Vsftpd:
    process: subprocess.Popen
    port: int
    certificate: str
    """The server's self-signed certificate, PEM."""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _certificate() -> tuple[str, str]:
    """A new self-signed certificate for 127.0.0.1: (certificate PEM, private key PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def start_vsftpd(folder: Path) -> Vsftpd:
    """A running vsftpd configured in ``folder`` (see the module docstring)."""
    if not os.path.exists(VSFTPD):
        if os.environ.get("CI") == "true":
            raise AssertionError(MISSING)
        pytest.skip(MISSING)
    certificate, key = _certificate()
    (folder / "cert.pem").write_text(certificate)
    (folder / "key.pem").write_text(key)
    (folder / "key.pem").chmod(0o600)
    (folder / "empty").mkdir(mode=0o755)  # vsftpd's secure_chroot_dir
    port = free_port()
    config = folder / "vsftpd.conf"
    config.write_text(
        "\n".join(
            [
                "listen=YES",
                "listen_address=127.0.0.1",
                f"listen_port={port}",
                "background=NO",
                "anonymous_enable=NO",
                "local_enable=YES",
                "write_enable=YES",
                "local_umask=022",
                "pam_service_name=vsftpd",
                f"secure_chroot_dir={folder / 'empty'}",
                "ssl_enable=YES",
                f"rsa_cert_file={folder / 'cert.pem'}",
                f"rsa_private_key_file={folder / 'key.pem'}",
                "force_local_logins_ssl=YES",
                "force_local_data_ssl=YES",
                "seccomp_sandbox=NO",
                "xferlog_enable=NO",
                "",
            ]
        )
    )
    with (folder / "vsftpd.log").open("wb") as log:  # the server keeps its own copy of it
        process = subprocess.Popen(  # noqa: S603 - our own server, our own config
            [VSFTPD, str(config)], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port)
    except AssertionError:
        process.kill()
        raise AssertionError((folder / "vsftpd.log").read_text()) from None
    return Vsftpd(process, port, certificate)

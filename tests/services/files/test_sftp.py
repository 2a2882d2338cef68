"""What only the ``sftp_file`` type has: its config, its host key check, its logins and failures.

Everything else a file service does is checked on SFTP by the rest of this
folder's tests (``box`` runs each on every storage). The servers here are
real: the test process's OpenSSH server (``sshd``), a loopback port nobody
listens on, and one that accepts connections but never answers.
"""

from __future__ import annotations

import socket
import sys

import pytest
from cryptography.hazmat.primitives import serialization

from app.services.describe import MASK
from app.services.files import ssh
from tests.conftest import assert_error
from tests.services.files.conftest import files_service, sftp_config, use_storage
from tests.services.files.s3box import free_port
from tests.services.files.sshd import password_user

# Each test here checks the sftp_file type alone.
pytestmark = pytest.mark.only_storage("sftp_file")


def _reconfigure(admin, **config) -> None:
    use_storage(admin, "sftp_file", config)


def test_secrets_are_masked_and_kept_when_sent_back(admin, box, sshd):
    _reconfigure(admin, **sftp_config(sshd, box, password="not-used", passphrase=""))
    service = files_service(admin)
    config = service["config"]
    assert service["type"] == "sftp_file"
    assert config["private_key"] == MASK
    assert config["password"] == MASK
    assert config["host_fingerprint"] == sshd.fingerprint
    assert config["container"] == str(box)
    response = admin.patch(f"system/service/{service['id']}", json={"config": config})
    assert response.status_code == 200, response.get_json()
    (box / "a.txt").write_bytes(b"still reachable")
    assert admin.get("files/a.txt").data == b"still reachable"


def test_config_is_validated(admin, box, sshd):
    service = files_service(admin)
    bad = sftp_config(sshd, "/srv/../etc", port=70000, host_fingerprint="SHA1:abc")
    bad["private_key"] = "/root/.ssh/id_rsa"  # a path on this server: never read
    response = admin.patch(f"system/service/{service['id']}", json={"config": bad})
    error = assert_error(response, 400)
    assert set(error["context"]) == {
        "config.container",
        "config.port",
        "config.host_fingerprint",
        "config.private_key",
    }


def test_without_a_fingerprint_the_error_shows_the_servers(admin, box, sshd):
    _reconfigure(admin, **sftp_config(sshd, box, host_fingerprint=None))
    error = assert_error(admin.get("files/"), 502)
    assert error["message"].startswith("The SFTP server's host key is not trusted yet")
    assert f"offered ssh-ed25519 {sshd.fingerprint};" in error["message"]
    _reconfigure(admin, **sftp_config(sshd, box, host_fingerprint=sshd.fingerprint))
    assert admin.get("files/").status_code == 200


def test_a_different_host_key_is_refused(admin, box, sshd):
    other = "SHA256:" + "A" * 43
    _reconfigure(admin, **sftp_config(sshd, box, host_fingerprint=other))
    error = assert_error(admin.get("files/"), 502)
    assert "host_fingerprint does not name" in error["message"]
    assert sshd.fingerprint in error["message"]
    (box / "secret.txt").write_bytes(b"never sent")
    assert_error(admin.get("files/secret.txt"), 502)


@pytest.mark.parametrize("form", ["known_hosts", "keyscan", "md5"])
def test_the_host_key_may_be_given_as_a_key_line_or_hex(admin, box, sshd, form):
    import base64
    import hashlib

    blob = base64.b64decode(sshd.host_key_line.split()[2])
    given = {
        "known_hosts": sshd.host_key_line,
        "keyscan": f"# 127.0.0.1 SSH-2.0-OpenSSH\n{sshd.host_key_line}\n",
        "md5": "MD5:" + ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest()),  # noqa: S324
    }[form]
    _reconfigure(admin, **sftp_config(sshd, box, host_fingerprint=given))
    (box / "a.txt").write_bytes(b"trusted")
    assert admin.get("files/a.txt").data == b"trusted"


def test_password_logins_and_refused_passwords(admin, box, sshd):
    with password_user() as (user, password, home):
        login = {"username": user, "private_key": None, "container": str(home)}
        _reconfigure(admin, **sftp_config(sshd, box, **login, password=password + "x"))
        error = assert_error(admin.get("files/"), 502)
        assert error["message"] == (
            "The SFTP storage refused the service's credentials (Authentication failed.)."
        )
        _reconfigure(admin, **sftp_config(sshd, box, **login, password=password))
        written = admin.post("files/mine.txt", data=b"by password", content_type="text/plain")
        assert written.status_code == 201, written.get_json()
        assert (home / "mine.txt").read_bytes() == b"by password"


def test_an_encrypted_private_key_needs_its_passphrase(admin, box, sshd):
    key = serialization.load_ssh_private_key(sshd.client_key.encode(), password=None)
    locked = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.BestAvailableEncryption(b"open sesame"),
    ).decode()
    _reconfigure(admin, **sftp_config(sshd, box, private_key=locked))
    assert_error(
        admin.get("files/"), 502, "The SFTP service's private key is encrypted: set its passphrase."
    )
    _reconfigure(admin, **sftp_config(sshd, box, private_key=locked, passphrase="open sesame"))
    assert admin.get("files/").status_code == 200


def test_a_missing_root_folder_is_404(admin, box, sshd):
    missing = box / "nowhere"
    _reconfigure(admin, **sftp_config(sshd, missing))
    assert_error(admin.get("files/"), 404, f"The SFTP container '{missing}' does not exist.")
    assert_error(admin.post("files/a.txt", data=b"x", content_type="text/plain"), 404)
    assert not missing.exists()


def test_an_unreachable_server_is_503(admin, box, sshd):
    _reconfigure(admin, **sftp_config(sshd, box, port=free_port()))
    assert_error(admin.get("files/"), 503, "The SFTP storage cannot be reached.")


def test_a_server_that_never_answers_is_504(app, admin, box, sshd):
    app.config["FILE_REMOTE_TIMEOUT"] = 0.5
    with socket.socket() as silent:  # the kernel accepts connections; nobody answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        _reconfigure(admin, **sftp_config(sshd, box, port=port))
        assert_error(admin.get("files/"), 504, "The SFTP storage did not answer in time.")


def test_connections_are_reused_and_checked_before_reuse(app, admin, box, sshd):
    (box / "a.txt").write_bytes(b"pooled")
    assert admin.get("files/a.txt").data == b"pooled"
    settings = ssh.Settings(
        host="127.0.0.1",
        port=sshd.port,
        username="root",
        private_key=sshd.client_key,
        fingerprint=sshd.fingerprint,
        timeout=float(app.config["FILE_REMOTE_TIMEOUT"]),
    )
    pool = ssh.pool_for(settings)  # earlier tests of this process may have filled it
    before = list(pool.idle)
    assert before
    assert admin.get("files/").status_code == 200
    assert all(any(c is old for old in before) for c in pool.idle)  # no new handshake
    for connection in before:
        connection.client.get_transport().close()  # the server went away meanwhile
    assert admin.get("files/a.txt").data == b"pooled"
    assert pool.idle and not any(c is old for c in pool.idle for old in before)


def test_the_type_is_unavailable_without_paramiko(monkeypatch):
    from app.services.files.sftp import SftpFileService

    assert SftpFileService.available() == (True, "")
    monkeypatch.setitem(sys.modules, "paramiko", None)
    assert SftpFileService.available() == (False, "the paramiko package is not installed")

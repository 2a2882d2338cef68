"""What only the ``ftp_file`` type has: its config, FTPS, its logins, failures and connections.

Everything else a file service does is checked on FTP by the rest of this
folder's tests (``box`` runs each on every storage, against pyftpdlib). The
servers here are real: the test process's pyftpdlib server (``ftpd``), vsftpd
over explicit TLS (``vsftpd``: no MLSD, so also the LIST way of reading a
server), a loopback port nobody listens on, and one that accepts connections
but never answers.
"""

from __future__ import annotations

import ftplib
import os
import select
import socket
from email.utils import formatdate

import pytest

from app.services.describe import MASK
from app.services.files import ftp_connection
from tests.conftest import assert_error
from tests.services.files.conftest import files_service, ftp_config, leftovers, use_storage
from tests.services.files.s3box import free_port
from tests.services.files.sshd import password_user
from tests.services.files.vsftpd import start_vsftpd

# Each test here checks the ftp_file type alone.
pytestmark = pytest.mark.only_storage("ftp_file")


@pytest.fixture(scope="module")
def vsftpd(tmp_path_factory):
    server = start_vsftpd(tmp_path_factory.mktemp("vsftpd"))
    yield server
    server.stop()


def _reconfigure(admin, **config) -> None:
    use_storage(admin, "ftp_file", config)


def _pool(app, ftpd) -> ftp_connection.Pool:
    """The pool the service's connections to ``ftpd`` are kept in."""
    settings = ftp_connection.Settings(
        host="127.0.0.1",
        port=ftpd.port,
        username=ftpd.username,
        password=ftpd.password,
        timeout=float(app.config["FILE_REMOTE_TIMEOUT"]),
    )
    return ftp_connection.pool_for(settings)


def test_secrets_are_masked_and_kept_when_sent_back(admin, box, ftpd):
    service = files_service(admin)
    config = service["config"]
    assert service["type"] == "ftp_file"
    assert config["password"] == MASK
    assert config["username"] == ftpd.username
    assert config["container"] == ftpd.container(box)
    assert (config["ssl"], config["passive"]) == (False, True)
    response = admin.patch(f"system/service/{service['id']}", json={"config": config})
    assert response.status_code == 200, response.get_json()
    (box / "a.txt").write_bytes(b"still reachable")
    assert admin.get("files/a.txt").data == b"still reachable"


def test_config_is_validated(admin, box, ftpd):
    service = files_service(admin)
    bad = ftp_config(ftpd, box, port=70000, ssl_certificate="/etc/ssl/certs/mine.pem")
    bad["container"] = "/srv/../etc"
    response = admin.patch(f"system/service/{service['id']}", json={"config": bad})
    error = assert_error(response, 400)
    assert set(error["context"]) == {"config.container", "config.port", "config.ssl_certificate"}


def test_a_refused_password_is_502_with_the_servers_reason(admin, box, ftpd):
    _reconfigure(admin, **ftp_config(ftpd, box, password="wrong"))
    assert_error(
        admin.get("files/"),
        502,
        "The FTP storage refused the service's credentials (530 Authentication failed.).",
    )


def test_a_missing_root_folder_is_404(admin, box, ftpd):
    missing = box / "nowhere"
    _reconfigure(admin, **ftp_config(ftpd, missing))
    message = f"The FTP container '{ftpd.container(missing)}' does not exist."
    assert_error(admin.get("files/"), 404, message)
    assert_error(admin.post("files/a.txt", data=b"x", content_type="text/plain"), 404)
    assert not missing.exists()


def test_an_unreachable_server_is_503(admin, box, ftpd):
    _reconfigure(admin, **ftp_config(ftpd, box, port=free_port()))
    assert_error(admin.get("files/"), 503, "The FTP storage cannot be reached.")


def test_a_server_that_never_answers_is_504(app, admin, box, ftpd):
    app.config["FILE_REMOTE_TIMEOUT"] = 0.5
    with socket.socket() as silent:  # the kernel accepts connections; nobody answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        _reconfigure(admin, **ftp_config(ftpd, box, port=silent.getsockname()[1]))
        assert_error(admin.get("files/"), 504, "The FTP storage did not answer in time.")


def test_names_with_line_breaks_are_refused(admin, box):
    (box / "b.txt").write_bytes(b"kept")
    body = {"resource": [{"name": "a\r\nDELE b.txt", "type": "file", "content": "x"}]}
    response = admin.post("files/", json=body)
    assert response.get_json()["resource"][0]["error"] == {
        "message": "FTP cannot name files or folders with line breaks in their names."
    }
    assert [p.name for p in box.iterdir()] == ["b.txt"]


def test_connections_are_reused_and_checked_before_reuse(app, admin, box, ftpd):
    (box / "a.txt").write_bytes(b"pooled")
    assert admin.get("files/a.txt").data == b"pooled"
    pool = _pool(app, ftpd)  # earlier tests of this process may have filled it
    before = list(pool.idle)
    assert before
    assert admin.get("files/").status_code == 200
    assert all(any(c is old for old in before) for c in pool.idle)  # no new login
    for connection in before:  # the server says goodbye and hangs up, behind the pool's back
        connection.ftp.putcmd("QUIT")
        assert select.select([connection.ftp.sock], [], [], 10)[0]
    assert admin.get("files/a.txt").data == b"pooled"
    assert pool.idle and not any(c is old for c in pool.idle for old in before)


def test_a_download_stopped_early_leaves_its_connection_in_step(app, admin, box, ftpd):
    content = os.urandom(4 * 1024 * 1024)  # more than the sockets hold: the server is cut off
    (box / "big.bin").write_bytes(content)
    ranged = admin.get("files/big.bin", headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206 and ranged.data == content[10:20]
    pool = _pool(app, ftpd)
    before = list(pool.idle)
    assert before
    assert admin.get("files/big.bin").data == content
    assert admin.get("files/big.bin", headers={"Range": "bytes=-5"}).data == content[-5:]
    assert all(any(c is old for old in before) for c in pool.idle)


def test_active_mode_transfers(admin, box, ftpd):
    _reconfigure(admin, **ftp_config(ftpd, box, passive=False))
    assert admin.post("files/docs/").status_code == 201
    written = admin.post("files/docs/a.txt", data=b"actively", content_type="text/plain")
    assert written.status_code == 201, written.get_json()
    assert (box / "docs" / "a.txt").read_bytes() == b"actively"
    assert admin.get("files/docs/a.txt").data == b"actively"
    listed = admin.get("files/docs/").get_json()["resource"]
    assert [entry["path"] for entry in listed] == ["docs/a.txt"]


def test_a_server_that_will_not_replace_on_rename_gets_the_target_removed(admin, box, ftpd):
    user = f"{ftpd.username}-noreplace"
    (box / "old.txt").write_bytes(b"old")
    (box / "new.txt").write_bytes(b"new")
    with ftplib.FTP() as direct:  # the server really refuses to rename onto a file
        direct.connect("127.0.0.1", ftpd.port, timeout=10)
        direct.login(user, ftpd.password)
        with pytest.raises(ftplib.error_perm, match="^550"):
            direct.rename(f"{ftpd.container(box)}/new.txt", f"{ftpd.container(box)}/old.txt")
    _reconfigure(admin, **ftp_config(ftpd, box, username=user))
    written = admin.post("files/old.txt", data=b"replaced", content_type="text/plain")
    assert written.status_code == 201, written.get_json()
    assert (box / "old.txt").read_bytes() == b"replaced"
    assert leftovers(box) == []


@pytest.fixture
def ftps_account(app, vsftpd):
    """A local account vsftpd lets in (name, password, home folder); the service's pooled
    connections to it are closed afterwards (vsftpd serves each in a process of the user's,
    which would keep the account from being removed)."""
    with password_user(prefix="dfftps", shell="/bin/sh") as account:
        yield account
        user, password, _ = account
        for certificate in (vsftpd.certificate, None):
            settings = ftp_connection.Settings(
                host="127.0.0.1",
                port=vsftpd.port,
                username=user,
                password=password,
                tls=True,
                certificate=certificate,
                timeout=float(app.config["FILE_REMOTE_TIMEOUT"]),
            )
            ftp_connection.pool_for(settings).close()


def test_ftps_uploads_downloads_lists_and_deletes_over_tls(admin, box, vsftpd, ftps_account):
    user, password, home = ftps_account
    config = {
        "host": "127.0.0.1",
        "port": vsftpd.port,
        "username": user,
        "password": password,
        "ssl": True,
        "ssl_certificate": vsftpd.certificate,
        "container": str(home),
    }
    _reconfigure(admin, **config)
    assert admin.post("files/docs/").status_code == 201
    written = admin.post("files/docs/a b.txt", data=b"over TLS", content_type="text/plain")
    assert written.status_code == 201, written.get_json()
    assert (home / "docs" / "a b.txt").read_bytes() == b"over TLS"
    assert admin.get("files/docs/a%20b.txt").data == b"over TLS"
    ranged = admin.get("files/docs/a%20b.txt", headers={"Range": "bytes=5-"})
    assert ranged.status_code == 206 and ranged.data == b"TLS"
    os.utime(home / "docs" / "a b.txt", (1767261600, 1767261600))  # MDTM's exact time
    props = admin.get("files/docs/a%20b.txt", query_string={"include_properties": "1"})
    assert props.get_json()["content_length"] == 8
    assert props.get_json()["last_modified"] == formatdate(1767261600, usegmt=True)
    os.symlink(home / "docs" / "a b.txt", home / "docs" / "link.txt")  # listed as its target
    listed = admin.get("files/", query_string={"full_tree": "true"}).get_json()["resource"]
    assert sorted(entry["path"] for entry in listed) == [
        "docs/",
        "docs/a b.txt",
        "docs/link.txt",
    ]
    assert admin.get("files/docs/link.txt").data == b"over TLS"
    assert_error(admin.delete("files/docs/"), 400)
    assert admin.delete("files/docs/", query_string={"force": "true"}).status_code == 200
    assert list(home.iterdir()) == []


def test_an_ftps_certificate_not_trusted_is_502(admin, box, vsftpd, ftps_account):
    user, password, home = ftps_account
    config = {"host": "127.0.0.1", "port": vsftpd.port, "username": user, "password": password}
    _reconfigure(admin, **config, ssl=True, container=str(home))
    error = assert_error(admin.get("files/"), 502)
    assert error["message"].startswith("The FTP storage's TLS certificate is not trusted (")
    _reconfigure(admin, **config, ssl=False, container=str(home))  # vsftpd insists on TLS
    error = assert_error(admin.get("files/"), 502)
    assert error["message"].startswith("The FTP storage refused the service's credentials (530")

"""Remote storages that cannot be reached (503) or never answer (504), for every remote type.

The servers are real: a loopback port nobody listens on, and a socket the
kernel accepts connections on while nobody ever answers.
"""

from __future__ import annotations

import socket

import pytest

from tests.conftest import assert_error
from tests.services.files import azurebox
from tests.services.files.conftest import STORAGES, azure_config, s3_config, use_storage
from tests.services.files.s3box import free_port

REMOTE = tuple(storage for storage in STORAGES if storage != "local_file")

WHAT = {
    "aws_s3": "S3",
    "azure_blob": "Azure Blob",
    "sftp_file": "SFTP",
    "ftp_file": "FTP",
    "webdav_file": "WebDAV",
}
"""How the errors name each storage."""

pytestmark = pytest.mark.only_storage(*REMOTE)


def _config(storage: str, port: int) -> dict:
    """A config of ``storage`` on the server at loopback ``port``."""
    server = f"http://127.0.0.1:{port}"
    if storage == "aws_s3":
        return s3_config("any-bucket", server)
    if storage == "webdav_file":
        return {"base_uri": server, "username": "any-user", "password": "x", "container": "/"}
    if storage == "ftp_file":
        return {
            "host": "127.0.0.1",
            "port": port,
            "username": "any-user",
            "password": "any-password",
            "container": "/any-folder",
        }
    if storage == "sftp_file":
        return {
            "host": "127.0.0.1",
            "port": port,
            "username": "root",
            "password": "any-password",
            "host_fingerprint": "SHA256:" + "A" * 43,
            "container": "/srv/any-folder",
        }
    return azure_config("any-container", f"{server}/{azurebox.ACCOUNT}")


def test_an_unreachable_server_is_503(admin, box, storage):
    use_storage(admin, storage, _config(storage, free_port()))
    assert_error(admin.get("files/"), 503, f"The {WHAT[storage]} storage cannot be reached.")


def test_a_server_that_never_answers_is_504(app, admin, box, storage):
    app.config["FILE_REMOTE_TIMEOUT"] = 0.5
    with socket.socket() as silent:  # the kernel accepts connections; nobody answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        use_storage(admin, storage, _config(storage, port))
        message = f"The {WHAT[storage]} storage did not answer in time."
        assert_error(admin.get("files/"), 504, message)

"""What only the ``azure_blob`` type has: its config, its remote failures, large staged uploads.

Everything else a file service does is checked on Azure by the rest of this
folder's tests (``box`` runs each on every storage). The servers here are
real: Azurite (``azurebox``), a loopback port nobody listens on, and one that
accepts connections but never answers.
"""

from __future__ import annotations

import base64
import datetime
import io
import os
import socket
import sys

import pytest

from app.services.describe import MASK
from app.services.files.blob import BLOCK_SIZE
from tests.conftest import assert_error
from tests.services.files import azurebox
from tests.services.files.conftest import azure_config, leftovers
from tests.services.files.s3box import free_port

# Each test here checks the azure_blob type alone.
pytestmark = pytest.mark.only_storage("azure_blob")


def _files_service(admin) -> dict:
    found = admin.get("system/service", query_string={"filter": "name='files'"})
    return found.get_json()["resource"][0]


def _reconfigure(admin, **config):
    service = _files_service(admin)
    return admin.patch(
        f"system/service/{service['id']}", json={"type": "azure_blob", "config": config}
    )


NO_ACCOUNT = {"account_name": None, "account_key": None, "endpoint": None}
"""The account settings cleared (a PATCH keeps what it does not name)."""


def _use(admin, **config) -> None:
    response = _reconfigure(admin, **config)
    assert response.status_code == 200, response.get_json()


def test_secrets_are_masked_and_kept_when_sent_back(admin, box):
    service = _files_service(admin)
    config = service["config"]
    assert service["type"] == "azure_blob"
    assert config["account_key"] == MASK
    assert config["account_name"] == azurebox.ACCOUNT
    assert config["container"] == box.container
    assert config["protocol"] == "http"
    response = admin.patch(f"system/service/{service['id']}", json={"config": config})
    assert response.status_code == 200, response.get_json()
    (box / "a.txt").write_bytes(b"still reachable")
    assert admin.get("files/a.txt").data == b"still reachable"


def test_a_connection_string_signs_in_and_is_masked(admin, box, azurite_endpoint):
    conn = azurebox.connection_string(azurite_endpoint)
    _use(admin, **NO_ACCOUNT, connection_string=conn, container=box.container)
    assert _files_service(admin)["config"]["connection_string"] == MASK
    assert admin.post("files/c.txt", data=b"by connection string").status_code == 201
    assert (box / "c.txt").read_bytes() == b"by connection string"
    service = _files_service(admin)
    kept = admin.patch(f"system/service/{service['id']}", json={"config": service["config"]})
    assert kept.status_code == 200, kept.get_json()
    assert admin.get("files/c.txt").data == b"by connection string"


def test_a_sas_token_signs_in_and_is_masked(admin, box, azurite_endpoint):
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    token = generate_container_sas(
        azurebox.ACCOUNT,
        box.container,
        account_key=azurebox.KEY,
        permission=ContainerSasPermissions(read=True, write=True, delete=True, list=True),
        expiry=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1),
    )
    _use(
        admin,
        **{**NO_ACCOUNT, "endpoint": azurite_endpoint},
        sas_token=token,
        container=box.container,
    )
    assert _files_service(admin)["config"]["sas_token"] == MASK
    assert admin.post("files/s.txt", data=b"by SAS").status_code == 201
    copied = admin.post(
        "files/", json={"resource": [{"name": "t.txt", "type": "file", "source_path": "s.txt"}]}
    )
    assert copied.status_code == 201, copied.get_json()
    assert admin.get("files/t.txt").data == b"by SAS"
    assert admin.delete("files/s.txt").status_code == 200
    assert not (box / "s.txt").exists()


def test_config_is_validated(admin, box, azurite_endpoint):
    bad = azure_config("Not_A_Container", "ftp://example", account_key="not base64!")
    error = assert_error(_reconfigure(admin, **bad), 400)
    assert set(error["context"]) == {"config.container", "config.endpoint", "config.account_key"}
    keyless = _reconfigure(admin, **{**NO_ACCOUNT, "account_name": "abc"}, container="files")
    assert set(assert_error(keyless, 400)["context"]) == {"config.account_key"}
    error = assert_error(_reconfigure(admin, container="files", connection_string="x"), 400)
    assert set(error["context"]) == {"config.connection_string"}


def test_a_missing_container_is_404(admin, box, azurite_endpoint):
    _use(admin, **azure_config("no-such-container", azurite_endpoint))
    message = "The Azure Blob container 'no-such-container' does not exist."
    assert_error(admin.get("files/"), 404, message)
    assert_error(admin.post("files/a.txt", data=b"x", content_type="text/plain"), 404, message)


def test_a_wrong_key_is_502_with_the_backends_reason(admin, box, azurite_endpoint):
    wrong = base64.b64encode(b"not the account key, but base64").decode()
    _use(admin, **azure_config(box.container, azurite_endpoint, account_key=wrong))
    error = assert_error(admin.get("files/"), 502)
    assert error["message"].startswith(
        "The Azure Blob storage refused the service's credentials (AuthorizationFailure: "
    )
    assert wrong not in error["message"]


def test_an_unreachable_server_is_503(admin, box):
    closed = f"http://127.0.0.1:{free_port()}/{azurebox.ACCOUNT}"
    _use(admin, **azure_config("any-container", closed))
    assert_error(admin.get("files/"), 503, "The Azure Blob storage cannot be reached.")


def test_a_server_that_never_answers_is_504(app, admin, box):
    app.config["FILE_REMOTE_TIMEOUT"] = 0.5
    with socket.socket() as silent:  # the kernel accepts connections; nobody answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        _use(admin, **azure_config("any-container", f"http://127.0.0.1:{port}/devstoreaccount1"))
        assert_error(admin.get("files/"), 504, "The Azure Blob storage did not answer in time.")


def test_large_uploads_are_staged_in_blocks(admin, box):
    data = os.urandom(5 * BLOCK_SIZE + 123)
    response = admin.post("files/big.bin", data=data, content_type="application/octet-stream")
    assert response.status_code == 201, response.get_json()
    blocks = box.client.get_blob_client("big.bin").get_block_list()[0]
    assert len(blocks) == 6
    assert (box / "big.bin").read_bytes() == data
    part = admin.get("files/big.bin", headers={"Range": "bytes=10000000-10000009"})
    assert part.status_code == 206 and part.data == data[10_000_000:10_000_010]
    assert leftovers(box) == []


def _cut_upload(admin, path: str):
    data = os.urandom(3 * BLOCK_SIZE)  # blocks staged, then the client is gone
    return admin.post(
        path,
        input_stream=io.BytesIO(data),
        content_type="application/octet-stream",
        environ_overrides={"CONTENT_LENGTH": str(len(data) + 1000), "wsgi.input_terminated": True},
    )


def test_an_upload_failing_after_its_first_blocks_leaves_nothing(admin, box):
    (box / "old.bin").write_bytes(b"old")
    assert_error(_cut_upload(admin, "files/old.bin"), 400)
    assert (box / "old.bin").read_bytes() == b"old"
    assert_error(_cut_upload(admin, "files/new.bin"), 400)
    assert not (box / "new.bin").exists()
    assert leftovers(box) == []  # the new name's staged blocks were dropped


def test_the_type_is_unavailable_without_azure_storage_blob(monkeypatch):
    from app.services.files.azure import AzureBlobFileService

    assert AzureBlobFileService.available() == (True, "")
    monkeypatch.setitem(sys.modules, "azure.storage.blob", None)
    expected = (False, "the azure-storage-blob package is not installed")
    assert AzureBlobFileService.available() == expected

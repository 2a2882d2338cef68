"""What only the ``azure_blob`` type has: its config, its remote failures, large staged uploads.

Everything else a file service does is checked on Azure by the rest of this
folder's tests (``box`` runs each on every storage). The servers here are
real: Azurite (``azurebox``); servers that cannot be reached or never answer
are test_unreachable.py's.
"""

from __future__ import annotations

import base64
import datetime
import io
import os
import sys

import pytest

from app.services.describe import MASK
from app.services.files.blob import BLOCK_SIZE
from tests.conftest import assert_error
from tests.services.files import azurebox
from tests.services.files.conftest import (
    azure_config,
    files_service,
    leftovers,
    reconfigure,
    use_storage,
)

# Each test here checks the azure_blob type alone.
pytestmark = pytest.mark.only_storage("azure_blob")


NO_ACCOUNT = {"account_name": None, "account_key": None, "endpoint": None}
"""The account settings cleared (a PATCH keeps what it does not name)."""


def test_secrets_are_masked_and_kept_when_sent_back(admin, box):
    service = files_service(admin)
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
    signed = {"connection_string": conn, "container": box.container}
    use_storage(admin, "azure_blob", {**NO_ACCOUNT, **signed})
    assert files_service(admin)["config"]["connection_string"] == MASK
    assert admin.post("files/c.txt", data=b"by connection string").status_code == 201
    assert (box / "c.txt").read_bytes() == b"by connection string"
    service = files_service(admin)
    kept = admin.patch(f"system/service/{service['id']}", json={"config": service["config"]})
    assert kept.status_code == 200, kept.get_json()
    assert admin.get("files/c.txt").data == b"by connection string"


def test_a_connection_string_may_come_from_a_lookup(admin, box, azurite_endpoint):
    conn = azurebox.connection_string(azurite_endpoint)
    lookups = [
        {"name": "azure_conn", "value": conn, "private": True},
        {"name": "broken_conn", "value": "no pairs here", "private": True},
    ]
    assert admin.post("system/lookup", json={"resource": lookups}).status_code == 201
    looked_up = {"connection_string": "{azure_conn}", "container": box.container}
    use_storage(admin, "azure_blob", {**NO_ACCOUNT, **looked_up})
    assert admin.post("files/l.txt", data=b"looked up").status_code == 201
    assert (box / "l.txt").read_bytes() == b"looked up"
    use_storage(admin, "azure_blob", {**looked_up, "connection_string": "{broken_conn}"})
    error = assert_error(admin.get("files/"), 502)
    assert error["message"].startswith("The Azure Blob service's settings are not valid: ")


def test_a_sas_token_signs_in_and_is_masked(admin, box, azurite_endpoint):
    from azure.storage.blob import ContainerSasPermissions, generate_container_sas

    token = generate_container_sas(
        azurebox.ACCOUNT,
        box.container,
        account_key=azurebox.KEY,
        permission=ContainerSasPermissions(read=True, write=True, delete=True, list=True),
        expiry=datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1),
    )
    signed = {"endpoint": azurite_endpoint, "sas_token": token, "container": box.container}
    use_storage(admin, "azure_blob", {**NO_ACCOUNT, **signed})
    assert files_service(admin)["config"]["sas_token"] == MASK
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
    error = assert_error(reconfigure(admin, "azure_blob", bad), 400)
    assert set(error["context"]) == {"config.container", "config.endpoint", "config.account_key"}
    keyless = {**NO_ACCOUNT, "account_name": "abc", "container": "files"}
    keyless_answer = reconfigure(admin, "azure_blob", keyless)
    assert set(assert_error(keyless_answer, 400)["context"]) == {"config.account_key"}
    bad_string = {"container": "files", "connection_string": "x"}
    error = assert_error(reconfigure(admin, "azure_blob", bad_string), 400)
    assert set(error["context"]) == {"config.connection_string"}


def test_a_missing_container_is_404(admin, box, azurite_endpoint):
    use_storage(admin, "azure_blob", azure_config("no-such-container", azurite_endpoint))
    message = "The Azure Blob container 'no-such-container' does not exist."
    assert_error(admin.get("files/"), 404, message)
    assert_error(admin.post("files/a.txt", data=b"x", content_type="text/plain"), 404, message)


def test_a_wrong_key_is_502_with_the_backends_reason(admin, box, azurite_endpoint):
    wrong = base64.b64encode(b"not the account key, but base64").decode()
    config = azure_config(box.container, azurite_endpoint, account_key=wrong)
    use_storage(admin, "azure_blob", config)
    error = assert_error(admin.get("files/"), 502)
    assert error["message"].startswith(
        "The Azure Blob storage refused the service's credentials (AuthorizationFailure: "
    )
    assert wrong not in error["message"]


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

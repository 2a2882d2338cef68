"""What only the ``aws_s3`` type has: its config, its remote failures, large streamed uploads.

Everything else a file service does is checked on S3 by the rest of this
folder's tests (``box`` runs each on every storage). The servers here are
real: moto's S3 server (``s3box``), one started with authentication on (it
refuses keys it never issued); servers that cannot be reached or never answer
are test_unreachable.py's.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from app.services.describe import MASK
from tests.conftest import assert_error
from tests.services.files.conftest import files_service, leftovers, s3_config, use_storage
from tests.services.files.s3box import free_port, wait_for_port


def _reconfigure(admin, **config) -> None:
    use_storage(admin, "aws_s3", config)


# Each test here checks the aws_s3 type alone.
pytestmark = pytest.mark.only_storage("aws_s3")


def test_the_secret_is_masked_and_kept_when_sent_back(admin, box):
    service = files_service(admin)
    config = service["config"]
    assert service["type"] == "aws_s3"
    assert config["secret"] == MASK
    assert config["key"] == "test-key"
    assert config["container"] == box.bucket
    assert config["use_path_style_endpoint"] is True
    response = admin.patch(f"system/service/{service['id']}", json={"config": config})
    assert response.status_code == 200, response.get_json()
    (box / "a.txt").write_bytes(b"still reachable")
    assert admin.get("files/a.txt").data == b"still reachable"


def test_config_is_validated(admin, box):
    service = files_service(admin)
    bad = {**s3_config("Not A Bucket!", "ftp://example"), "secret": "x"}
    response = admin.patch(f"system/service/{service['id']}", json={"config": bad})
    error = assert_error(response, 400)
    assert set(error["context"]) == {"config.container", "config.endpoint"}


def test_a_missing_bucket_is_404(admin, box, moto_endpoint):
    use_storage(admin, "aws_s3", s3_config("no-such-bucket-here", moto_endpoint))
    assert_error(admin.get("files/"), 404, "The S3 container 'no-such-bucket-here' does not exist.")
    written = admin.post("files/a.txt", data=b"x", content_type="text/plain")
    assert_error(written, 404)


def test_refused_credentials_are_502_with_the_backends_reason(admin, box):
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        use_storage(admin, "aws_s3", s3_config("any-bucket", f"http://127.0.0.1:{port}"))
        error = assert_error(admin.get("files/"), 502)
        assert error["message"].startswith("The S3 storage refused the service's credentials (")
        assert "InvalidAccessKeyId" in error["message"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_large_uploads_stream_in_parts(app, admin, box):
    data = os.urandom(20 * 1024 * 1024 + 123)  # a multipart upload of more than two parts
    response = admin.post("files/big.bin", data=data, content_type="application/octet-stream")
    assert response.status_code == 201, response.get_json()
    assert (box / "big.bin").read_bytes() == data
    part = admin.get("files/big.bin", headers={"Range": "bytes=10000000-10000009"})
    assert part.status_code == 206 and part.data == data[10_000_000:10_000_010]
    assert leftovers(box) == []


def test_an_upload_failing_after_its_first_parts_leaves_nothing(app, admin, box):
    (box / "big.bin").write_bytes(b"old")
    data = os.urandom(20 * 1024 * 1024)  # two parts sent, then the client is gone
    response = admin.post(
        "files/big.bin",
        input_stream=io.BytesIO(data),
        content_type="application/octet-stream",
        environ_overrides={"CONTENT_LENGTH": str(len(data) + 1000), "wsgi.input_terminated": True},
    )
    assert_error(response, 400)
    assert (box / "big.bin").read_bytes() == b"old"
    assert leftovers(box) == []  # the multipart upload was aborted


def test_the_type_is_unavailable_without_boto3(monkeypatch):
    from app.services.files.aws import S3FileService

    assert S3FileService.available() == (True, "")
    monkeypatch.setitem(sys.modules, "boto3", None)
    assert S3FileService.available() == (False, "the boto3 package is not installed")

"""What folder checks and listings cost on the object stores, in requests to the store.

A folder check is one listing request, whatever the folder holds; a listing
without ``full_tree`` asks for one level (delimiter ``/``), so its requests
grow with the folder's direct entries, not with the tree below it. Each test
runs on S3 (moto) and Azure (Azurite): the storage under test is built on a
client of the test's container that records each request it sends (botocore's
``before-call`` event; azure-core's ``raw_request_hook``), named ``list``,
``head`` or by the backend's own name for anything else. The page size
(``LIST_PAGE``) is lowered to 2 so a deep tree would show in the count.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from app.services.files import blob, s3
from app.services.files.blob import BlobStorage
from app.services.files.listing import folder_properties, list_folder
from app.services.files.paths import TMP_PREFIX
from app.services.files.s3 import S3Storage
from app.vocabulary.errors import NotFound
from tests.services.files import azurebox
from tests.services.files.s3box import s3_client

pytestmark = pytest.mark.only_storage("aws_s3", "azure_blob")


def _s3_call(model, **_) -> str:
    return {"ListObjectsV2": "list", "HeadObject": "head"}.get(model.name, model.name)


def _azure_call(request) -> str:
    sent = request.http_request
    if parse_qs(urlsplit(sent.url).query).get("comp") == ["list"]:
        return "list"
    return "head" if sent.method == "HEAD" else f"{sent.method} {urlsplit(sent.url).path}"


@pytest.fixture
def counted(request, box, storage, monkeypatch):
    """An ``ObjectStorage`` on the test's container, and the requests it sent (a list)."""
    calls: list[str] = []
    if storage == "aws_s3":
        monkeypatch.setattr(s3, "LIST_PAGE", 2)
        client = s3_client(box.client.meta.endpoint_url)
        client.meta.events.register("before-call.s3", lambda **kw: calls.append(_s3_call(**kw)))
        return S3Storage(client, box.bucket), calls
    monkeypatch.setattr(blob, "LIST_PAGE", 2)
    endpoint = request.getfixturevalue("azurite_endpoint")
    hook = lambda sent: calls.append(_azure_call(sent))  # noqa: E731
    service = azurebox.blob_service(endpoint, raw_request_hook=hook)
    return BlobStorage(service.get_container_client(box.container)), calls


def test_a_folder_check_is_one_request(box, counted):
    storage, calls = counted
    (box / "marked").mkdir()
    (box / "bare" / "deep" / "a.txt").write_text("a folder without markers")
    for folder in ("marked", "bare", "bare/deep"):
        calls.clear()
        storage.require_folder(folder)
        assert calls == ["list"], folder
    calls.clear()
    with pytest.raises(NotFound):
        storage.require_folder("missing")
    assert calls == ["list"]
    calls.clear()
    assert [entry["name"] for entry in list_folder(storage, "marked")] == []
    assert calls == ["list", "list"]  # the check, then the (empty) level
    calls.clear()
    assert folder_properties(storage, "bare")["path"] == "bare/"
    assert calls == ["list", "head"]  # the check, then the marker's time (none here)


def test_a_listing_costs_requests_for_its_direct_entries_only(box, counted):
    storage, calls = counted
    (box / "top").mkdir()
    (box / "top" / "a.txt").write_text("a")
    (box / "top" / "sub").mkdir()
    (box / "top" / f"{TMP_PREFIX}zip-1" / "x.txt").write_text("scratch of an unpacking")

    def listed() -> list[str]:
        calls.clear()
        return [entry["path"] for entry in storage.children("top", full_tree=False)]

    assert listed() == ["top/a.txt", "top/sub/"]
    shallow = len(calls)
    assert calls == ["list", "list"]  # marker, a.txt | sub/, the scratch prefix: two pages of two
    for n in range(12):
        (box / "top" / "sub" / f"d{n}" / "f.txt").write_text("deep")
    assert listed() == ["top/a.txt", "top/sub/"]
    assert len(calls) == shallow
    calls.clear()
    deep = [entry["path"] for entry in storage.children("top", full_tree=True)]
    assert deep[:3] == ["top/a.txt", "top/sub/", "top/sub/d0/"] and len(deep) == 2 + 2 * 12
    assert calls == ["list"] * 8  # 16 keys (the marker, the scratch file), two a page

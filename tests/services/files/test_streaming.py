"""Large files stream both ways with flat memory, under a real gunicorn worker.

A 200 MB file, generated on the fly into the test's temp dir, is uploaded as
a raw body and as a (chunked) multipart body to the local container, to a
bucket of moto's S3 server, to a container of Azurite and to folders of the
tests' OpenSSH, FTP and WebDAV servers, then downloaded through the API and through
the public storage route. The worker's peak resident memory
(``VmHWM`` in ``/proc/<pid>/status``) is read after a warm-up and again at the
end: it must grow by far less than the file's size. Contents are compared by
SHA-256. No timings are asserted.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.services.files.conftest import STORAGES, leftovers, new_container
from tests.services.files.served import gunicorn_server

pytestmark = pytest.mark.slow

SIZE = 200 * 1024 * 1024
"""Bytes of the large file."""
GROWTH_LIMIT = 48 * 1024 * 1024
"""Bytes the worker's peak memory may grow by while moving SIZE bytes several times."""
CHUNK = 1024 * 1024


def _peak_rss(pid: int) -> int:
    """Bytes of the process's peak resident set (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for {pid}")


def _big_file(path: Path) -> str:
    """Write SIZE pseudo-random-ish bytes to ``path``; returns their SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(CHUNK)
    with path.open("wb") as out:
        for i in range(SIZE // CHUNK):
            data = block[i % 7 :] + block[: i % 7]
            digest.update(data)
            out.write(data)
    return digest.hexdigest()


def _multipart(path: Path, boundary: str) -> Iterator[bytes]:
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="form.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    with path.open("rb") as handle:
        while data := handle.read(CHUNK):
            yield data
    yield f"\r\n--{boundary}--\r\n".encode()


def _download(url: str, **kwargs) -> str:
    digest = hashlib.sha256()
    with requests.get(url, stream=True, timeout=300, **kwargs) as response:
        assert response.status_code == 200, response.text[:500]
        for data in response.iter_content(CHUNK):
            digest.update(data)
    return digest.hexdigest()


@pytest.fixture
def server(stores, tmp_path, sample_db):
    """gunicorn (1 worker, 2 threads) on a seeded SQLite store; yields (base URL, worker pid)."""
    with gunicorn_server(stores("sqlite"), tmp_path, sample_db) as served:
        yield served.base, served.worker, served.container


@pytest.mark.parametrize("storage", STORAGES)
def test_large_files_stream_with_flat_memory(request, server, tmp_path, storage):
    base, worker, container = server
    login = requests.post(
        f"{base}/api/v2/system/admin/session",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        timeout=60,
    )
    token = {"X-DreamFactory-Session-Token": login.json()["session_token"]}
    api = f"{base}/api/v2/files"
    config = {"container": "app", "public_path": ["big"]}
    change: dict = {"config": config}
    if storage != "local_file":  # the same files service on a fresh remote container
        container, remote = new_container(request, storage, "big", public_path=["big"])
        change = {"type": storage, "config": remote}
    requests.patch(f"{base}/api/v2/system/service/3", json=change, headers=token,
                   timeout=60).raise_for_status()  # fmt: skip
    requests.post(f"{api}/big/", headers=token, timeout=60).raise_for_status()
    # warm-up: every code path once with small bodies
    requests.post(f"{api}/big/w.bin", data=b"w" * 1000, headers=token, timeout=60)
    requests.post(
        f"{api}/big/", files={"files": ("w2.bin", b"w" * 1000)}, headers=token, timeout=60
    )
    assert requests.get(f"{api}/big/w.bin", headers=token, timeout=60).content == b"w" * 1000
    assert requests.get(f"{base}/files/big/w.bin", timeout=60).content == b"w" * 1000
    before = _peak_rss(worker)

    source = tmp_path / "source.bin"
    expected = _big_file(source)
    with source.open("rb") as body:
        raw = requests.post(
            f"{api}/big/raw.bin",
            data=body,
            headers={**token, "Content-Type": "application/octet-stream"},
            timeout=300,
        )
    assert raw.status_code == 201, raw.text
    boundary = uuid.uuid4().hex
    form = requests.post(
        f"{api}/big/",
        data=_multipart(source, boundary),
        headers={**token, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=300,
    )
    assert form.status_code == 201, form.text
    assert (container / "big" / "raw.bin").stat().st_size == SIZE
    assert (container / "big" / "form.bin").stat().st_size == SIZE
    assert _download(f"{api}/big/raw.bin", headers=token) == expected
    assert _download(f"{base}/files/big/form.bin") == expected
    ranged = requests.get(
        f"{api}/big/raw.bin", headers={**token, "Range": f"bytes={SIZE - 10}-"}, timeout=60
    )
    assert ranged.status_code == 206 and len(ranged.content) == 10

    growth = _peak_rss(worker) - before
    assert growth < GROWTH_LIMIT, f"worker peak memory grew by {growth / 2**20:.0f} MiB"
    assert leftovers(container) == []

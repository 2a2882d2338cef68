"""Zip uploads with ``extract=true``: unpacked all or nothing, unsafe entries refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import assert_error
from tests.services.files.conftest import leftovers, make_zip

SITE = {
    "site/": None,
    "site/index.html": b"<h1>app</h1>",
    "site/js/app.js": b"console.log(1)",
    "site/data.json": b"{}",
}


def test_extract_a_zip_posted_to_a_file_path(admin, box):
    (box / "web").mkdir()
    response = admin.post(
        "files/web/site.zip",
        data=make_zip(SITE),
        content_type="application/zip",
        query_string={"extract": "true"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"name": "web", "path": "web/", "type": "folder"}
    assert (box / "web" / "site" / "js" / "app.js").read_bytes() == b"console.log(1)"
    assert not (box / "web" / "site.zip").exists()
    assert leftovers(box) == []


def test_extract_with_x_file_name_multipart_and_clean(admin, box):
    (box / "web" / "old").mkdir(parents=True)
    (box / "web" / "old" / "stale.txt").write_bytes(b"stale")
    (box / "web" / "site").mkdir()
    (box / "web" / "site" / "index.html").write_bytes(b"previous")
    merged = admin.post(
        "files/web/",
        data=make_zip(SITE),
        content_type="application/octet-stream",
        headers={"X-File-Name": "bundle.zip"},
        query_string={"extract": "1"},
    )
    assert merged.status_code == 201, merged.get_json()
    assert (box / "web" / "site" / "index.html").read_bytes() == b"<h1>app</h1>"
    assert (box / "web" / "old" / "stale.txt").exists()
    form = {"files": (io.BytesIO(make_zip({"only.txt": b"only"})), "pack.zip")}
    cleaned = admin.post(
        "files/web/",
        data=form,
        content_type="multipart/form-data",
        query_string={"extract": "true", "clean": "true"},
    )
    assert cleaned.status_code == 201, cleaned.get_json()
    assert sorted(p.name for p in (box / "web").iterdir()) == ["only.txt"]
    assert leftovers(box) == []


def test_without_extract_a_zip_is_just_a_file(admin, box):
    data = make_zip(SITE)
    response = admin.post("files/site.zip", data=data, content_type="application/zip")
    assert response.get_json() == {"name": "site.zip", "path": "site.zip", "type": "file"}
    assert (box / "site.zip").read_bytes() == data


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "a/b/../../../evil.txt",
        "/etc/evil.txt",
        "\\Windows\\evil.txt",
        "C:/Windows/evil.txt",
        "a/..%2F../evil.txt",
        "%2e%2e/evil.txt",
        "a/b\\..\\..\\..\\evil.txt",
        ".~df-tmp-zip-x/evil.txt",
    ],
)
def test_zip_slip_entries_refuse_the_whole_archive(admin, box, name):
    (box / "web").mkdir()
    zipped = make_zip({"fine.txt": b"fine", name: b"evil"})
    response = admin.post(
        "files/web/x.zip", data=zipped, content_type="application/zip", query_string={"extract": 1}
    )
    error = assert_error(response, 400)
    assert error["message"].startswith("Unsafe zip entry")
    assert list((box / "web").iterdir()) == []
    assert not list(box.parent.rglob("evil.txt"))


def test_symlink_entries_are_refused(admin, box):
    zipped = make_zip({"fine.txt": b"fine"}, links={"link": "/etc/passwd"})
    response = admin.post(
        "files/x.zip", data=zipped, content_type="application/zip", query_string={"extract": "1"}
    )
    error = assert_error(response, 400, "Unsafe zip entry 'link': it is a symbolic link.")
    assert error
    assert list(box.iterdir()) == []


def test_broken_and_conflicting_archives_change_nothing(admin, box):
    broken = admin.post(
        "files/x.zip",
        data=b"PK not really",
        content_type="application/zip",
        query_string={"extract": "1"},
    )
    assert_error(broken, 400, "The uploaded file is not a valid zip archive.")
    (box / "site").write_bytes(b"a file where the zip has a folder")
    clash = admin.post(
        "files/x.zip",
        data=make_zip(SITE),
        content_type="application/zip",
        query_string={"extract": "1"},
    )
    assert_error(clash, 400, "Cannot unpack the zip: 'site' would change between file and folder.")
    assert sorted(p.name for p in box.iterdir()) == ["site"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", b"x" * 100)
    corrupt = bytearray(buffer.getvalue())
    corrupt[corrupt.index(b"x" * 100)] = ord("y")
    bad_crc = admin.post(
        "files/x.zip",
        data=bytes(corrupt),
        content_type="application/zip",
        query_string={"extract": "1"},
    )
    assert_error(bad_crc, 400)
    assert sorted(p.name for p in box.iterdir()) == ["site"]
    assert leftovers(box) == []


def test_zip_bombs_stop_at_the_upload_limit(app, admin, box):
    app.config["FILE_MAX_UPLOAD_SIZE"] = 50_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * 1_000_000)
    response = admin.post(
        "files/z.zip",
        data=buffer.getvalue(),
        content_type="application/zip",
        query_string={"extract": "1"},
    )
    assert_error(response, 413)
    assert list(box.iterdir()) == []

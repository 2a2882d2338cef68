"""GET on files: DreamFactory's headers, conditional GETs, byte ranges, HEAD, folder zips."""

from __future__ import annotations

import io
import os
import shutil
import zipfile

import pytest
import requests
from werkzeug.http import http_date

from tests.conftest import assert_error
from tests.services.files.conftest import remove_tree, stamp
from tests.services.files.served import gunicorn_server

WHEN = 1767261600  # 2026-01-01 10:00:00 UTC


def _file(box, name="docs/hello.txt", data=b"Hello, world!"):
    path = box / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    stamp(path, WHEN)
    return path


def _when(box, name="docs/hello.txt") -> int:
    """The time ``_file`` gave ``name`` (``WHEN``, or the object's own in a bucket)."""
    return stamp(box / name, WHEN)


def test_file_download_headers(admin, box):
    _file(box)
    response = admin.get("files/docs/hello.txt")
    assert response.status_code == 200
    assert response.data == b"Hello, world!"
    headers = response.headers
    assert headers["Content-Type"] == "text/plain"
    assert headers["Content-Length"] == "13"
    assert headers["Last-Modified"] == http_date(_when(box))  # Thu, 01 Jan 2026 10:00:00 GMT
    assert headers["Content-Disposition"] == "inline"
    assert headers["Cache-Control"] == "private"
    assert headers["Expires"] == "0"
    assert headers["Pragma"] == "public"
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')


def test_download_true_asks_for_an_attachment(admin, box):
    _file(box, "docs/report 1.pdf", b"%PDF-1.4")
    response = admin.get("files/docs/report 1.pdf", query_string={"download": "true"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="report 1.pdf";'
    assert response.headers["Content-Type"] == "application/pdf"
    _file(box, "docs/résumé.txt", b"x")
    odd = admin.get("files/docs/résumé.txt", query_string={"download": "1"})
    assert odd.headers["Content-Disposition"] == (
        "attachment; filename=\"r_sum_.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"
    )


ACTIVE = {
    "index.html": "text/html",
    "page.htm": "text/html",
    "page.xhtml": "application/xhtml+xml",
    "logo.svg": "image/svg+xml",
    "feed.xml": "text/xml",
    "style.xsl": "application/xml",
    "app.js": "application/javascript",
    "mod.mjs": "application/javascript",
    "mail.eml": "message/rfc822",
}
"""Files a browser would run as a page or script of the API's origin, and their types."""

PASSIVE = ["hello.txt", "photo.png", "report.pdf", "data.json", "site.css", "clip.mp4"]


@pytest.mark.parametrize("name", ACTIVE)
def test_active_files_are_attachments_through_the_api(admin, box, name):
    _file(box, f"site/{name}", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>")
    response = admin.get(f"files/site/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == ACTIVE[name]
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}";'
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", PASSIVE)
def test_passive_files_stay_inline_but_never_sniffed(admin, box, name):
    _file(box, f"site/{name}", b"<html><script>alert(1)</script></html>")
    response = admin.get(f"files/site/{name}")
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_file_answer_of_the_api_says_nosniff(admin, box):
    _file(box)
    etag = admin.get("files/docs/hello.txt").headers["ETag"]
    answers = [
        admin.get("files/docs/hello.txt", headers={"If-None-Match": etag}),
        admin.get("files/docs/hello.txt", headers={"Range": "bytes=0-1"}),
        admin.call("HEAD", "files/docs/hello.txt"),
        admin.get("files/docs/", query_string={"zip": "true"}),
    ]
    assert [a.status_code for a in answers] == [304, 206, 200, 200]
    for answer in answers:
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_missing_file_is_404(admin, box):
    response = admin.get("files/docs/none.txt")
    assert_error(response, 404, "The specified file 'docs/none.txt' was not found in storage.")


def test_conditional_gets_answer_304(admin, box):
    _file(box)
    etag = admin.get("files/docs/hello.txt").headers["ETag"]
    same = admin.get("files/docs/hello.txt", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    assert same.headers["ETag"] == etag
    weak = admin.get("files/docs/hello.txt", headers={"If-None-Match": f'W/{etag}, "x"'})
    assert weak.status_code == 304
    other = admin.get("files/docs/hello.txt", headers={"If-None-Match": '"nope"'})
    assert other.status_code == 200 and other.data == b"Hello, world!"
    when = _when(box)
    since = admin.get("files/docs/hello.txt", headers={"If-Modified-Since": http_date(when)})
    assert since.status_code == 304
    older = admin.get("files/docs/hello.txt", headers={"If-Modified-Since": http_date(when - 1)})
    assert older.status_code == 200
    # If-None-Match wins over If-Modified-Since
    both = admin.get(
        "files/docs/hello.txt",
        headers={"If-None-Match": '"nope"', "If-Modified-Since": http_date(when)},
    )
    assert both.status_code == 200
    (box / "docs" / "hello.txt").write_bytes(b"Changed content")
    changed = admin.get("files/docs/hello.txt", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.data == b"Changed content"


def test_byte_ranges(admin, box):
    _file(box, "data.bin", bytes(range(100)))
    part = admin.get("files/data.bin", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.data == bytes(range(10, 20))
    assert part.headers["Content-Range"] == "bytes 10-19/100"
    assert part.headers["Content-Length"] == "10"
    tail = admin.get("files/data.bin", headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.data == bytes(range(95, 100))
    open_end = admin.get("files/data.bin", headers={"Range": "bytes=98-"})
    assert open_end.data == bytes([98, 99])
    past = admin.get("files/data.bin", headers={"Range": "bytes=100-200"})
    error = assert_error(past, 416)
    assert past.headers["Content-Range"] == "bytes */100"
    assert error["message"] == "The requested range is not satisfiable."
    several = admin.get("files/data.bin", headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and len(several.data) == 100
    junk = admin.get("files/data.bin", headers={"Range": "lines=1-2"})
    assert junk.status_code == 200 and len(junk.data) == 100


def test_if_range_falls_back_to_the_whole_file_when_it_changed(admin, box):
    _file(box, "data.bin", bytes(range(100)))
    etag = admin.get("files/data.bin").headers["ETag"]
    fresh = admin.get("files/data.bin", headers={"Range": "bytes=0-9", "If-Range": etag})
    assert fresh.status_code == 206 and len(fresh.data) == 10
    stale = admin.get("files/data.bin", headers={"Range": "bytes=0-9", "If-Range": '"old"'})
    assert stale.status_code == 200 and len(stale.data) == 100
    when = _when(box, "data.bin")
    dated = admin.get("files/data.bin", headers={"Range": "bytes=0-9", "If-Range": http_date(when)})
    assert dated.status_code == 206
    old_date = admin.get(
        "files/data.bin", headers={"Range": "bytes=0-9", "If-Range": http_date(when - 60)}
    )
    assert old_date.status_code == 200


def test_head_sends_headers_only(admin, box):
    _file(box)
    response = admin.call("HEAD", "files/docs/hello.txt")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "13"
    assert response.data == b""


def test_folder_as_zip(admin, box):
    _file(box, "docs/hello.txt", b"Hello")
    _file(box, "docs/sub/deep.txt", b"deep " * 1000)
    (box / "docs" / "empty").mkdir()
    (box / "docs" / ".~df-tmp-up-x").write_bytes(b"scratch")
    response = admin.get("files/docs/", query_string={"zip": "true"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="docs.zip";'
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert sorted(archive.namelist()) == [
            "docs/empty/",
            "docs/hello.txt",
            "docs/sub/deep.txt",
        ]
        assert archive.read("docs/sub/deep.txt") == b"deep " * 1000
        assert archive.testzip() is None
    whole = admin.get("files/", query_string={"zip": "1"})
    with zipfile.ZipFile(io.BytesIO(whole.data)) as archive:
        assert "docs/hello.txt" in archive.namelist()
    assert_error(admin.get("files/nope/", query_string={"zip": "1"}), 404)


def test_a_folder_deleted_while_zipped_ends_the_zip_as_an_error(admin, box, app_logs):
    """The stream stops with an error (never a zip that looks complete) and it is logged."""
    from app.services.files.download import IncompleteZipError

    for i in range(4):
        _file(box, f"docs/{i}.bin", os.urandom(200_000))
    response = admin.get("files/docs/", query_string={"zip": "true"}, buffered=False)
    assert response.status_code == 200
    pieces = iter(response.response)
    received = next(pieces)
    remove_tree(box / "docs")
    with pytest.raises(IncompleteZipError):
        for piece in pieces:
            received += piece
    response.close()
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(received))
    assert "zip of folder 'docs/' stopped" in app_logs.text


@pytest.mark.slow
def test_a_zip_cut_by_a_delete_is_an_incomplete_transfer_under_gunicorn(
    stores, tmp_path, sample_db
):
    """Through a real server the client sees the transfer break, not a short 200."""
    with gunicorn_server(stores("sqlite"), tmp_path, sample_db) as served:
        folder = served.container / "docs"
        folder.mkdir(parents=True)
        for i in range(32):  # far more than the socket buffers hold
            (folder / f"{i:02}.bin").write_bytes(os.urandom(1024 * 1024))
        url = f"{served.base}/api/v2/files/docs/?zip=true"
        with requests.get(url, headers=served.admin_token(), stream=True, timeout=60) as answer:
            assert answer.status_code == 200
            pieces = answer.iter_content(64 * 1024)
            received = next(pieces)
            shutil.rmtree(folder)
            with pytest.raises(requests.exceptions.ChunkedEncodingError):
                for piece in pieces:
                    received += piece
        with pytest.raises(zipfile.BadZipFile):
            zipfile.ZipFile(io.BytesIO(received))
        assert requests.get(f"{served.base}/status", timeout=10).status_code == 200

"""Bodies that end before they said they would are refused and change nothing.

A client that announces ``Content-Length: 1000``, sends 5 bytes and closes its
side, or whose chunked body stops before its last chunk, gets a 400 in the
error envelope, whatever the upload path (raw body, ``X-File-Name``,
multipart, JSON items, a form body); the file it aimed at keeps its old
content and no scratch file stays behind. gunicorn marks its input stream as
terminated (``wsgi.input_terminated``), so werkzeug does not hold the body to
its length there: the test client cases set that flag as gunicorn does, and
the real server cases send their bytes through a socket.
"""

from __future__ import annotations

import io
import json

import orjson
import pytest

from tests.conftest import assert_error
from tests.services.files.conftest import leftovers
from tests.services.files.served import gunicorn_server, send_raw
from tests.services.files.test_multipart import BOUNDARY, body_of

MISSING = 995
"""Bytes announced but never sent."""

MULTIPART = f"multipart/form-data; boundary={BOUNDARY.decode()}"
NEW = body_of([("files", b"new" * 100, "keep.txt")])
ITEMS = json.dumps({"resource": [{"name": "keep.txt", "type": "file", "content": "new"}]})
BIG_ITEMS = orjson.dumps(
    {"resource": [{"name": "keep.txt", "type": "file", "content": "n" * 1_100_000}]}
)
"""Too big for the access pipeline to read: the service parses it from the stream."""

CASES = {
    "raw": ("files/keep.txt", "application/octet-stream", {}, b"hello"),
    "x-file-name": ("files/", "text/plain", {"X-File-Name": "keep.txt"}, b"hello"),
    "form body": ("files/keep.txt", "application/x-www-form-urlencoded", {}, b"a=1"),
    "json items": ("files/", "application/json", {}, ITEMS.encode()),
    "big json items": ("files/", "application/json", {}, BIG_ITEMS),
    "multipart, all parts": ("files/", MULTIPART, {}, NEW),
    "multipart, cut in a part": ("files/", MULTIPART, {}, NEW[: len(NEW) // 2]),
}
"""Name → (path, content type, headers, the bytes sent): each announces MISSING more."""


def announced(sent: int) -> str:
    return (
        f"The request body is incomplete: {sent} of the {sent + MISSING} bytes "
        "announced by Content-Length arrived."
    )


def as_gunicorn(length: int) -> dict:
    """The environ of a body announcing ``length`` bytes, its stream ended by the server."""
    return {"CONTENT_LENGTH": str(length), "wsgi.input_terminated": True}


def assert_unchanged(box) -> None:
    assert (box / "keep.txt").read_bytes() == b"old"
    assert sorted(p.name for p in box.iterdir()) == ["keep.txt"]
    assert leftovers(box) == []


@pytest.mark.parametrize("case", CASES)
def test_a_body_shorter_than_its_length_is_refused(admin, box, case):
    (box / "keep.txt").write_bytes(b"old")
    path, content_type, headers, body = CASES[case]
    response = admin.post(
        path,
        input_stream=io.BytesIO(body),
        content_type=content_type,
        headers=headers,
        environ_overrides=as_gunicorn(len(body) + MISSING),
    )
    assert_error(response, 400, announced(len(body)))
    assert_unchanged(box)


def test_a_whole_body_still_replaces_the_file(admin, box):
    """The control: the same bodies, complete, are stored (so the refusals above are real)."""
    for case, (path, content_type, headers, body) in CASES.items():
        if case == "multipart, cut in a part":
            continue
        (box / "keep.txt").write_bytes(b"old")
        response = admin.post(
            path,
            input_stream=io.BytesIO(body),
            content_type=content_type,
            headers=headers,
            environ_overrides=as_gunicorn(len(body)),
        )
        assert response.status_code == 201, (case, response.get_json())
        assert (box / "keep.txt").read_bytes() != b"old", case
    assert leftovers(box) == []


def _head(path: str, token: dict[str, str], content_type: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST /api/v2/{path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    lines += [f"{k}: {v}" for k, v in {**token, **headers}.items()]
    return "\r\n".join(lines).encode()


@pytest.mark.slow
def test_cut_bodies_under_gunicorn(stores, tmp_path, sample_db):
    """A socket that sends less than it announced, or stops a chunked body, then shuts down."""
    with gunicorn_server(stores("sqlite"), tmp_path, sample_db) as served:
        token = served.admin_token()
        box = served.container
        box.mkdir(parents=True, exist_ok=True)
        sent = {}
        for case, (path, content_type, headers, body) in CASES.items():
            head = _head(path, token, content_type, headers)
            sent[case] = head + f"\r\nContent-Length: {len(body) + MISSING}".encode(), body
            chunked = head + b"\r\nTransfer-Encoding: chunked"
            sent[f"{case}, chunked"] = chunked, f"{len(body):x}\r\n".encode() + body + b"\r\n"
        for case, (head, body) in sent.items():
            (box / "keep.txt").write_bytes(b"old")
            status, answer = send_raw(served, head, body)
            assert status == 400, (case, answer)
            error = orjson.loads(answer)["error"]
            assert error["status_code"] == 400, (case, error)
            assert error["message"].startswith("The request body "), (case, error)
            assert_unchanged(box)
        # the control: a whole body through the same socket helper is stored
        head = _head("files/keep.txt", token, "text/plain", {"Content-Length": "5"})
        status, answer = send_raw(served, head, b"hello")
        assert status == 201, answer
        assert (box / "keep.txt").read_bytes() == b"hello"
        chunked = _head("files/keep.txt", token, "text/plain", {"Transfer-Encoding": "chunked"})
        status, answer = send_raw(served, chunked, b"3\r\nnew\r\n0\r\n\r\n")
        assert status == 201, answer
        assert (box / "keep.txt").read_bytes() == b"new"

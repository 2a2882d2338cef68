"""The multipart parser (``app.blueprints.multipart``) and multipart uploads through the API.

The parser is fed real bodies through a reader that hands them out a few bytes
at a time, so every boundary, line break and header lands on a chunk edge
somewhere; its answers are compared with werkzeug's parser where the body is
valid. The HTTP tests check what a client sees: files and fields mixed, odd
names, empty files, truncated bodies (400), bodies over the limit (413), and
nothing written or left behind when a request fails.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
from pathlib import Path

import pytest
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.formparser import MultiPartParser

from app.blueprints.api_request import spool_file
from app.blueprints.multipart import MultipartParser
from app.services.files.upload import write_atomic
from tests.conftest import assert_error
from tests.services.files.conftest import leftovers

BOUNDARY = b"----df-test-boundary-7MA4YWxkTrZu0gW"


def body_of(parts: list[tuple[str, bytes, str | None]], nl: bytes = b"\r\n") -> bytes:
    """A multipart body of (name, data, filename or None) parts, with a preamble and epilogue."""
    out = [b"a preamble to ignore" + nl]
    for name, data, filename in parts:
        disposition = f'Content-Disposition: form-data; name="{name}"'.encode()
        if filename is not None:
            disposition += f'; filename="{filename}"'.encode()
            disposition += nl + b"Content-Type: application/octet-stream"
        out.append(b"--" + BOUNDARY + nl + disposition + nl + nl + data + nl)
    out.append(b"--" + BOUNDARY + b"--" + nl + b"an epilogue" + nl)
    return b"".join(out)


def reader(body: bytes, step: int):
    """``read`` handing out at most ``step`` bytes per call."""
    stream = io.BytesIO(body)
    return lambda size: stream.read(min(size, step))


def parse(body: bytes, step: int = 1 << 20, **limits):
    """(fields, files as (name, filename, bytes)) from our parser, reading ``step`` at a time."""
    opened: list = []

    def factory(**_):
        opened.append(spool_file(tempfile.gettempdir()))
        return opened[-1]

    try:
        fields, files = MultipartParser(reader(body, step), BOUNDARY, factory, **limits).parse()
        return fields, [(name, f.filename, f.stream.read()) for name, f in files]
    finally:
        for handle in opened:
            handle.close()


def werkzeug_parse(body: bytes):
    fields, files = MultiPartParser().parse(io.BytesIO(body), BOUNDARY, len(body))
    read = [(n, f.filename, f.stream.read()) for n, f in files.items(multi=True)]
    for _, upload in files.items(multi=True):
        upload.close()
    return list(fields.items(multi=True)), read


TRICKY = [
    ("title", "ünïcode text\r\nover two lines".encode(), None),
    ("files", b"ends with a line break\r\n", "a.txt"),
    ("files", b"\r\n--" + BOUNDARY[:-1] + b"\r\n--" + BOUNDARY + b"X not a delimiter\r", "b.bin"),
    ("empty", b"", None),
    ("files", b"", "empty.bin"),
    ("files", b"x--" + BOUNDARY + b"\n\r\r\n\n-", "c.bin"),
    ("last", b"x", None),
]


@pytest.mark.parametrize("step", [1, 2, 3, 5, 7, 11, 38, 39, 40, 41, 64, 1 << 20])
def test_every_chunk_edge_gives_the_same_parts(step):
    body = body_of(TRICKY)
    assert parse(body, step) == parse(body) == werkzeug_parse(body)
    fields, files = parse(body, step)
    assert fields == [("title", "ünïcode text\r\nover two lines"), ("empty", ""), ("last", "x")]
    assert [f[2] for f in files] == [data for _, data, name in TRICKY if name is not None]


def test_line_breaks_padding_preamble_and_epilogue():
    lf = body_of(TRICKY[:3], nl=b"\n")
    assert parse(lf, 3) == werkzeug_parse(lf)
    assert parse(lf)[0] == [("title", "ünïcode text\r\nover two lines")]
    padded = (
        b"--" + BOUNDARY + b" \t\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
        b"--" + BOUNDARY + b"--   trailing words"
    )
    assert parse(padded, 1) == ([("a", "1")], [])
    assert parse(b"") == ([], [])  # no body: no parts
    assert parse(b"--" + BOUNDARY + b"--\r\n") == ([], [])


def test_headers_names_and_charsets():
    body = (
        b"--" + BOUNDARY + b"\r\n"
        b'content-disposition: form-data;\r\n  name="files"; '
        b'filename="C:\\\\dir\\\\na\xc3\xafve.txt"\r\n'
        b"\r\nx\r\n--" + BOUNDARY + b"\r\n"
        b"Content-Disposition: form-data; name=\"files\"; filename*=UTF-8''%E2%82%AC.txt\r\n"
        b"\r\ny\r\n--" + BOUNDARY + b"\r\n"
        b'Content-Disposition: form-data; name="latin"\r\n'
        b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\n\xe9t\xe9\r\n--" + BOUNDARY + b"--"
    )
    fields, files = parse(body, 4)
    assert fields == [("latin", "été")]
    assert [(name, filename) for name, filename, _ in files] == [
        ("files", "C:\\dir\\naïve.txt"),
        ("files", "€.txt"),
    ]


def test_every_truncation_is_a_400():
    body = body_of(TRICKY)
    end = body.index(b"--" + BOUNDARY + b"--") + len(BOUNDARY) + 3
    for cut in range(1, end + 1):
        with pytest.raises(BadRequest):
            parse(body[:cut], 7)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"just some text, no boundary", "its boundary was not found"),
        (b"x" * 200_000 + b"--" + BOUNDARY + b"--", "its boundary was not found"),
        (b"--" + BOUNDARY + b"\r\nX-Other: 1\r\n\r\nx\r\n--" + BOUNDARY + b"--", "no Content-Disp"),
        (b"--" + BOUNDARY + b"\r\n\r\nx\r\n--" + BOUNDARY + b"--", "no Content-Disposition"),
        (b"--" + BOUNDARY + b"\r\nX: " + b"y" * 20_000 + b"\r\n\r\n", "headers of a multipart"),
    ],
)
def test_malformed_bodies(body, message):
    with pytest.raises(BadRequest, match=message):
        parse(body, 1000)


def test_limits_and_spooled_files_closed_on_error():
    many = body_of([(f"f{i}", b"1", None) for i in range(5)])
    assert len(parse(many, max_parts=5)[0]) == 5
    with pytest.raises(RequestEntityTooLarge):
        parse(many, max_parts=4)
    big = body_of([("f", b"z" * 100, None)])
    assert parse(big, max_field=100)[0] == [("f", "z" * 100)]
    with pytest.raises(RequestEntityTooLarge):
        parse(big, 9, max_field=99)
    fields = body_of([(f"f{i}", b"z" * 100, None) for i in range(4)])
    assert len(parse(fields, max_field=100)[0]) == 4  # four full fields: the whole budget
    with pytest.raises(RequestEntityTooLarge, match="together"):
        parse(body_of([(f"f{i}", b"z" * 100, None) for i in range(5)]), max_field=100)
    opened: list = []

    def factory(**_):
        opened.append(spool_file(tempfile.gettempdir()))
        return opened[-1]

    cut = body_of([("files", b"data", "a.bin")])[:-40]
    with pytest.raises(BadRequest):
        MultipartParser(reader(cut, 5), BOUNDARY, factory).parse()
    assert len(opened) == 1 and opened[0].closed


def test_a_spooled_part_is_linked_into_place_not_copied(tmp_path):
    spooled = spool_file(str(tmp_path))
    with spooled:
        spooled.write(b"part data")
        spooled.seek(0)
        assert write_atomic(str(tmp_path / "out.bin"), spooled, 4, 100) == 9
        written = os.stat(tmp_path / "out.bin")
        assert written.st_ino == os.fstat(spooled.fileno()).st_ino
        assert stat.S_IMODE(written.st_mode) == 0o644
    assert (tmp_path / "out.bin").read_bytes() == b"part data"
    assert os.listdir(tmp_path) == ["out.bin"]
    # files that cannot be linked are copied: a named one, one opened with O_EXCL
    (tmp_path / "named.bin").write_bytes(b"named")
    with open(tmp_path / "named.bin", "rb") as named, tempfile.TemporaryFile(dir=tmp_path) as temp:
        temp.write(b"temp")
        temp.seek(0)
        write_atomic(str(tmp_path / "a.bin"), named, 4, 100)
        write_atomic(str(tmp_path / "b.bin"), temp, 4, 100)
    assert (tmp_path / "a.bin").read_bytes() == b"named"
    assert (tmp_path / "b.bin").read_bytes() == b"temp"
    assert sorted(os.listdir(tmp_path)) == ["a.bin", "b.bin", "named.bin", "out.bin"]
    with spool_file(str(tmp_path)) as spooled:
        spooled.write(b"x" * 101)
        spooled.seek(0)
        with pytest.raises(Exception, match="larger than the limit"):
            write_atomic(str(tmp_path / "big.bin"), spooled, 4, 100)
    assert not (tmp_path / "big.bin").exists()


# -- through the API ----------------------------------------------------------------------------


def multipart_post(api, path: str, body: bytes, **kwargs):
    content_type = f"multipart/form-data; boundary={BOUNDARY.decode()}"
    return api.post(path, data=body, content_type=content_type, **kwargs)


def test_files_and_fields_mixed(admin, box):
    (box / "up").mkdir()
    body = body_of(
        [
            ("note", b"before", None),
            ("files", b"one\r\n", "dir/sub/ünïcode one.txt"),
            ("other", b"between", None),
            ("files[]", b"", "empty.txt"),
            ("not-files", b"ignored", "ignored.txt"),
            ("files", b"\r\n--" + BOUNDARY + b"X", "tricky.bin"),
            ("after", b"after", None),
        ]
    )
    response = multipart_post(admin, "files/up/", body)
    assert response.status_code == 201, response.get_json()
    assert [r["path"] for r in response.get_json()["resource"]] == [
        "up/ünïcode one.txt",
        "up/tricky.bin",
        "up/empty.txt",
    ]
    assert (box / "up" / "ünïcode one.txt").read_bytes() == b"one\r\n"
    assert (box / "up" / "empty.txt").read_bytes() == b""
    assert (box / "up" / "tricky.bin").read_bytes() == b"\r\n--" + BOUNDARY + b"X"
    assert sorted(p.name for p in (box / "up").iterdir()) == [
        "empty.txt",
        "tricky.bin",
        "ünïcode one.txt",
    ]
    if isinstance(box, Path):  # objects in a bucket have no file mode
        assert stat.S_IMODE(os.stat(box / "up" / "tricky.bin").st_mode) == 0o644


def test_a_session_token_in_the_form(client, admin, box):
    from tests.conftest import Api

    body = body_of([("session_token", admin.token.encode(), None), ("files", b"t", "t.txt")])
    response = multipart_post(Api(client), "files/", body)
    assert response.status_code == 201, response.get_json()
    assert (box / "t.txt").read_bytes() == b"t"


def test_a_form_token_is_not_read_from_a_big_body(client, admin, box):
    """Before the caller is known, at most 1 MB of form is read looking for a token."""
    from tests.conftest import Api

    big = b"b" * 1_100_000
    body = body_of([("session_token", admin.token.encode(), None), ("files", big, "big.bin")])
    response = multipart_post(Api(client), "files/", body)
    assert_error(response, 400)  # DreamFactory's "No session token (JWT) or API Key detected"
    assert not (box / "big.bin").exists()
    body = body_of([("files", big, "big.bin")])
    assert multipart_post(admin, "files/", body).status_code == 201  # token in the header
    assert (box / "big.bin").read_bytes() == big


def test_truncated_bodies_write_nothing(admin, box):
    (box / "keep.txt").write_bytes(b"old")
    body = body_of([("files", b"new" * 1000, "keep.txt"), ("files", b"2", "two.txt")])
    cut = body[: body.index(b"two.txt")]
    response = multipart_post(admin, "files/", cut)
    assert_error(response, 400, "The multipart body ended before its closing boundary.")
    # the client promised more than it sent (it went away)
    gone = multipart_post(admin, "files/", cut, environ_overrides={"CONTENT_LENGTH": "99999"})
    assert_error(gone, 400)
    assert_error(multipart_post(admin, "files/", b"no boundary here"), 400)
    no_boundary = admin.post("files/", data=body, content_type="multipart/form-data")
    assert_error(no_boundary, 400, "The multipart body's Content-Type has no (ASCII) boundary.")
    assert (box / "keep.txt").read_bytes() == b"old"
    assert sorted(p.name for p in box.iterdir()) == ["keep.txt"]
    assert leftovers(box) == []


def test_too_large_is_413_and_writes_nothing(app, admin, box):
    app.config["FILE_MAX_UPLOAD_SIZE"] = 5000
    app.config["MAX_CONTENT_LENGTH"] = 1000
    body = body_of([("files", b"y" * 6000, "big.bin")])
    assert_error(multipart_post(admin, "files/", body), 413)
    chunked = admin.post(
        "files/",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={BOUNDARY.decode()}",
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_error(chunked, 413)
    small = body_of([("files", b"y" * 3000, "ok.bin")])
    assert multipart_post(admin, "files/", small).status_code == 201
    assert sorted(p.name for p in box.iterdir()) == ["ok.bin"]

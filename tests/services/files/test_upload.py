"""POST (and PUT) to a file service: raw bodies, headers, multipart, JSON items, copies, moves."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from tests.conftest import assert_error
from tests.services.files.conftest import leftovers


def test_raw_body_to_a_file_path(admin, box):
    (box / "docs").mkdir()
    response = admin.post("files/docs/hello.txt", data=b"Hello", content_type="text/plain")
    assert response.status_code == 201
    assert response.get_json() == {"name": "hello.txt", "path": "docs/hello.txt", "type": "file"}
    assert (box / "docs" / "hello.txt").read_bytes() == b"Hello"
    if isinstance(box, Path):  # objects in a bucket have no file mode
        assert (box / "docs" / "hello.txt").stat().st_mode & 0o777 == 0o644
    assert leftovers(box) == []


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("application/json", b'{"a": 1}'),
        ("application/json", b"not json at all"),
        ("text/csv", b"\xff\xfe,latin\n"),
        ("application/xml", b"<!DOCTYPE x><x/>"),
        ("application/octet-stream", bytes(range(256))),
        ("application/x-www-form-urlencoded", b"a=1&b=2"),
        (None, b"no type at all"),
    ],
)
def test_any_body_is_stored_verbatim(admin, box, content_type, data):
    response = admin.post("files/file.dat", data=data, content_type=content_type)
    assert response.status_code == 201, response.get_json()
    assert (box / "file.dat").read_bytes() == data


def test_put_is_post_and_replaces_atomically(admin, box):
    (box / "a.txt").write_bytes(b"old")
    assert admin.put("files/a.txt", data=b"new", content_type="text/plain").status_code == 201
    assert (box / "a.txt").read_bytes() == b"new"


def test_parent_folder_must_exist_and_check_exist(admin, box):
    missing = admin.post("files/nope/a.txt", data=b"x", content_type="text/plain")
    assert_error(missing, 404, "Folder 'nope' does not exist.")
    (box / "a.txt").write_bytes(b"old")
    again = admin.post(
        "files/a.txt", data=b"x", content_type="text/plain", query_string={"check_exist": "true"}
    )
    assert_error(again, 400, "File 'a.txt' already exists.")
    assert (box / "a.txt").read_bytes() == b"old"
    (box / "dir").mkdir()
    over = admin.post("files/dir", data=b"x", content_type="text/plain")
    assert_error(over, 400, "'dir' is a folder; a file cannot replace it.")


def test_x_file_name_and_x_folder_name(admin, box):
    response = admin.post(
        "files/", data=b"from header", content_type="text/plain", headers={"X-File-Name": "h.txt"}
    )
    assert response.status_code == 201
    assert response.get_json() == {"name": "h.txt", "path": "h.txt", "type": "file"}
    assert (box / "h.txt").read_bytes() == b"from header"
    folder = admin.post("files/", headers={"X-Folder-Name": "made"})
    assert folder.status_code == 201
    assert folder.get_json() == {"name": "made", "path": "made/"}
    assert (box / "made").is_dir()
    assert_error(admin.post("files/", headers={"X-Folder-Name": "made"}), 400)
    evil = admin.post("files/", data=b"x", headers={"X-File-Name": "../../escape.txt"})
    assert_error(evil, 400)
    assert not (box.parent / "escape.txt").exists()


def test_empty_post_creates_the_folder_of_the_url(admin, box):
    response = admin.post("files/new/inner/")
    assert response.status_code == 201
    assert response.get_json() == {"name": "inner", "path": "new/inner/"}
    assert (box / "new" / "inner").is_dir()
    assert_error(admin.post("files/new/inner/"), 400, "Folder 'new/inner/' already exists.")
    assert_error(admin.post("files/"), 400, "No resources given to create.")


def test_multipart_files_into_a_folder(admin, box):
    (box / "up").mkdir()
    data = {
        "files": [
            (io.BytesIO(b"one"), "one.txt"),
            (io.BytesIO(b"\x00two"), "client/folder/two.bin"),
        ]
    }
    response = admin.post("files/up/", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "resource": [
            {"name": "one.txt", "path": "up/one.txt", "type": "file"},
            {"name": "two.bin", "path": "up/two.bin", "type": "file"},
        ]
    }
    assert (box / "up" / "two.bin").read_bytes() == b"\x00two"
    assert leftovers(box) == []


def test_multipart_to_a_file_path_takes_one_file(admin, box):
    one = {"files": (io.BytesIO(b"single"), "whatever.txt")}
    response = admin.post("files/named.txt", data=one, content_type="multipart/form-data")
    assert response.get_json() == {"name": "named.txt", "path": "named.txt", "type": "file"}
    assert (box / "named.txt").read_bytes() == b"single"
    two = {"files": [(io.BytesIO(b"a"), "a"), (io.BytesIO(b"b"), "b")]}
    many = admin.post("files/x.txt", data=two, content_type="multipart/form-data")
    assert_error(many, 400, "Multiple files uploaded to a single REST resource 'x.txt'.")
    none = admin.post("files/x.txt", data={"other": "field"}, content_type="multipart/form-data")
    assert_error(none, 400, "No file uploaded to REST resource 'x.txt'.")


def test_multipart_checks_every_name_before_writing(admin, box):
    (box / "keep.txt").write_bytes(b"keep")
    data = {"files": [(io.BytesIO(b"new"), "new.txt"), (io.BytesIO(b"x"), "keep.txt")]}
    response = admin.post(
        "files/", data=data, content_type="multipart/form-data", query_string={"check_exist": "1"}
    )
    assert_error(response, 400, "File 'keep.txt' already exists.")
    assert not (box / "new.txt").exists()


def test_json_items_create_folders_and_files(admin, box):
    body = {
        "resource": [
            {"name": "f1", "type": "folder"},
            {"name": "a.txt", "type": "file", "content": "Hello", "is_base64": False},
            {
                "name": "b.bin",
                "type": "file",
                "content": base64.b64encode(b"\x01\x02").decode(),
                "is_base64": True,
            },
            {"name": "bad.bin", "type": "file", "content": "***", "is_base64": True},
            {"name": "c.txt", "type": "thing"},
            {"name": "../x", "type": "folder"},
        ]
    }
    response = admin.post("files/", json=body)
    assert response.status_code == 201
    out = response.get_json()["resource"]
    assert out[:3] == [
        {"name": "f1", "path": "f1/", "type": "folder"},
        {"name": "a.txt", "path": "a.txt", "type": "file"},
        {"name": "b.bin", "path": "b.bin", "type": "file"},
    ]
    assert out[3]["error"] == {"message": "The file's content is not valid base64."}
    assert out[4]["error"] == {"message": "Each resource needs a type of 'file' or 'folder'."}
    assert "'..' segments are not allowed" in out[5]["error"]["message"]
    assert (box / "a.txt").read_text() == "Hello"
    assert (box / "b.bin").read_bytes() == b"\x01\x02"
    assert not (box / "bad.bin").exists()


def test_json_folder_with_check_exist(admin, box):
    (box / "f1").mkdir()
    item = {"resource": [{"name": "f1", "type": "folder"}]}
    assert admin.post("files/", json=item).get_json() == {
        "resource": [{"name": "f1", "path": "f1/", "type": "folder"}]
    }
    checked = admin.post("files/", json=item, query_string={"check_exist": "true"})
    assert checked.status_code == 201
    assert checked.get_json()["resource"][0]["error"] == {"message": "Folder 'f1/' already exists."}


def test_copy_and_move_with_source_path(admin, box):
    (box / "src" / "sub").mkdir(parents=True)
    (box / "src" / "a.txt").write_bytes(b"A")
    (box / "src" / "sub" / "b.txt").write_bytes(b"B")
    (box / "dst").mkdir()
    body = {
        "resource": [
            {"type": "file", "source_path": "src/a.txt"},
            {"name": "copy", "type": "folder", "source_path": "src/sub"},
            {
                "name": "moved.txt",
                "type": "file",
                "source_path": "src/a.txt",
                "delete_source": True,
            },
            {"type": "file", "source_path": "src/none.txt"},
            {"type": "file", "source_path": "/etc/passwd"},
        ]
    }
    out = admin.post("files/dst/", json=body).get_json()["resource"]
    assert out[0] == {"name": "a.txt", "path": "dst/a.txt", "type": "file"}
    assert out[1] == {"name": "copy", "path": "dst/copy/", "type": "folder"}
    assert out[2] == {"name": "moved.txt", "path": "dst/moved.txt", "type": "file"}
    assert out[3]["error"] == {"message": "File 'src/none.txt' does not exist."}
    assert "absolute paths are not allowed" in out[4]["error"]["message"]
    assert (box / "dst" / "a.txt").read_bytes() == b"A"
    assert (box / "dst" / "copy" / "b.txt").read_bytes() == b"B"
    assert (box / "dst" / "moved.txt").read_bytes() == b"A"
    assert not (box / "src" / "a.txt").exists()
    into_itself = admin.post(
        "files/src/sub/", json={"resource": [{"type": "folder", "source_path": "src"}]}
    )
    assert into_itself.get_json()["resource"][0]["error"] == {
        "message": "Folder 'src/' cannot be copied into itself."
    }
    assert leftovers(box) == []


def test_large_json_bodies_are_parsed_from_the_stream(admin, box):
    content = base64.b64encode(b"z" * 1_200_000).decode()
    body = {"resource": [{"name": "big.bin", "type": "file", "content": content, "is_base64": 1}]}
    response = admin.post("files/", json=body)
    assert response.get_json()["resource"] == [
        {"name": "big.bin", "path": "big.bin", "type": "file"}
    ]
    assert (box / "big.bin").stat().st_size == 1_200_000


def test_an_upload_over_the_limit_leaves_the_old_file(app, admin, box):
    (box / "a.txt").write_bytes(b"old")
    app.config["FILE_MAX_UPLOAD_SIZE"] = 10
    big = admin.post("files/a.txt", data=b"x" * 11, content_type="application/octet-stream")
    assert_error(big, 413)
    chunked = admin.post("files/a.txt", data=io.BytesIO(b"y" * 5000), content_type="text/plain")
    assert_error(chunked, 413)
    assert (box / "a.txt").read_bytes() == b"old"
    assert leftovers(box) == []
    small = admin.post("files/a.txt", data=b"0123456789", content_type="text/plain")
    assert small.status_code == 201


def test_uploads_may_exceed_max_content_length(app, admin, box):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    data = bytes(range(256)) * 20
    raw = admin.post("files/raw.bin", data=data, content_type="application/octet-stream")
    assert raw.status_code == 201, raw.get_json()
    form = {"files": (io.BytesIO(data), "form.bin")}
    multipart = admin.post("files/", data=form, content_type="multipart/form-data")
    assert multipart.status_code == 201, multipart.get_json()
    assert (box / "raw.bin").read_bytes() == data == (box / "form.bin").read_bytes()
    too_big_json = admin.post("files/", json={"resource": [{"name": "x" * 2000, "type": "folder"}]})
    assert_error(too_big_json, 413)


def test_patch(admin, box):
    (box / "docs").mkdir()
    (box / "docs" / "a.txt").write_bytes(b"a")
    assert admin.patch("files/docs/", json={}).get_json() == {"success": True}
    assert admin.patch("files/", json={}).get_json() == {"success": True}
    assert_error(admin.patch("files/nope/", json={}), 404)
    assert_error(admin.patch("files/docs/a.txt", json={}), 501)
    assert_error(admin.patch("files/docs/b.txt", json={}), 404)


@pytest.mark.local_only  # errors of a local file system (name length, ENOTDIR)
def test_file_system_errors_become_client_errors(admin, box):
    long_name = "n" * 300
    too_long = admin.post(f"files/{long_name}.txt", data=b"x", content_type="text/plain")
    assert_error(too_long, 400, "The path or a name in it is too long.")
    (box / "a.txt").write_bytes(b"a")
    through_file = admin.post("files/a.txt/b.txt", data=b"x", content_type="text/plain")
    assert_error(through_file, 404, "Folder 'a.txt' does not exist.")
    assert leftovers(box) == []


def test_internal_calls_write_their_payload(app, box):
    """A script's ``platform.api.post('files/x', payload)`` has no raw body, only a payload."""
    from app import dispatch
    from app.vocabulary.calls import Requestor, ServiceRequest

    with app.test_request_context():
        for resource, payload in (("data.json", {"a": [1, 2]}), ("note.txt", "héllo")):
            request = ServiceRequest(
                method="POST",
                service="files",
                resource=resource,
                payload=payload,
                requestor=Requestor.SCRIPT,
            )
            assert dispatch.call(request).status == 201
    assert (box / "data.json").read_bytes() == b'{"a":[1,2]}'
    assert (box / "note.txt").read_text(encoding="utf-8") == "héllo"


@pytest.mark.parametrize(
    "body",
    [
        {"folder": {"name": "made"}},
        {"resource": {"folder": {"name": "made"}}},
        {"folder": [{"name": "made", "type": "folder"}]},
    ],
)
@pytest.mark.parametrize("path", ["files/", "files/docs/"])
def test_an_associative_body_names_no_item_and_creates_nothing(admin, box, body, path):
    """DreamFactory reads an object keyed by anything but an item's fields as no resources:
    nothing is created and the answer is an empty list, never an error item."""
    (box / "docs").mkdir()
    response = admin.post(path, json=body)
    assert response.status_code in (200, 201), response.get_json()
    assert response.get_json() == {"resource": []}
    assert sorted(p.name for p in box.rglob("*")) == ["docs"]


def test_one_object_with_an_item_field_is_still_an_item(admin, box):
    made = admin.post("files/", json={"name": "one", "type": "folder"})
    assert made.get_json() == {"resource": [{"name": "one", "path": "one/", "type": "folder"}]}
    untyped = admin.post("files/", json={"name": "two"}).get_json()["resource"]
    assert untyped[0]["error"] == {"message": "Each resource needs a type of 'file' or 'folder'."}
    assert sorted(p.name for p in box.iterdir()) == ["one"]

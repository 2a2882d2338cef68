"""A zip uploaded with ``extract=true`` makes its target folder, as DreamFactory's does.

Hosting an app is "upload the zip to ``files/apps/`` with ``extract=true``":
the folder (and any missing parents) is created for it. A plain upload still
needs its folder, and an archive that is refused leaves no new folder behind.
Store-independent, so on SQLite only.
"""

from __future__ import annotations

import io

import pytest

from tests.conftest import assert_error
from tests.services.files.conftest import leftovers, make_zip

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

SITE = {"todo/index.html": b"<h1>todo</h1>", "todo/app.js": b"start()"}


def unpack(admin, path: str, zipped: bytes):
    """``POST files/{path}?extract=1`` with ``zipped`` as the raw body."""
    return admin.post(
        f"files/{path}", data=zipped, content_type="application/zip", query_string={"extract": "1"}
    )


def test_a_multipart_zip_makes_its_folder(admin, box):
    form = {"files": (io.BytesIO(make_zip(SITE)), "todo.zip")}
    response = admin.post(
        "files/apps/",
        data=form,
        content_type="multipart/form-data",
        query_string={"extract": "true"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "resource": [{"name": "apps", "path": "apps/", "type": "folder"}]
    }
    assert (box / "apps" / "todo" / "index.html").read_bytes() == b"<h1>todo</h1>"
    assert leftovers(box) == []


def test_a_zip_posted_to_a_file_path_makes_every_missing_folder(admin, box):
    response = unpack(admin, "sites/2024/todo.zip", make_zip(SITE))
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"name": "sites/2024", "path": "sites/2024/", "type": "folder"}
    assert (box / "sites" / "2024" / "todo" / "app.js").read_bytes() == b"start()"
    assert leftovers(box) == []


def test_a_refused_archive_leaves_no_new_folder(admin, box):
    (box / "apps").mkdir()
    broken = unpack(admin, "apps/new/deeper/x.zip", b"PK not really")
    assert_error(broken, 400, "The uploaded file is not a valid zip archive.")
    unsafe = unpack(admin, "apps/new/x.zip", make_zip({"../evil.txt": b"evil"}))
    assert_error(unsafe, 400)
    assert list(box.rglob("*")) == [box / "apps"]


def test_a_zip_cannot_make_a_folder_where_a_file_is(admin, box):
    (box / "apps").write_bytes(b"a file")
    response = unpack(admin, "apps/x.zip", make_zip(SITE))
    assert_error(response, 400, "'apps' is a file; a zip cannot be unpacked into it.")
    assert (box / "apps").read_bytes() == b"a file"


def test_without_extract_the_folder_must_exist(admin, box):
    zipped = make_zip(SITE)
    response = admin.post("files/apps/todo.zip", data=zipped, content_type="application/zip")
    assert_error(response, 404, "Folder 'apps' does not exist.")
    assert list(box.iterdir()) == []

"""Role paths hold through symlinks: a link is followed only where the role reaches too.

A role allowing every verb on ``shared/*`` must not read, write, list, zip,
copy, move or delete anything in ``private/`` through a link placed in
``shared/`` (to a file or a folder, as the last name or in the middle of a
path). Links that stay inside ``shared/`` keep working, removing a link
removes the link only, and a sys admin follows every link inside the container.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from tests.conftest import Api, assert_error, create_api_app, create_role
from tests.services.files.conftest import make_zip
from tests.services.files.test_access import access

SECRET = b"top secret"
ALL_VERBS = 1 | 2 | 4 | 8 | 16

# Symbolic links on disk: a bucket has none.
pytestmark = pytest.mark.local_only


@pytest.fixture
def shared(admin, client, box) -> Api:
    """An app key whose role may do anything under ``shared/`` and nothing else.

    ``shared/`` holds ``a.txt``, ``nested/n.txt``, links inside (``inner.txt`` →
    ``a.txt``, ``sub`` → ``nested``) and links into ``private/`` (``link.txt`` →
    ``private/secret.txt``, ``priv`` → ``private``).
    """
    (box / "shared" / "nested").mkdir(parents=True)
    (box / "shared" / "a.txt").write_text("a")
    (box / "shared" / "nested" / "n.txt").write_text("n")
    (box / "private").mkdir()
    (box / "private" / "secret.txt").write_bytes(SECRET)
    os.symlink("../private/secret.txt", box / "shared" / "link.txt")
    os.symlink("../private", box / "shared" / "priv")
    os.symlink("a.txt", box / "shared" / "inner.txt")
    os.symlink("nested", box / "shared" / "sub")
    role_id = create_role(admin, "shared_only", [access("shared/*", ALL_VERBS)])
    _, key = create_api_app(admin, "shared_app", role_id)
    return Api(client, api_key=key)


def _private_untouched(box) -> None:
    assert sorted(os.listdir(box / "private")) == ["secret.txt"]
    assert (box / "private" / "secret.txt").read_bytes() == SECRET


def _refused(response) -> None:
    error = assert_error(response, 403)
    assert "link" in error["message"]
    assert SECRET.decode() not in response.get_data(as_text=True)


def test_reads_through_links_out_of_the_role_are_refused(shared, box):
    _refused(shared.get("files/shared/link.txt"))
    _refused(shared.get("files/shared/link.txt", query_string={"download": "1"}))
    props = {"include_properties": "1", "content": "1"}
    _refused(shared.get("files/shared/link.txt", query_string=props))
    _refused(shared.get("files/shared/priv/secret.txt"))
    _refused(shared.get("files/shared/priv/"))
    _refused(shared.get("files/shared/priv"))
    _refused(shared.get("files/shared/priv/", query_string={"zip": "1"}))
    _refused(shared.get("files/shared/priv/", query_string={"include_properties": "1"}))
    head = shared.call("HEAD", "files/shared/link.txt")
    assert head.status_code == 403 and head.data == b""


def test_links_inside_the_role_keep_working(shared, box):
    assert shared.get("files/shared/inner.txt").data == b"a"
    assert shared.get("files/shared/sub/n.txt").data == b"n"
    listed = shared.get("files/shared/sub/", query_string={"as_list": "1"}).get_json()
    assert listed == {"resource": ["shared/sub/n.txt"]}
    stored = shared.post("files/shared/sub/new.txt", data=b"x", content_type="text/plain")
    assert stored.status_code == 201, stored.get_json()
    assert (box / "shared" / "nested" / "new.txt").read_bytes() == b"x"


def test_listings_and_zips_leave_out_links_the_role_cannot_read(shared, box):
    listed = shared.get("files/shared/", query_string={"as_list": "1", "full_tree": "1"})
    assert listed.get_json() == {
        "resource": [
            "shared/a.txt",
            "shared/inner.txt",
            "shared/nested/",
            "shared/nested/n.txt",
            "shared/sub/",
        ]
    }
    zipped = shared.get("files/shared/", query_string={"zip": "1"})
    assert zipped.status_code == 200
    assert SECRET not in zipped.data
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as archive:
        assert sorted(archive.namelist()) == [
            "shared/a.txt",
            "shared/inner.txt",
            "shared/nested/n.txt",
        ]


def test_writes_through_links_out_of_the_role_are_refused(shared, box):
    _refused(shared.post("files/shared/priv/new.txt", data=b"x", content_type="text/plain"))
    _refused(shared.put("files/shared/priv/new.txt", data=b"x", content_type="text/plain"))
    _refused(
        shared.post(
            "files/shared/priv/", data=b"x", content_type="text/plain", headers={"X-File-Name": "n"}
        )
    )
    _refused(shared.post("files/shared/priv/", headers={"X-Folder-Name": "made"}))
    _refused(shared.post("files/shared/priv/made/"))
    form = {"files": (io.BytesIO(b"x"), "up.txt")}
    _refused(shared.post("files/shared/priv/", data=form, content_type="multipart/form-data"))
    site = make_zip({"z.txt": b"z"})
    _refused(
        shared.post(
            "files/shared/priv/z.zip",
            data=site,
            content_type="application/zip",
            query_string={"extract": "1"},
        )
    )
    _refused(shared.post("files/shared/link.txt", data=b"x", content_type="text/plain"))
    _refused(shared.patch("files/shared/priv/"))
    _refused(shared.patch("files/shared/link.txt"))
    items = {
        "resource": [
            {"name": "priv/made.txt", "type": "file", "content": "x"},
            {"name": "priv/dir", "type": "folder"},
            {"type": "file", "source_path": "shared/link.txt", "name": "copy.txt"},
            {"type": "file", "source_path": "shared/priv/secret.txt", "name": "copy2.txt"},
            {"type": "folder", "source_path": "shared/priv", "name": "copied"},
            {
                "type": "file",
                "source_path": "shared/priv/secret.txt",
                "name": "moved.txt",
                "delete_source": 1,
            },
        ]
    }
    results = shared.post("files/shared/", json=items).get_json()["resource"]
    assert [bool(r.get("error")) for r in results] == [True] * 6, results
    assert all("link" in r["error"]["message"] for r in results), results
    assert sorted(os.listdir(box / "shared")) == [
        "a.txt",
        "inner.txt",
        "link.txt",
        "nested",
        "priv",
        "sub",
    ]
    _private_untouched(box)


def test_deletes_through_links_out_of_the_role_are_refused(shared, box):
    _refused(shared.delete("files/shared/priv/secret.txt"))
    _refused(shared.delete("files/shared/priv/", query_string={"content_only": "1", "force": "1"}))
    body = {"resource": [{"path": "shared/priv/secret.txt"}]}
    results = shared.delete("files/shared/", json=body).get_json()["resource"]
    assert "link" in results[0]["error"]["message"], results
    _private_untouched(box)
    # removing a link removes the link, never what it points to
    assert shared.delete("files/shared/link.txt").status_code == 200
    assert shared.delete("files/shared/priv/", query_string={"force": "1"}).status_code == 200
    assert sorted(os.listdir(box / "shared")) == ["a.txt", "inner.txt", "nested", "sub"]
    _private_untouched(box)


def test_a_sys_admin_follows_links_inside_the_container(admin, shared, box):
    assert admin.get("files/shared/link.txt").data == SECRET
    assert admin.get("files/shared/priv/secret.txt").data == SECRET

"""DELETE on files and folders, alone or listed in a body."""

from __future__ import annotations

from tests.conftest import assert_error
from tests.services.files.conftest import leftovers


def _tree(box):
    (box / "f1" / "sub").mkdir(parents=True)
    (box / "f1" / "a.txt").write_bytes(b"a")
    (box / "f1" / "sub" / "b.txt").write_bytes(b"b")
    (box / "empty").mkdir()


def test_delete_a_file(admin, box):
    _tree(box)
    response = admin.delete("files/f1/a.txt")
    assert response.status_code == 200
    assert response.get_json() == {"name": "a.txt", "path": "f1/a.txt"}
    assert not (box / "f1" / "a.txt").exists()
    assert_error(admin.delete("files/f1/a.txt"), 404, "File 'f1/a.txt' does not exist in storage.")
    assert_error(admin.delete("files/f1"), 400, "'f1' is a folder; delete it as 'f1/'.")


def test_delete_folders_force_and_content_only(admin, box):
    _tree(box)
    assert admin.delete("files/empty/").get_json() == {"name": "empty", "path": "empty/"}
    full = admin.delete("files/f1/")
    assert_error(full, 400, "Directory not empty, can not delete without force option.")
    assert (box / "f1" / "a.txt").exists()
    kept = admin.delete("files/f1/", query_string={"force": "true", "content_only": "true"})
    assert kept.get_json() == {"name": "f1", "path": "f1/"}
    assert (box / "f1").is_dir() and list((box / "f1").iterdir()) == []
    (box / "f1" / "c.txt").write_bytes(b"c")
    gone = admin.delete("files/f1/", query_string={"force": "true"})
    assert gone.status_code == 200
    assert not (box / "f1").exists()
    assert_error(admin.delete("files/f1/"), 404, "Folder 'f1/' does not exist in storage.")
    assert leftovers(box) == []


def test_root_delete_needs_a_body(admin, box):
    _tree(box)
    assert_error(admin.delete("files/"), 400, "No resources given for delete.")
    assert_error(admin.delete("files"), 400, "No resources given for delete.")
    emptied = admin.delete("files/", query_string={"force": "1", "content_only": "1"})
    assert emptied.status_code == 200
    assert list(box.iterdir()) == []
    assert box.is_dir()


def test_delete_listed_items(admin, box):
    _tree(box)
    body = {
        "resource": [
            {"name": "a.txt", "type": "file"},
            {"path": "f1/sub/", "type": "folder"},
            {"name": "none.txt", "type": "file"},
        ]
    }
    response = admin.delete("files/f1/", json=body, query_string={"force": "true"})
    assert response.status_code == 200
    assert response.get_json() == {
        "resource": [
            {"name": "a.txt", "path": None, "type": "file"},
            {"name": None, "path": "f1/sub/", "type": "folder"},
            {
                "name": "none.txt",
                "path": None,
                "type": "file",
                "error": {"message": "File 'f1/none.txt' does not exist in storage."},
            },
        ]
    }
    assert list((box / "f1").iterdir()) == []
    root = admin.delete("files/", json={"resource": [{"path": "empty/"}]})
    assert root.get_json() == {"resource": [{"name": None, "path": "empty/", "type": "folder"}]}
    assert not (box / "empty").exists()


def test_listed_items_stay_inside_the_folder_of_the_url(admin, box):
    _tree(box)
    (box / "private.txt").write_bytes(b"secret")
    body = {
        "resource": [
            {"path": "private.txt", "type": "file"},
            {"name": "../private.txt", "type": "file"},
            {"path": "/private.txt", "type": "file"},
            {"type": "file"},
        ]
    }
    out = admin.delete("files/f1/", json=body).get_json()["resource"]
    assert out[0]["error"] == {"message": "'private.txt' is not inside the folder 'f1/'."}
    assert "'..' segments are not allowed" in out[1]["error"]["message"]
    assert "absolute paths are not allowed" in out[2]["error"]["message"]
    assert out[3]["error"] == {"message": "No path or name provided for resource."}
    assert (box / "private.txt").read_bytes() == b"secret"

"""Role access to file paths: components are paths (``public/*``), as for any service."""

from __future__ import annotations

import io

import pytest

from tests.conftest import Api, assert_error, create_api_app, create_role

FILES_ID = 3
"""The seeded ``files`` service."""


def access(component: str, verbs: int) -> dict:
    return {
        "service_id": FILES_ID,
        "component": component,
        "verb_mask": verbs,
        "requestor_mask": 1,
        "filters": [],
        "filter_op": "AND",
    }


@pytest.fixture
def guest(admin, client, box) -> Api:
    """An app key whose role may GET under ``public/`` and GET/POST under ``drop/``."""
    (box / "public").mkdir()
    (box / "public" / "a.txt").write_text("public")
    (box / "private").mkdir()
    (box / "private" / "b.txt").write_text("private")
    (box / "drop").mkdir()
    role_id = create_role(admin, "files_guest", [access("public/*", 1), access("drop/*", 1 | 2)])
    _, key = create_api_app(admin, "guest_app", role_id)
    return Api(client, api_key=key)


def test_roles_reach_only_their_paths(guest, box):
    assert guest.get("files/public/a.txt").data == b"public"
    assert guest.get("files/public/").status_code == 200
    assert_error(guest.get("files/private/b.txt"), 401)
    assert_error(guest.get("files/"), 401)
    assert_error(guest.post("files/public/new.txt", data=b"x", content_type="text/plain"), 401)
    assert_error(guest.delete("files/drop/x.txt"), 401)
    stored = guest.post("files/drop/new.txt", data=b"x", content_type="text/plain")
    assert stored.status_code == 201
    assert (box / "drop" / "new.txt").read_bytes() == b"x"


def test_dot_dot_cannot_climb_out_of_an_allowed_folder(guest, box):
    response = guest.get("files/public/../private/b.txt")
    assert_error(response, 404)  # the controller drops '..': public/private/b.txt
    climbing = guest.post("files/drop/../private/x.txt", data=b"x", content_type="text/plain")
    assert_error(climbing, 404, "Folder 'drop/private' does not exist.")
    assert not (box / "private" / "x.txt").exists()


def test_copies_need_read_access_to_the_source(guest, box):
    body = {
        "resource": [
            {"type": "file", "source_path": "private/b.txt"},
            {"type": "file", "source_path": "public/a.txt"},
            {
                "type": "file",
                "source_path": "public/a.txt",
                "name": "moved.txt",
                "delete_source": 1,
            },
        ]
    }
    out = guest.post("files/drop/", json=body).get_json()["resource"]
    assert out[0]["error"]["message"].startswith("Unauthorized.")
    assert out[1] == {"name": "a.txt", "path": "drop/a.txt", "type": "file"}
    assert out[2]["error"]["message"].startswith("Unauthorized.")
    assert not (box / "drop" / "b.txt").exists()
    assert (box / "public" / "a.txt").exists()


def test_a_big_multipart_upload_with_an_api_key_only(app, guest, box):
    """Bodies over MAX_CONTENT_LENGTH are not form-parsed for a session token before access."""
    app.config["MAX_CONTENT_LENGTH"] = 1000
    data = {"files": (io.BytesIO(b"z" * 5000), "big.bin")}
    response = guest.post("files/drop/", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    assert (box / "drop" / "big.bin").stat().st_size == 5000
    data = {"files": (io.BytesIO(b"z" * 5000), "big.bin")}
    refused = guest.post("files/private/", data=data, content_type="multipart/form-data")
    assert_error(refused, 401)
    assert not (box / "private" / "big.bin").exists()

"""Path safety: nothing outside the container is read, written, listed or deleted.

``..`` in the URL is dropped by the REST controller (as DreamFactory does) and
refused everywhere else; NUL bytes are refused; symlinks leading outside the
container (as the last name or as a folder in the middle of a path) are
refused with 403 and never followed; container configs cannot name system
directories or leave the storage path.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from app import dispatch
from app.vocabulary.calls import ServiceRequest
from tests.conftest import assert_error

OUTSIDE = "This is outside the container."


@pytest.fixture
def outside(box) -> Path:
    """A folder beside the container with a secret file, and links to it from inside."""
    folder = box.parent.parent / "outside"
    folder.mkdir(exist_ok=True)
    (folder / "secret.txt").write_text(OUTSIDE)
    (box / "docs").mkdir()
    (box / "docs" / "ok.txt").write_text("inside")
    os.symlink(folder / "secret.txt", box / "file-link.txt")
    os.symlink(folder, box / "dir-link")
    os.symlink(box / "docs", box / "inner-link")
    return folder


def test_dot_dot_in_the_url_never_leaves_the_container(admin, box):
    (box / "a.txt").write_text("a")
    for path in ("files/../../instance/jwt_secret", "files/x/%2e%2e/%2e%2e/etc/passwd"):
        response = admin.get(path)
        assert response.status_code == 404, path
    assert (box / "docs").exists() is False
    assert_error(admin.get("files/docs/../a.txt"), 404)  # read as docs/a.txt: '..' is dropped
    assert_error(admin.get("files/a%00.txt"), 400, "Invalid path: NUL bytes are not allowed.")


def test_internal_calls_with_dot_dot_are_refused(app, box):
    with app.test_request_context():
        request = ServiceRequest(method="GET", service="files", resource="docs/../../x")
        with pytest.raises(Exception) as caught:
            dispatch.call(request)
    assert getattr(caught.value, "status", None) == 400


@pytest.mark.local_only  # symbolic links on disk: a bucket has none
def test_symlinks_leading_outside_are_refused(admin, box, outside):
    message = "Access to 'file-link.txt' is not allowed: it leads outside the container."
    assert_error(admin.get("files/file-link.txt"), 403, message)
    assert_error(admin.get("files/dir-link/secret.txt"), 403)
    assert_error(admin.get("files/dir-link/"), 403)
    zipped = admin.get("files/dir-link/", query_string={"zip": "true"})
    assert_error(zipped, 403)
    props = admin.get("files/dir-link/secret.txt", query_string={"include_properties": "1"})
    assert_error(props, 403)
    write = admin.post("files/dir-link/new.txt", data=b"x", content_type="text/plain")
    assert_error(write, 403)
    assert not (outside / "new.txt").exists()
    items = admin.post("files/dir-link/", json={"resource": [{"name": "d", "type": "folder"}]})
    assert items.get_json()["resource"][0]["error"] == {
        "message": "Access to 'dir-link/d' is not allowed: it leads outside the container."
    }
    assert not (outside / "d").exists()
    copy = admin.post(
        "files/docs/", json={"resource": [{"type": "file", "source_path": "dir-link/secret.txt"}]}
    )
    assert "outside the container" in copy.get_json()["resource"][0]["error"]["message"]
    assert_error(admin.delete("files/dir-link/secret.txt"), 403)
    assert (outside / "secret.txt").read_text() == OUTSIDE


@pytest.mark.local_only  # symbolic links on disk: a bucket has none
def test_listings_and_zips_skip_links_leading_outside(admin, box, outside):
    listed = admin.get("files/", query_string={"as_list": "1", "full_tree": "1"}).get_json()
    assert listed == {"resource": ["docs/", "docs/ok.txt", "inner-link/"]}
    zipped = admin.get("files/", query_string={"zip": "1"}).data
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        names = archive.namelist()
    assert "docs/ok.txt" in names
    assert not [n for n in names if "secret" in n or n.startswith(("file-link", "dir-link"))]


@pytest.mark.local_only  # symbolic links on disk: a bucket has none
def test_links_inside_the_container_work_and_deleting_removes_the_link(admin, box, outside):
    assert admin.get("files/inner-link/ok.txt").data == b"inside"
    assert admin.delete("files/file-link.txt").status_code == 200
    assert not os.path.lexists(box / "file-link.txt")
    assert (outside / "secret.txt").read_text() == OUTSIDE
    assert admin.delete("files/dir-link/", query_string={"force": "1"}).status_code == 200
    assert not os.path.lexists(box / "dir-link")
    assert (outside / "secret.txt").read_text() == OUTSIDE


@pytest.mark.local_only  # symbolic links on disk: a bucket has none
def test_a_write_replaces_a_link_instead_of_following_it(admin, box, outside):
    response = admin.post("files/file-link.txt", data=b"new", content_type="text/plain")
    assert_error(response, 403)
    os.symlink("docs/ok.txt", box / "relative-link.txt")
    replaced = admin.post("files/relative-link.txt", data=b"own", content_type="text/plain")
    assert replaced.status_code == 201
    assert not os.path.islink(box / "relative-link.txt")
    assert (box / "docs" / "ok.txt").read_text() == "inside"


def _service(admin, config):
    return admin.post(
        "system/service",
        json={"resource": [{"name": "more", "type": "local_file", "config": config}]},
    )


def _refused(response) -> dict:
    """The one record's error inside the batch error of ``system/service``."""
    error = assert_error(response, 400, code=1000)
    (index,) = error["context"]["error"]
    inner = error["context"]["resource"][index]
    assert inner["status_code"] == 400
    return inner


@pytest.mark.parametrize(
    ("container", "message"),
    [
        ("/etc", "The container may not be a system directory."),
        ("/", "The container may not be a system directory."),
        ("/proc/self", "The container may not be a system directory."),
        ("/usr/share", "The container may not be a system directory."),
        ("/tmp", "The container may not be a system directory."),
        ("../outside", "A relative container must stay inside the storage path."),
        ("a/../../b", "A relative container must stay inside the storage path."),
        (".", "The container may not be the storage path itself or its databases folder."),
        ("databases", "The container may not be the storage path itself or its databases folder."),
        ("a\x00b", "The container may not contain NUL bytes."),
    ],
)
def test_containers_cannot_name_system_or_private_folders(admin, container, message):
    error = _refused(_service(admin, {"container": container}))
    assert error["context"] == {"config.container": [message]}


def test_absolute_containers_around_the_instance_folder_are_refused(app, admin, tmp_path):
    instance = app.config["INSTANCE_PATH"]
    for container in (instance, os.path.dirname(instance), os.path.join(instance, "x")):
        error = _refused(_service(admin, {"container": container}))
        assert "instance or databases folder" in error["message"]
    ok = _service(admin, {"container": str(tmp_path / "elsewhere"), "public_path": ["pub"]})
    assert ok.status_code == 201, ok.get_json()
    created = admin.post("more/", headers={"X-Folder-Name": "pub"})
    assert created.status_code == 201
    assert (tmp_path / "elsewhere" / "pub").is_dir()


def test_public_paths_are_checked(admin):
    bad = _service(admin, {"container": "other", "public_path": ["a/../b"]})
    error = _refused(bad)
    assert error["context"] == {
        "config.public_path": ["Public path 'a/../b' may not contain '..' segments."]
    }


@pytest.mark.local_only  # a local folder as container: S3's is test_s3.py's
def test_a_misconfigured_container_found_at_run_time_is_a_500(app, admin, box):
    from app.extensions import db
    from app.models import Service

    with app.app_context():
        row = db.session.query(Service).filter_by(name="files").one()
        row.config = {"container": "/etc"}  # the API refuses this; written behind its back
        db.session.commit()
        db.session.remove()
    error = assert_error(admin.get("files/"), 500)
    assert error["message"].startswith("Local file service folder mis-configured.")

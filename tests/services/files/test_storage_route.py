"""The public storage route ``GET /{service}/{path}`` and apps hosted through it."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, assert_error, create_role
from tests.services.files.conftest import make_zip, set_config

DENIED = "Access denied, please contact your system administrator."


@pytest.fixture
def public(admin, box):
    """``files`` with ``public`` (and the single file ``notes/readme.txt``) public."""
    set_config(admin, "files", {"container": "app", "public_path": ["public/", "notes/readme.txt"]})
    (box / "public" / "css").mkdir(parents=True)
    (box / "public" / "index.html").write_text("<h1>public</h1>")
    (box / "public" / "css" / "site.css").write_text("h1 {}")
    (box / "private").mkdir()
    (box / "private" / "secret.txt").write_text("secret")
    (box / "notes").mkdir()
    (box / "notes" / "readme.txt").write_text("readme")
    (box / "notes" / "other.txt").write_text("other")
    return box


def test_public_files_are_served_without_credentials(client, public):
    page = client.get("/files/public/index.html")
    assert page.status_code == 200
    assert page.data == b"<h1>public</h1>"
    assert page.headers["Content-Type"] == "text/html"
    assert page.headers["Cache-Control"] == "private"
    assert "Content-Disposition" not in page.headers  # a page, not an attachment
    assert "Last-Modified" in page.headers and "ETag" in page.headers
    assert client.get("/files/public/css/site.css").headers["Content-Type"] == "text/css"
    assert client.get("/FILES/notes/readme.txt").data == b"readme"
    etag = page.headers["ETag"]
    assert (
        client.get("/files/public/index.html", headers={"If-None-Match": etag}).status_code == 304
    )
    ranged = client.get("/files/public/index.html", headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.data == b"<h1>"
    head = client.head("/files/public/index.html")
    assert head.status_code == 200 and head.data == b""


@pytest.mark.parametrize(
    ("name", "kind"),
    [("logo.svg", "image/svg+xml"), ("app.js", "application/javascript"), ("f.xml", "text/xml")],
)
def test_active_files_stay_inline_on_the_public_route(client, public, name, kind):
    """What the API sends as attachments, hosted apps still get as pages and scripts."""
    (public / "public" / name).write_text("<x/>")
    served = client.get(f"/files/public/{name}")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == kind
    assert served.headers["Content-Disposition"] == "inline"


def test_everything_else_is_refused(app, client, public, box, storage):
    assert_error(client.get("/files/private/secret.txt"), 403, DENIED)
    assert_error(client.get("/files/notes/other.txt"), 403, DENIED)
    assert_error(client.get("/files/publicity.txt"), 403, DENIED)
    assert_error(client.get("/files/nope/missing.txt"), 403, DENIED)
    missing = client.get("/files/public/missing.txt")
    assert_error(missing, 404, "The specified file 'public/missing.txt' was not found in storage.")
    assert_error(client.get("/files/public/css/"), 404)
    assert_error(
        client.get("/db/public/x.txt"), 400, "Service requested is not a file storage service."
    )
    assert_error(client.get("/nothing/public/x.txt"), 404, "Could not find a service for nothing")
    assert_error(client.get("/files/public/%2e%2e/private/secret.txt"), 400)
    # Symbolic links on disk: a bucket has none, and FTP servers follow them where they are
    # without saying (ftp_tree): there the FTP server's own rules decide what it serves.
    if isinstance(box, Path) and storage != "ftp_file":
        os.symlink(box / "private" / "secret.txt", box / "public" / "leak.txt")
        leak = client.get("/files/public/leak.txt")
        if storage == "webdav_file":  # links are the WebDAV server's: wsgidav's refuses them
            assert_error(leak, 502, "The WebDAV storage refused the operation (403 Forbidden).")
        else:
            assert_error(leak, 403, DENIED)


def test_inactive_services_are_refused(admin, client, public):
    services = admin.get("system/service", query_string={"filter": "name='files'"}).get_json()
    admin.patch(f"system/service/{services['resource'][0]['id']}", json={"is_active": False})
    assert_error(client.get("/files/public/index.html"), 403, "Service files is deactivated.")


def test_the_route_shadows_nothing(client, public):
    assert client.get("/api/v2/files/public/index.html").status_code == 400  # no credentials
    assert client.get("/status").status_code == 200
    assert client.get("/api/v2").status_code == 200
    assert client.get("/").status_code in (200, 302)
    assert client.get("/setup").status_code in (200, 302)


def test_a_route_prefix_moves_it(backend, stores, tmp_path, spare_app, sample_db):
    from app import seed
    from app.extensions import db
    from tests.conftest import reset_store

    application = spare_app(stores(backend), str(tmp_path / "s2"), STORAGE_ROUTE_PREFIX="/storage/")
    with application.app_context():
        reset_store(db.engine)
        seed.seed()
        seed.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Ada", "Admin")
        db.session.remove()
    container = tmp_path / "s2" / "app" / "public"
    container.mkdir(parents=True)
    (container / "a.txt").write_text("a")
    client = application.test_client()
    admin = Api(client)
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    set_config(admin, "files", {"container": "app", "public_path": ["public"]})
    assert client.get("/storage/files/public/a.txt").data == b"a"
    assert client.get("/files/public/a.txt").status_code == 404
    hosted = {"name": "web", "type": 1, "storage_service_id": 3, "path": "public/a.txt"}
    created = admin.post("system/app", json={"resource": [hosted]}, query_string={"fields": "*"})
    launch = created.get_json()["resource"][0]["launch_url"]
    assert launch == "http://localhost/storage/files/public/a.txt"
    assert client.get(launch).data == b"a"


def test_a_static_app_hosted_from_a_public_folder(admin, client, box):
    """The issue's story: a zipped web app, extracted into a public folder, launched as an app."""
    set_config(admin, "files", {"container": "app", "public_path": ["apps/"]})
    (box / "apps").mkdir()
    site = make_zip({"todo/index.html": b"<script src='app.js'></script>", "todo/app.js": b"1"})
    uploaded = admin.post(
        "files/apps/",
        data={"files": (io.BytesIO(site), "todo.zip")},
        content_type="multipart/form-data",
        query_string={"extract": "true"},
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    role_id = create_role(
        admin,
        "todo_reader",
        [{"service_id": 5, "component": "_table/*", "verb_mask": 1, "requestor_mask": 1}],
    )
    created = admin.post(
        "system/app",
        json={
            "resource": [
                {
                    "name": "todo",
                    "type": 1,
                    "is_active": True,
                    "role_id": role_id,
                    "storage_service_id": 3,
                    "storage_container": "apps",
                    "path": "todo/index.html",
                }
            ]
        },
        query_string={"fields": "*"},
    )
    assert created.status_code == 201, created.get_json()
    record = created.get_json()["resource"][0]
    assert record["launch_url"] == "http://localhost/files/apps/todo/index.html"
    page = client.get(record["launch_url"].removeprefix("http://localhost"))
    assert page.status_code == 200 and b"app.js" in page.data
    assert client.get("/files/apps/todo/app.js").data == b"1"
    launchpad = client.get("/", headers={"X-DreamFactory-API-Key": record["api_key"]})
    assert b'href="http://localhost/files/apps/todo/index.html"' in launchpad.data
    data = client.get(
        "/api/v2/db/_table/contact", headers={"X-DreamFactory-API-Key": record["api_key"]}
    )
    assert data.status_code == 200, data.get_json()


def test_storage_apps_must_point_at_a_file_service(admin):
    bad = admin.post(
        "system/app",
        json={"resource": [{"name": "x", "type": 1, "storage_service_id": 5, "path": "a.html"}]},
    )
    error = assert_error(bad, 400, code=1000)
    inner = error["context"]["resource"][0]
    assert inner["message"] == "Invalid data supplied. An app of type storage needs a file service."
    unsafe = admin.post(
        "system/app",
        json={
            "resource": [
                {"name": "y", "type": 1, "storage_service_id": 3, "path": "../../etc/passwd"}
            ]
        },
    )
    assert assert_error(unsafe, 400, code=1000)["context"]["resource"][0]["context"] == {
        "path": ["The path may not contain '..' segments or NUL bytes."]
    }

"""``system/package`` as DreamFactory takes a package in and gives one out.

In: uploaded in the multipart field ``files`` (DreamFactory's ``getFile('files')``,
the console's upload field), by ``import_url``, with ``overwrite``; a ``.dfpkg``
sent here is an app package. Out: stored in a file service as the manifest's
``storage`` asks, answered with the file's URL.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from tests.app_packages.conftest import build_package as build_app_package
from tests.config_packages.conftest import MANIFEST, TABLE, configure, found
from tests.conftest import Api, assert_error, create_api_app, create_role
from tests.services.system.conftest import service_id

ROLE = {"id": 41, "name": "auditor", "description": "Reads the books.", "is_active": True}


def small_package(*roles: dict) -> bytes:
    """A package in DreamFactory's layout holding roles (default: ``ROLE``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        manifest = {"version": "0.1", "df_version": "7.0.0", "secured": False}
        archive.writestr("package.json", json.dumps(manifest))
        archive.writestr("system/role.json", json.dumps(list(roles or [ROLE])))
    return buffer.getvalue()


def role(api: Api, name: str) -> dict | None:
    return found(api, "role", f"name='{name}'", "role_service_access_by_role_id")


def send(api: Api, data: bytes, name: str, field: str = "files", **fields):
    body = {field: (io.BytesIO(data), name), **{k: str(v) for k, v in fields.items()}}
    return api.post("system/package", data=body, content_type="multipart/form-data")


def test_a_package_uploaded_in_the_console_s_field_is_imported(admin):
    response = send(admin, small_package(), "instance.zip")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["resource"][0]["name"] == "auditor"
    assert role(admin, "auditor")["description"] == ROLE["description"]

    again = send(admin, small_package(), "instance.zip")
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["resource"][0]["error"]["code"] == 409

    wrong = send(admin, small_package(), "instance.txt")
    assert_error(
        wrong, 400, "Only package files ending with 'zip' or 'dfpkg' are allowed for import."
    )
    assert_error(send(admin, b"not a zip", "broken.zip"), 400, "The package is not a zip file.")


def test_a_package_by_import_url(admin, app, remote):
    base, routes = remote
    routes["/exports/instance.zip"] = small_package()
    url = f"{base}/exports/instance.zip"
    refused = admin.post("system/package", json={"import_url": url})
    assert_error(
        refused, 400, "URL imports from loopback, private or link-local addresses are not allowed."
    )
    assert role(admin, "auditor") is None

    app.config["FILE_URL_IMPORT_ALLOW_PRIVATE"] = True
    response = admin.post("system/package", query_string={"import_url": url})
    assert response.status_code == 201, response.get_json()
    assert role(admin, "auditor") is not None
    missing = admin.post("system/package", json={"import_url": f"{base}/exports/gone.zip"})
    assert_error(missing, 404, "Invalid URL entered. File not found.")
    other = admin.post("system/package", json={"import_url": f"{base}/exports/instance.json"})
    assert_error(
        other, 400, "Only package files ending with 'zip' or 'dfpkg' are allowed for import."
    )


def test_an_app_package_sent_here_is_imported_as_system_app_imports_it(admin, anon):
    response = send(admin, build_app_package(), "library.dfpkg")
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert (record["name"], record["storage_container"]) == ("Library", "Library")
    assert anon.get("/files/Library/index.html").status_code == 200
    assert {"author", "book"} <= {t["name"] for t in admin.get("db/_schema").get_json()["resource"]}


def test_overwrite_updates_what_this_instance_has_already(admin, fresh):
    configure(admin)
    first = admin.post("system/package", json=MANIFEST).data
    assert (
        fresh.post("system/package", data=first, content_type="application/zip").status_code == 201
    )
    warehouse = service_id(fresh, "warehouse")
    patched = fresh.patch(
        f"system/service/{warehouse}",
        json={
            "config": {
                **fresh.get(f"system/service/{warehouse}").get_json()["config"],
                "password": "fresh-secret",
            }
        },
    )
    assert patched.status_code == 200, patched.get_json()

    viewer = role(admin, "viewer")
    assert (
        admin.patch(f"system/role/{viewer['id']}", json={"description": "Sees more."}).status_code
        == 200
    )
    source_service = service_id(admin, "warehouse")
    config = admin.get(f"system/service/{source_service}").get_json()["config"]
    assert (
        admin.patch(
            f"system/service/{source_service}", json={"config": {**config, "username": "v2"}}
        ).status_code
        == 200
    )
    field = {"name": "tag", "type": "string", "size": 20}
    assert admin.patch("db/_schema/notes", json={"field": [field]}).status_code == 200
    second = admin.post("system/package", json=MANIFEST).data

    response = fresh.post(
        "system/package",
        data=second,
        content_type="application/zip",
        query_string={"overwrite": "true"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [i for i in body["resource"] if "error" in i] == []
    items = {item["api"]: item for item in body["resource"]}
    assert items["system/role"] == {
        "api": "system/role",
        "name": "viewer",
        "id": role(fresh, "viewer")["id"],
        "overwritten": True,
    }
    assert items["db/_schema"]["overwritten"] is True
    assert "Overwrote duplicate found for system/role with name viewer" in body["log"]["notice"]

    again = role(fresh, "viewer")
    assert again["description"] == "Sees more."
    assert len(again["role_service_access_by_role_id"]) == 1  # not added twice
    config = fresh.get(f"system/service/{warehouse}").get_json()["config"]
    assert config["username"] == "v2"
    assert config["password"] == "**********"  # the secret this instance had is kept
    fields = {f["name"] for f in fresh.get("db/_schema/notes").get_json()["field"]}
    assert {f["name"] for f in TABLE["field"]} | {"tag"} <= fields


def test_a_package_is_stored_in_a_file_service_and_answered_with_its_url(admin, app):
    configure(admin)
    storage = {"name": "files", "folder": "exports", "filename": "nightly"}
    response = admin.post("system/package", json={**MANIFEST, "storage": storage})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "success": True,
        "path": "http://localhost/api/v2/files/exports/nightly.zip",
        "is_public": False,
    }
    stored = admin.get("files/exports/nightly.zip")
    assert stored.status_code == 200
    with zipfile.ZipFile(io.BytesIO(stored.data)) as archive:
        assert "system/role.json" in archive.namelist()

    # by id, DreamFactory's default folder, and a public one
    files_id = service_id(admin, "files")
    config = admin.get(f"system/service/{files_id}").get_json()["config"]
    public = [*(config.get("public_path") or []), "__EXPORTS/"]
    made_public = admin.patch(
        f"system/service/{files_id}", json={"config": {**config, "public_path": public}}
    )
    assert made_public.status_code == 200, made_public.get_json()
    response = admin.post(
        "system/package", json={**MANIFEST, "storage": {"id": files_id, "file": "b.zip"}}
    )
    assert response.get_json() == {
        "success": True,
        "path": "http://localhost/api/v2/files/__EXPORTS/b.zip",
        "is_public": True,
    }
    exports = Path(app.config["STORAGE_PATH"]) / "app" / "__EXPORTS"
    assert (exports / "b.zip").is_file()


def test_a_storage_that_cannot_take_the_package_leaves_no_folder(admin, anon, app):
    refused = admin.post("system/package", json={**MANIFEST, "storage": "db"})
    assert_error(refused, 400, "Storage service 'db' not found or not a file service.")
    escape = {**MANIFEST, "storage": {"name": "files", "folder": "../outside"}}
    assert_error(admin.post("system/package", json=escape), 400)

    system, files = service_id(admin, "system"), service_id(admin, "files")
    accesses = [
        {"service_id": system, "component": "package", "verb_mask": 2, "requestor_mask": 1},
        {"service_id": system, "component": "role", "verb_mask": 1, "requestor_mask": 1},
        {"service_id": files, "component": "exports/", "verb_mask": 3, "requestor_mask": 1},
    ]
    _, api_key = create_api_app(admin, "exporter", create_role(admin, "exporter", accesses))
    anon.api_key = api_key
    manifest = {
        "service": {"system": {"role": ["exporter"]}},
        "storage": {"name": "files", "folder": "exports"},
    }
    response = anon.post("system/package", json=manifest)
    assert response.status_code in (401, 403), response.get_json()
    assert not (Path(app.config["STORAGE_PATH"]) / "app" / "exports").exists()

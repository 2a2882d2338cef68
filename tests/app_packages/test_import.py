"""``POST system/app`` with a ``.dfpkg``: tables, records, files and the app, as DreamFactory."""

from __future__ import annotations

from pathlib import Path

from tests.app_packages.conftest import (
    APP_JS,
    AUTHORS,
    BOOKS,
    INDEX_HTML,
    app_names,
    build_package,
    public_paths,
    service_id,
    table_names,
    upload,
)
from tests.conftest import Api, assert_error, create_role


def test_an_uploaded_package_brings_its_tables_records_files_and_app(admin, anon, client, app):
    before = public_paths(admin)
    response = upload(admin, build_package())
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    expected = {
        "name": "Library",
        "description": "Books and their authors.",
        "type": 1,
        "path": "index.html",
        "is_active": True,
        "storage_service_id": service_id(admin, "files"),
        "storage_container": "Library",
        "role_id": None,
        "launch_url": "http://localhost/files/Library/index.html",
    }
    assert {k: record[k] for k in expected} == expected
    assert len(record["api_key"]) == 64

    assert {"author", "book"} <= table_names(admin)
    books = admin.get(
        "db/_table/book", query_string={"order": "id", "related": "author_by_author_id"}
    ).get_json()["resource"]
    assert [(b["id"], b["title"], b["author_by_author_id"]["name"]) for b in books] == [
        (b["id"], b["title"], AUTHORS[b["author_id"] - 1]["name"]) for b in BOOKS
    ]

    # the files are in the app's folder, public, without the package's own JSON
    folder = Path(app.config["STORAGE_PATH"]) / "app" / "Library"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == [
        "index.html",
        "js",
        "js/app.js",
    ]
    assert public_paths(admin) == [*before, "Library/"]
    page = anon.get("/files/Library/index.html")
    assert page.status_code == 200
    assert page.data == INDEX_HTML
    assert anon.get("/files/Library/js/app.js").data == APP_JS

    # and the launchpad opens it
    pad = client.get("/", query_string={"session_token": admin.token})
    assert b'href="http://localhost/files/Library/index.html"' in pad.data


def test_the_imported_app_reads_its_records_with_its_own_key(admin, anon):
    db_id = service_id(admin, "db")
    role_id = create_role(
        admin,
        "library_reader",
        [{"service_id": db_id, "component": "_table/*", "verb_mask": 1, "requestor_mask": 1}],
    )
    response = upload(admin, build_package(), role_id=role_id, storage_container="shelf")
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert (record["role_id"], record["storage_container"]) == (role_id, "shelf")
    assert record["launch_url"] == "http://localhost/files/shelf/index.html"

    page_client = Api(anon.client, api_key=record["api_key"])
    titles = page_client.get("db/_table/book", query_string={"order": "id"}).get_json()
    assert [b["title"] for b in titles["resource"]] == [b["title"] for b in BOOKS]
    assert anon.get("/files/shelf/js/app.js").data == APP_JS


def test_a_package_from_import_url(admin, anon, app, remote):
    base, routes = remote
    routes["/samples/library.dfpkg"] = build_package()
    url = f"{base}/samples/library.dfpkg"

    refused = admin.post("system/app", json={"import_url": url})
    assert_error(
        refused,
        400,
        "URL imports from loopback, private or link-local addresses are not allowed.",
    )
    assert "Library" not in app_names(admin)

    app.config["FILE_URL_IMPORT_ALLOW_PRIVATE"] = True
    files_id = service_id(admin, "files")
    response = admin.post(
        "system/app",
        json={"import_url": url, "storage_service_id": files_id, "storage_container": "/lib/"},
    )
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert (record["name"], record["storage_container"]) == ("Library", "lib")
    assert anon.get("/files/lib/index.html").data == INDEX_HTML
    assert len(admin.get("db/_table/author").get_json()["resource"]) == len(AUTHORS)

    missing = admin.post("system/app", json={"import_url": f"{base}/samples/gone.dfpkg"})
    assert_error(missing, 404, "Invalid URL entered. File not found.")


def test_an_app_of_another_type_imports_without_files(admin, anon):
    entries = {
        "description.json": {
            "api_name": "catalog",
            "name": "Catalog",
            "type": 2,
            "url": "https://example.com/catalog",
            "active": False,
        },
        "index.html": INDEX_HTML,
    }
    response = upload(admin, build_package(entries))
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert (record["name"], record["type"], record["is_active"]) == ("catalog", 2, False)
    assert (record["storage_service_id"], record["storage_container"]) == (None, None)
    assert record["launch_url"] == "https://example.com/catalog"
    assert anon.get("/files/catalog/index.html").status_code in (403, 404)

"""``GET system/app/{id}?pkg=true``: an app as a package, which imports into a fresh instance."""

from __future__ import annotations

import io
import json
import zipfile

from tests.app_packages.conftest import (
    APP_JS,
    AUTHORS,
    BOOKS,
    DESCRIPTION,
    INDEX_HTML,
    build_package,
    table_names,
    upload,
)
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Api,
    assert_error,
    place_sample,
    release,
    seeded_app,
)

EVERYTHING = {
    "pkg": "true",
    "include_files": "true",
    "include_data": "true",
    "schema": json.dumps({"db": ["author", "book"]}),
}


def test_an_exported_app_imports_into_a_fresh_instance(admin, backend, stores, tmp_path, sample_db):
    app_id = upload(admin, build_package()).get_json()["id"]
    exported = admin.get(f"system/app/{app_id}", query_string=EVERYTHING)
    assert exported.status_code == 200, exported.get_data(as_text=True)
    assert exported.headers["Content-Type"] == "application/zip"
    assert exported.headers["Content-Disposition"] == 'attachment; filename="Library.dfpkg"'
    with zipfile.ZipFile(io.BytesIO(exported.data)) as package:
        names = sorted(n for n in package.namelist() if not n.endswith("/"))
        assert names == ["data.json", "description.json", "index.html", "js/app.js", "schema.json"]
        description = json.loads(package.read("description.json"))
        schema = json.loads(package.read("schema.json"))
        data = json.loads(package.read("data.json"))
    assert description == {
        **DESCRIPTION,
        "url": None,
        "requires_fullscreen": False,
        "allow_fullscreen_toggle": True,
        "toggle_location": "top",
    }
    assert [t["name"] for t in schema["service"][0]["table"]] == ["author", "book"]
    records = {t["name"]: t["record"] for t in data["service"][0]["table"]}
    assert records == {"author": AUTHORS, "book": BOOKS}

    place_sample(sample_db, tmp_path / "fresh")
    fresh = seeded_app(stores(backend), str(tmp_path / "fresh"))
    try:
        other = Api(fresh.test_client())
        other.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        assert not {"author", "book"} & table_names(other)
        response = upload(other, exported.data)
        assert response.status_code == 201, response.get_json()
        record = response.get_json()
        assert record["launch_url"] == "http://localhost/files/Library/index.html"
        books = other.get(
            "db/_table/book", query_string={"order": "id", "related": "author_by_author_id"}
        ).get_json()["resource"]
        assert [(b["title"], b["author_by_author_id"]["name"]) for b in books] == [
            (b["title"], AUTHORS[b["author_id"] - 1]["name"]) for b in BOOKS
        ]
        assert other.get("/files/Library/index.html").data == INDEX_HTML
        assert other.get("/files/Library/js/app.js").data == APP_JS
    finally:
        release(fresh)


def test_an_export_without_options_is_the_description_alone(admin):
    app_id = upload(admin, build_package()).get_json()["id"]
    exported = admin.get(f"system/app/{app_id}", query_string={"pkg": "true"})
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.data)) as package:
        assert package.namelist() == ["description.json"]


def test_export_refusals(admin):
    app_id = upload(admin, build_package()).get_json()["id"]
    bad_schema = admin.get(f"system/app/{app_id}", query_string={"pkg": "true", "schema": "db"})
    assert_error(
        bad_schema, 400, "schema must be a JSON object of service names to lists of table names."
    )
    services = admin.get(f"system/app/{app_id}", query_string={"pkg": "true", "service": "db"})
    assert services.status_code == 400
    no_table = admin.get(
        f"system/app/{app_id}", query_string={"pkg": "true", "schema": '{"db": ["nope"]}'}
    )
    assert_error(no_table, 404, "Table 'nope' does not exist in service 'db'.")
    missing = admin.get("system/app/999", query_string={"pkg": "true"})
    assert_error(missing, 404, "Record with identifier '999' not found.")

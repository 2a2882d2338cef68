"""A bad package answers 400 naming what is wrong, and leaves nothing of itself behind.

Some are refused before anything is written (no description, bad JSON, an unsafe
entry, a table that exists without the package's fields); others fail halfway (a
record the table refuses, a call the caller's role does not allow), after tables
were created or records inserted, which are then taken back.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.app_packages.conftest import (
    AUTHOR,
    AUTHORS,
    BOOK,
    BOOKS,
    app_names,
    build_package,
    data_json,
    package_entries,
    public_paths,
    schema_json,
    service_id,
    table_names,
    upload,
)
from tests.conftest import Api, assert_error, create_role

TODO = {"name": "todo", "field": [{"name": "id", "type": "id"}, {"name": "due", "type": "date"}]}
"""A table the seeded ``db`` service has already, without the field ``due``."""


def with_entries(**changes: Any) -> bytes:
    """The package with entries replaced (``None`` drops one); names use ``__`` for ``.``."""
    entries = package_entries()
    for key, value in changes.items():
        name = key.replace("__", ".")
        if value is None:
            entries.pop(name)
        else:
            entries[name] = value
    return build_package(entries)


def with_raw_entry(name: str, content: bytes = b"x") -> bytes:
    """The package plus one entry whose name is written as given."""
    buffer = io.BytesIO(build_package())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), content)
    return buffer.getvalue()


BAD_PACKAGES = {
    "not a zip": (b"PK? not really", "The package is not a valid zip archive."),
    "no description": (
        with_entries(description__json=None),
        "No application description file in this package file.",
    ),
    "description not JSON": (
        with_entries(description__json=b'{"name": "Library",'),
        "description.json in the package is not valid JSON",
    ),
    "description not an object": (
        with_entries(description__json=["Library"]),
        "Invalid App data provided: description.json must hold a JSON object.",
    ),
    "no app name": (
        with_entries(description__json={"type": 1, "path": "index.html"}),
        "No App name provided in description.json",
    ),
    "storage app without a path": (
        with_entries(description__json={"name": "Library", "type": 1}),
        "No Application Path provided in description.json",
    ),
    "schema not JSON": (
        with_entries(schema__json=b"[{"),
        "schema.json in the package is not valid JSON",
    ),
    "schema of the wrong shape": (
        with_entries(schema__json={"tables": [AUTHOR]}),
        "schema.json must be an object with a 'service' list of services.",
    ),
    "records not objects": (
        with_entries(data__json=data_json(author=[1, 2])),
        "data.json: the records of table 'author' must be a list of objects.",
    ),
    "zip slip": (
        with_raw_entry("../escaped.html"),
        "The package is refused. Unsafe zip entry '../escaped.html': it contains '..'.",
    ),
    "absolute entry": (
        with_raw_entry("/etc/escaped.html"),
        "The package is refused. Unsafe zip entry '/etc/escaped.html': it is an absolute path.",
    ),
    "services to create": (
        with_entries(services__json=[{"name": "other", "type": "sqlite"}]),
        "The package creates services (services.json)",
    ),
    "a table that exists without a field of the package": (
        with_entries(schema__json=schema_json(BOOK, AUTHOR, TODO)),
        "The package's tables exist already without all of their fields: "
        "table 'todo' of service 'db' lacks due.",
    ),
    "an unknown service": (
        with_entries(
            schema__json={
                "service": [{"name": "db", "table": [AUTHOR]}, {"name": "nowhere", "table": [BOOK]}]
            }
        ),
        "Could not create table 'book' of service 'nowhere': ",
    ),
    "a record the table refuses": (
        with_entries(data__json=data_json(author=AUTHORS, book=[*BOOKS, {"id": 4, "title": None}])),
        "Could not insert the records of table 'book' of service 'db': ",
    ),
}


@pytest.fixture
def untouched(admin, app):
    """Checks, after a refused import, that the instance is as it was before."""
    apps, tables, public = app_names(admin), table_names(admin), public_paths(admin)
    todos = admin.get("db/_table/todo").get_json()["resource"]
    folder = Path(app.config["STORAGE_PATH"]) / "app"

    def check() -> None:
        assert app_names(admin) == apps
        assert table_names(admin) == tables
        assert public_paths(admin) == public
        assert admin.get("db/_table/todo").get_json()["resource"] == todos
        assert not (folder / "Library").exists()

    return check


@pytest.mark.parametrize("case", list(BAD_PACKAGES))
def test_a_bad_package_is_refused_and_leaves_nothing(admin, untouched, case):
    package, message = BAD_PACKAGES[case]
    error = assert_error(upload(admin, package), 400)
    assert error["message"].startswith(message), error["message"]
    untouched()


def test_only_dfpkg_files_and_one_at_a_time(admin, untouched):
    wrong = upload(admin, build_package(), name="library.zip")
    assert_error(wrong, 400, "Only package files ending with 'dfpkg' are allowed for import.")
    by_url = admin.post("system/app", json={"import_url": "http://example.com/library.zip"})
    assert_error(by_url, 400, "Only package files ending with 'dfpkg' are allowed for import.")
    two = admin.post(
        "system/app",
        data={"file": [(io.BytesIO(build_package()), "a.dfpkg"), (io.BytesIO(b"x"), "b.dfpkg")]},
        content_type="multipart/form-data",
    )
    assert_error(two, 400, "Only a single application package file is allowed for import.")
    untouched()


def test_a_folder_that_exists_or_a_name_taken_is_refused_before_any_write(admin, app):
    storage = Path(app.config["STORAGE_PATH"]) / "app"
    (storage / "kept").mkdir(parents=True)
    tables = table_names(admin)
    clash = upload(admin, build_package(), storage_container="kept")
    assert_error(
        clash,
        400,
        "Folder 'kept/' already exists in storage service 'files': "
        "choose another storage_container.",
    )
    assert table_names(admin) == tables
    assert list((storage / "kept").iterdir()) == []

    assert upload(admin, build_package()).status_code == 201
    again = upload(admin, build_package(), storage_container="other")
    assert_error(again, 400, "Duplicate entry 'Library' for key 'name'.")
    assert not (storage / "other").exists()


def test_a_step_the_callers_role_refuses_undoes_the_steps_before_it(admin, anon, untouched):
    """A role may create apps and tables but not insert records: the API key's call is refused
    as DreamFactory refuses a guest (401), and no table is left."""
    accesses = [
        {
            "service_id": service_id(admin, service),
            "component": component,
            "verb_mask": 2,
            "requestor_mask": 1,
        }
        for service, component in (("system", "app"), ("db", "_schema"), ("db", "_schema/*"))
    ]
    role_id = create_role(admin, "packager", accesses)
    created = admin.post(
        "system/app",
        json={"resource": [{"name": "packager", "type": 0, "is_active": True, "role_id": role_id}]},
        query_string={"fields": "api_key"},
    )
    key = created.get_json()["resource"][0]["api_key"]
    apps_before = app_names(admin)
    refused = upload(Api(anon.client, api_key=key), build_package())
    assert_error(
        refused,
        401,
        "Could not insert the records of table 'author' of service 'db': "
        "Unauthorized. User is not authenticated.",
    )
    assert app_names(admin) == apps_before
    assert not {"author", "book"} & table_names(admin)

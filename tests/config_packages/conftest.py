"""Config packages: a source instance's configuration, and a fresh instance to move it to."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests import dbservers
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Api,
    place_sample,
    release,
    seeded_app,
    selected_backends,
)
from tests.conftest import test_config as app_config
from tests.services.system.conftest import SECRET, make_app, make_role, make_user, service_id

TABLE = {
    "name": "notes",
    "field": [
        {"name": "id", "type": "id"},
        {"name": "body", "type": "string", "size": 80, "allow_null": False},
    ],
}


def secret_service(name: str) -> dict:
    config = {"host": "127.0.0.1", "database": "x", "username": "u", "password": SECRET}
    return {"name": name, "type": "pgsql", "config": config}


def members(response) -> dict:
    """The zip of an answer, each JSON file read."""
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        for name in archive.namelist():
            assert SECRET not in archive.read(name).decode()
        return {name: json.loads(archive.read(name)) for name in archive.namelist()}


def found(api: Api, resource: str, where: str, related: str = "") -> dict | None:
    """The first ``system/{resource}`` record matching the filter ``where``, or None."""
    params = {"filter": where, **({"related": related} if related else {})}
    records = api.get(f"system/{resource}", query_string=params).get_json()["resource"]
    return records[0] if records else None


def configure(admin: Api) -> None:
    """A source instance's configuration: every kind of record a package carries."""
    assert (
        admin.post("system/service", json={"resource": [secret_service("warehouse")]}).status_code
        == 201
    )
    mine = service_id(admin, "warehouse")
    role_id = make_role(
        admin,
        "viewer",
        role_service_access_by_role_id=[
            {"service_id": mine, "component": "*", "verb_mask": 1, "requestor_mask": 1}
        ],
        lookup_by_role_id=[{"name": "region", "value": "eu"}],
    )
    app_id = make_app(admin, "catalog", role_id=role_id)
    make_user(
        admin,
        "bob@example.com",
        first_name="Bob",
        user_to_app_to_role_by_user_id=[{"app_id": app_id, "role_id": role_id}],
    )
    body = {"resource": [{"path": "api/v2/*", "origin": "https://shop.example", "method": ["GET"]}]}
    assert admin.post("system/cors", json=body).status_code == 201
    body = {"resource": [{"name": "greeting", "value": "hello"}]}
    assert admin.post("system/lookup", json=body).status_code == 201
    body = {"resource": [{"name": "color", "value": "blue"}]}
    assert admin.post("system/custom", json=body).status_code == 201
    script = {"type": "python", "content": "event['response']['content']['x'] = 1"}
    response = admin.post(
        "system/event_script/db._table.{table_name}.get.post_process", json=script
    )
    assert response.status_code == 201, response.get_json()
    assert admin.post("db/_schema", json={"resource": [TABLE]}).status_code == 200


MANIFEST = {
    "service": {
        "system": {
            "role": ["viewer"],
            "service": ["warehouse"],
            "app": ["catalog"],
            "user": ["bob@example.com"],
            "cors": ["api/v2/*"],
            "lookup": ["greeting"],
            "custom": ["color"],
            "event_script": ["db._table.{table_name}.get.post_process"],
        },
        "db": {"_schema": ["notes"]},
    }
}


def other_store(backend: str, stores, tmp_path_factory) -> str:
    """The next selected backend's store, or a new SQLite store when one backend is selected."""
    chosen = selected_backends()
    if len(chosen) > 1:
        return stores(chosen[(chosen.index(backend) + 1) % len(chosen)])
    from flask_migrate import upgrade

    from app.extensions import db
    from app.factory import create_app

    url = dbservers.create_database("sqlite", tmp_path_factory, label="fresh")
    application = create_app(app_config(url, str(tmp_path_factory.mktemp("storage"))))
    with application.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def fresh(backend, stores, tmp_path, tmp_path_factory, sample_db):
    """A second instance, seeded, on another store (and storage folder) than the test's app."""
    storage = tmp_path / "fresh-storage"
    place_sample(sample_db, storage)
    application = seeded_app(other_store(backend, stores, tmp_path_factory), str(storage))
    api = Api(application.test_client())
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    yield api
    release(application)

"""``system/app``: API keys, regeneration, launch URLs and relations."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.models import App, Lookup
from tests.conftest import ADMIN_KEY, assert_error
from tests.services.system.conftest import MASK, SECRET, make_app, make_role

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def api_key(store, app_id: int) -> str:
    return store.scalar(sa.select(App.api_key).where(App.id == app_id))


def test_worked_exchange_c_shape(admin):
    role_id = make_role(admin, "todo_rw")
    response = admin.post(
        "system/app",
        json={"resource": [{"name": "todo_app", "type": 0, "is_active": True, "role_id": role_id}]},
    )
    assert response.get_json() == {"resource": [{"id": 4}]}
    record = admin.get("system/app/4").get_json()
    assert HEX64.match(record["api_key"])
    expected = {
        "id": 4,
        "name": "todo_app",
        "description": None,
        "is_active": True,
        "type": 0,
        "path": None,
        "url": None,
        "storage_service_id": None,
        "storage_container": None,
        "requires_fullscreen": False,
        "allow_fullscreen_toggle": True,
        "toggle_location": "top",
        "role_id": role_id,
        "created_by_id": 1,
        "last_modified_by_id": None,
        "launch_url": "",
    }
    assert {k: record[k] for k in expected} == expected
    assert {"created_date", "last_modified_date"} <= set(record)


def test_keys_are_generated_and_unique(admin, store):
    ids = [make_app(admin, f"a{i}") for i in range(3)]
    keys = [api_key(store, i) for i in ids]
    assert all(HEX64.match(k) for k in keys)
    assert len(set(keys + [ADMIN_KEY])) == 4


def test_a_given_key_is_validated_and_must_be_unique(admin, store):
    given = "A" * 64
    app_id = make_app(admin, "mine", api_key=given)
    assert api_key(store, app_id) == given
    short = assert_error(admin.post("system/app", json={"name": "x", "api_key": "abc"}), 400)
    assert "api_key" in short["context"]
    symbols = assert_error(admin.post("system/app", json={"name": "x", "api_key": "-" * 64}), 400)
    assert symbols["context"] == {"api_key": ["The api key may only contain letters and numbers."]}
    duplicate = assert_error(
        admin.post("system/app", json={"name": "y", "api_key": ADMIN_KEY}), 400
    )
    assert duplicate["context"] == {"api_key": ["The api key has already been taken."]}
    assert store.count(App) == 4


def test_regenerate_issues_a_new_key(admin, store):
    app_id = make_app(admin, "a")
    old = api_key(store, app_id)
    kept = admin.patch(f"system/app/{app_id}", json={"description": "d"})
    assert kept.status_code == 200
    assert api_key(store, app_id) == old
    response = admin.patch(
        f"system/app/{app_id}", query_string={"regenerate": "true", "fields": "api_key"}, json={}
    )
    assert response.status_code == 200, response.get_json()
    new = response.get_json()["api_key"]
    assert HEX64.match(new) and new != old
    assert api_key(store, app_id) == new


def test_the_old_key_stops_working_after_regeneration(admin, client, store):
    grant = {"service_id": 5, "component": "_table", "verb_mask": 1, "requestor_mask": 1}
    role_id = make_role(admin, "reader", role_service_access_by_role_id=[grant])
    app_id = make_app(admin, "a", role_id=role_id)
    old = api_key(store, app_id)

    def schema_with(key: str):
        return client.get("/api/v2/db/_table", headers={"X-DreamFactory-API-Key": key})

    assert schema_with(old).status_code == 200
    admin.patch(f"system/app/{app_id}", query_string={"regenerate": "true"}, json={})
    assert schema_with(api_key(store, app_id)).status_code == 200
    error = assert_error(schema_with(old), 400)
    assert error["message"].startswith("No session token (JWT) provided.")


def test_launch_urls(admin):
    make_app(admin, "url", type=2, url="https://example.com/app")
    make_app(admin, "path", type=3, path="apps/mine/index.html")
    make_app(
        admin, "storage", type=1, storage_service_id=3, storage_container="web", path="index.html"
    )
    records = admin.get("system/app", query_string={"filter": "id>3"}).get_json()["resource"]
    urls = {r["name"]: r["launch_url"] for r in records}
    assert urls == {
        "url": "https://example.com/app",
        "path": "http://localhost/apps/mine/index.html",
        "storage": "http://localhost/files/web/index.html",
    }


def test_launch_url_can_be_selected_by_fields(admin):
    """``launch_url`` is computed, not stored, yet ``fields`` selects it like any field
    (alone, with others, on a list, a record and a write); it cannot be filtered on."""
    app_id = make_app(admin, "path", type=3, path="apps/mine/index.html")
    url = "http://localhost/apps/mine/index.html"
    one = admin.get(f"system/app/{app_id}", query_string={"fields": "launch_url"})
    assert one.status_code == 200, one.get_json()
    assert one.get_json() == {"launch_url": url}
    listed = admin.get(
        "system/app", query_string={"fields": "name,launch_url", "filter": f"id={app_id}"}
    )
    assert listed.get_json() == {"resource": [{"name": "path", "launch_url": url}]}
    written = admin.patch(
        f"system/app/{app_id}", query_string={"fields": "id,launch_url"}, json={"path": "a.html"}
    )
    assert written.get_json() == {"id": app_id, "launch_url": "http://localhost/a.html"}
    assert_error(admin.get("system/app", query_string={"filter": "launch_url='x'"}), 400)
    assert_error(admin.get("system/app", query_string={"fields": "launch"}), 400)


def test_references_must_exist(admin, store):
    for field in ("role_id", "storage_service_id"):
        error = assert_error(admin.post("system/app", json={"name": "x", field: 99}), 400)
        assert error["context"] == {field: [f"The selected {field.replace('_', ' ')} is invalid."]}
    error = assert_error(admin.post("system/app", json={"name": "x", "role_id": 0}), 400)
    assert error["context"] == {"role_id": ["The selected role id is invalid."]}
    assert store.count(App) == 3


def test_field_validation(admin):
    error = assert_error(admin.post("system/app", json={"name": "x", "type": 9}), 400)
    assert "type" in error["context"]
    error = assert_error(
        admin.post("system/app", json={"name": "x", "toggle_location": "middle"}), 400
    )
    assert "toggle_location" in error["context"]
    error = assert_error(admin.post("system/app", json={"name": "admin"}), 400)
    assert error["context"] == {"name": ["The name has already been taken."]}


def test_role_by_role_id(admin):
    role_id = make_role(admin, "r")
    make_app(admin, "with", role_id=role_id)
    make_app(admin, "without")
    response = admin.get(
        "system/app",
        query_string={"filter": "id>3", "fields": "name", "related": "role_by_role_id"},
    )
    records = response.get_json()["resource"]
    assert records[0]["role_by_role_id"]["name"] == "r"
    assert records[0]["role_by_role_id"]["id"] == role_id
    assert records[1] == {"name": "without", "role_by_role_id": None}


def test_role_by_role_id_can_not_be_written_nested(admin):
    error = assert_error(
        admin.post("system/app", json={"name": "x", "role_by_role_id": {"name": "r"}}), 400
    )
    assert error["message"] == "Relationship 'role_by_role_id' can not be written here."


def test_lookup_by_app_id(admin, store):
    body = {
        "name": "a",
        "lookup_by_app_id": [
            {"name": "k", "value": SECRET, "private": True},
            {"name": "p", "value": "v"},
        ],
    }
    response = admin.post("system/app", json=body, query_string={"related": "lookup_by_app_id"})
    record = response.get_json()
    assert [(i["name"], i["value"], i["app_id"]) for i in record["lookup_by_app_id"]] == [
        ("k", MASK, 4),
        ("p", "v", 4),
    ]
    admin.patch(
        "system/app/4", json={"lookup_by_app_id": [{"id": 1, "value": MASK, "private": True}]}
    )
    assert store.scalar(sa.select(Lookup.value).where(Lookup.id == 1)) == SECRET
    gone = admin.delete("system/app/4")
    assert gone.status_code == 200, gone.get_json()
    assert store.count(Lookup) == 0


def test_oversized_values_are_a_400(admin, store):
    error = assert_error(admin.post("system/app", json={"name": "x", "path": "p" * 70_000}), 400)
    assert error["context"] == {"path": ["The path may not be greater than 65535 bytes."]}
    error = assert_error(admin.post("system/app", json={"name": "n" * 65}), 400)
    assert "name" in error["context"]
    assert store.count(App) == 3

"""``system/lookup``, ``cors``, ``custom``, ``config`` and ``cache``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import CorsConfig, Lookup, SystemConfig, SystemCustom
from tests.conftest import assert_error
from tests.services.system.conftest import MASK, SECRET, make_role

# -- lookup ---------------------------------------------------------------------------


def test_system_lookups_mask_private_values_and_keep_them(admin, store):
    response = admin.post(
        "system/lookup",
        json={
            "resource": [
                {"name": "host", "value": "example.com"},
                {"name": "key", "value": SECRET, "private": True, "description": "api key"},
                {"name": "port", "value": 8080},
            ]
        },
    )
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}, {"id": 3}]}
    listed = admin.get("system/lookup", query_string={"fields": "name,value,private"}).get_json()
    assert listed == {
        "resource": [
            {"name": "host", "value": "example.com", "private": False},
            {"name": "key", "value": MASK, "private": True},
            {"name": "port", "value": "8080", "private": False},
        ]
    }
    assert admin.get("system/lookup/2").get_json()["value"] == MASK
    admin.patch("system/lookup/2", json={"value": MASK, "description": "changed"})
    assert store.scalar(sa.select(Lookup.value).where(Lookup.id == 2)) == SECRET
    admin.patch("system/lookup/2", json={"value": "rotated"})
    assert store.scalar(sa.select(Lookup.value).where(Lookup.id == 2)) == "rotated"


def test_private_values_can_not_be_probed_by_filter_or_order(admin):
    admin.post(
        "system/lookup",
        json={
            "resource": [
                {"name": "a", "value": SECRET, "private": True},
                {"name": "b", "value": "s"},
            ]
        },
    )
    probe = admin.get("system/lookup", query_string={"filter": "value like 's%'", "fields": "name"})
    assert probe.get_json() == {"resource": [{"name": "b"}]}
    exact = admin.get("system/lookup", query_string={"filter": f"value='{SECRET}'"})
    assert exact.get_json() == {"resource": []}


def test_only_system_lookups_are_listed(admin):
    make_role(admin, "r", lookup_by_role_id=[{"name": "role_only", "value": "x"}])
    admin.post("system/lookup", json={"name": "global", "value": "y"})
    names = [r["name"] for r in admin.get("system/lookup").get_json()["resource"]]
    assert names == ["global"]
    assert_error(admin.get("system/lookup/1"), 404)
    assert_error(admin.delete("system/lookup/1"), 404)


def test_lookup_validation(admin, store):
    error = assert_error(admin.post("system/lookup", json={"value": "x"}), 400)
    assert error["context"] == {"name": ["The name field is required."]}
    error = assert_error(admin.post("system/lookup", json={"name": "o", "value": {"a": 1}}), 400)
    assert "value" in error["context"]
    admin.post("system/lookup", json={"name": "dup", "value": "1"})
    error = assert_error(admin.post("system/lookup", json={"name": "DUP", "value": "2"}), 400)
    assert error["context"] == {"name": ["The name has already been taken."]}
    assert store.count(Lookup) == 1


# -- cors -----------------------------------------------------------------------------


def cors_rule(**fields):
    return {"path": "api/v2/*", "origin": "https://a.example", "method": ["GET", "post"], **fields}


def test_cors_methods_travel_as_verb_lists(admin, store):
    response = admin.post(
        "system/cors", json={"resource": [cors_rule()]}, query_string={"fields": "*"}
    )
    (record,) = response.get_json()["resource"]
    assert record["method"] == ["GET", "POST"]
    assert record["enabled"] is True and record["max_age"] == 3600
    assert store.scalar(sa.select(CorsConfig.method)) == 3
    admin.patch("system/cors/1", json={"method": ["DELETE", "OPTIONS", "GET"]})
    assert admin.get("system/cors/1").get_json()["method"] == ["GET", "DELETE", "OPTIONS"]
    admin.patch("system/cors/1", json={"method": "put, patch"})
    assert admin.get("system/cors/1").get_json()["method"] == ["PUT", "PATCH"]
    admin.patch("system/cors/1", json={"method": []})
    assert admin.get("system/cors/1").get_json()["method"] == []


@pytest.mark.parametrize("method", [["GET", "FOO"], [1], {"GET": True}, 9999, -1])
def test_cors_bad_methods_are_refused(admin, store, method):
    error = assert_error(admin.post("system/cors", json=cors_rule(method=method)), 400)
    assert list(error["context"]) == ["method"]
    assert store.count(CorsConfig) == 0


def test_cors_validation(admin, store):
    error = assert_error(admin.post("system/cors", json={"method": ["GET"]}), 400)
    assert set(error["context"]) == {"path", "origin"}
    admin.post("system/cors", json=cors_rule())
    error = assert_error(admin.post("system/cors", json=cors_rule()), 400)
    assert error["context"] == {"path": ["The path has already been taken."]}
    error = assert_error(admin.post("system/cors", json=cors_rule(path="x", max_age=-5)), 400)
    assert "max_age" in error["context"]
    assert store.count(CorsConfig) == 1


def test_cors_delete(admin, store):
    admin.post("system/cors", json={"resource": [cors_rule(), cors_rule(path="other/*")]})
    assert admin.delete("system/cors", query_string={"ids": "1,2"}).status_code == 200
    assert store.count(CorsConfig) == 0


# -- custom ---------------------------------------------------------------------------


def test_custom_settings_are_addressed_by_name_and_keep_their_json_type(admin, store):
    values = {
        "theme": {"dark": True, "accent": "#333"},
        "limit": 3,
        "tags": ["a", "b"],
        "motto": "hi",
    }
    body = {"resource": [{"name": k, "value": v} for k, v in values.items()]}
    response = admin.post("system/custom", json=body)
    assert response.get_json() == {"resource": [{"name": k} for k in values]}
    listed = admin.get("system/custom").get_json()["resource"]
    assert {r["name"]: r["value"] for r in listed} == values
    assert [r["name"] for r in listed] == sorted(values)
    assert "id" not in listed[0]
    theme = admin.get("system/custom/theme").get_json()
    assert theme["value"] == values["theme"]
    admin.patch("system/custom/limit", json={"value": 4})
    admin.patch("system/custom", json={"resource": [{"name": "motto", "value": None}]})
    assert admin.get("system/custom/limit").get_json()["value"] == 4
    assert admin.get("system/custom/motto").get_json()["value"] is None
    assert admin.delete("system/custom/tags").get_json() == {"name": "tags"}
    assert_error(admin.get("system/custom/tags"), 404, "Record with identifier 'tags' not found.")
    assert store.count(SystemCustom) == 3


def test_custom_names_are_unique(admin):
    admin.post("system/custom", json={"name": "a", "value": 1})
    error = assert_error(admin.post("system/custom", json={"name": "a", "value": 2}), 400)
    assert error["context"] == {"name": ["The name has already been taken."]}
    assert admin.get("system/custom/a").get_json()["value"] == 1


# -- config ---------------------------------------------------------------------------

CONFIG_KEYS = [
    "default_app_id",
    "invite_email_service_id",
    "invite_email_template_id",
    "password_email_service_id",
    "password_email_template_id",
]


def test_config_is_a_singleton(admin, store):
    response = admin.get("system/config")
    assert response.get_json() == dict.fromkeys(CONFIG_KEYS)
    updated = admin.patch("system/config", json={"default_app_id": 1})
    assert updated.get_json()["default_app_id"] == 1
    assert admin.put("system/config", json={"default_app_id": 2}).get_json()["default_app_id"] == 2
    assert admin.post("system/config", json={"default_app_id": None}).status_code == 200
    assert store.count(SystemConfig) == 1
    assert store.scalar(sa.select(SystemConfig.default_app_id)) is None


def test_config_is_validated(admin, store):
    error = assert_error(admin.patch("system/config", json={"default_app_id": "x"}), 400)
    assert error["context"] == {"default_app_id": ["The default app id field must be an integer."]}
    error = assert_error(admin.patch("system/config", json={"default_app_id": 99}), 400)
    assert error["context"] == {"default_app_id": ["The selected default app id is invalid."]}
    error = assert_error(admin.patch("system/config", json={"password_email_template_id": 7}), 400)
    assert "password_email_template_id" in error["context"]
    assert_error(admin.patch("system/config", json=["x"]), 400)
    assert store.scalar(sa.select(SystemConfig.default_app_id)) is None


# -- cache ----------------------------------------------------------------------------


def test_cache_flush_all_and_one_service(admin):
    assert admin.delete("system/cache").get_json() == {"success": True}
    assert admin.delete("system/cache/db").get_json() == {"success": True}
    assert_error(admin.delete("system/cache/nope"), 404, "Could not find a service for nope")
    listed = admin.get("system/cache").get_json()["resource"]
    assert {"name": "db", "label": "Local SQL Database"} in listed


def test_flushing_the_cache_bumps_the_stamps(app, admin, store):
    from app.models import CacheStamp

    def stamp(key):
        return store.scalar(sa.select(CacheStamp.version).where(CacheStamp.key == key))

    before_all, before_db = stamp("all"), stamp("service:5")
    admin.delete("system/cache/db")
    assert stamp("service:5") == (before_db or 0) + 1
    admin.delete("system/cache")
    assert stamp("all") == before_all + 1


def test_values_too_big_for_any_backend_are_a_400(admin, store):
    big = "x" * 70_000
    error = assert_error(admin.post("system/custom", json={"name": "big", "value": big}), 400)
    assert error["context"] == {"value": ["The value may not be greater than 65535 bytes."]}
    error = assert_error(admin.post("system/lookup", json={"name": "big", "value": big}), 400)
    assert "value" in error["context"]
    assert store.count(SystemCustom) == 0 and store.count(Lookup) == 0


def test_lookup_schema_names_its_owners(admin):
    schema = admin.get("system/lookup", query_string={"include_schema": 1}).get_json()["meta"][
        "schema"
    ]
    refs = {f["name"]: f["ref_table"] for f in schema["field"] if f["is_foreign_key"]}
    assert refs == {"app_id": "app", "role_id": "role", "user_id": "user"}

"""Odd input to any system resource is a clear 4xx in the envelope, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.conftest import NOT_OBJECTS, assert_error

HUGE = 10**30

RESOURCES = [
    "service",
    "role",
    "app",
    "user",
    "admin",
    "lookup",
    "cors",
    "custom",
    "config",
    "cache",
    "service_type",
    "environment",
]

PAYLOADS = [
    "text",
    123,
    [1, "x", None],
    {"resource": "x"},
    {"resource": [None, 5]},
    {"resource": [{"id": [], "name": {"a": 1}}]},
    {"resource": [{"id": HUGE}]},
    {"id": "abc", "name": ["x"]},
    {"ids": [[1]], "fields": ["a"], "filter": 5, "related": 7, "limit": "x", "params": [1]},
    {"role_service_access_by_role_id": "x", "lookup_by_role_id": [{"id": "1"}]},
    {"lookup_by_role_id": [{"id": HUGE, "role_id": None}], "lookup_by_user_id": [None]},
    {"user_to_app_to_role_by_user_id": [{"app_id": "x", "role_id": HUGE}]},
    {"name": "x", "type": "sqlite", "config": {"database": ["x"]}},
    {"default_app_id": HUGE, "role_id": HUGE, "verb_mask": HUGE, "max_age": HUGE},
    {"name": "nul\u0000", "value": "\u0000", "email": "a@" + "b" * 300 + ".com"},
]

PARAMS = [
    {"ids": "abc,,1"},
    {"ids": str(HUGE)},
    {"limit": str(HUGE), "offset": str(HUGE)},
    {"limit": "-1"},
    {"fields": "", "related": ",,"},
    {"filter": "((("},
    {"filter": f"id={HUGE}"},
    {"order": "id;drop table role"},
    {"fields": "*", "related": "*", "include_count": "1", "include_schema": "1"},
]


def assert_answered(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        body = response.get_json()
        assert list(body["error"]) == ["code", "context", "message", "status_code"]


@pytest.mark.parametrize("resource", RESOURCES)
def test_odd_bodies_and_parameters(admin, resource):
    admin.post("system/role", json={"name": "r", "lookup_by_role_id": [{"name": "k"}]})
    admin.post("system/user", json={"email": "u@x.test", "password": "a-password-0123456789"})
    for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
        for sub in ("", "/1", f"/{HUGE}"):
            for payload in PAYLOADS:
                response = admin.call(
                    method,
                    f"system/{resource}{sub}",
                    data=json.dumps(payload),
                    content_type="application/json",
                )
                assert_answered(response)
            for params in PARAMS:
                assert_answered(admin.call(method, f"system/{resource}{sub}", query_string=params))
    assert admin.get("system/admin/1").status_code == 200  # nobody deleted the caller


def model_resources() -> dict[str, type]:
    from app.dispatch import register_all
    from app.services import builtin  # noqa: F401 - registers the system resources
    from app.services.system import RESOURCES
    from app.services.system.records import ModelResource

    register_all()  # the resources about scripts join the system service there
    return {n: c for n, c in sorted(RESOURCES.items()) if issubclass(c, ModelResource)}


def test_records_that_are_not_objects(admin):
    for resource in model_resources():
        for method in ("POST", "PATCH", "PUT"):  # GET and DELETE also take bare ids (``[1]``)
            for body in NOT_OBJECTS:
                response = admin.call(method, f"system/{resource}", json=body)
                assert 400 <= response.status_code < 500, (resource, method, body)
                assert_answered(response)
    assert admin.get("system/admin/1").status_code == 200


# Values the store's columns cannot hold (found by an outside attack run on PostgreSQL) ----

BEYOND_INT = 2**31
"""One past the largest value of the store's ``INTEGER`` id columns."""


def is_integer_keyed(cls) -> bool:
    import sqlalchemy as sa

    return isinstance(cls.model.__table__.c[cls.id_field].type, sa.Integer)


INTEGER_KEYED = [n for n, c in model_resources().items() if is_integer_keyed(c)]
TEXT_KEYED = [n for n, c in model_resources().items() if not is_integer_keyed(c)]


def test_every_model_resource_is_walked_below():
    assert {"user", "role", "limit", "service"} <= set(INTEGER_KEYED)
    assert {"event_script", "custom"} <= set(TEXT_KEYED)


@pytest.mark.parametrize("resource", INTEGER_KEYED)
def test_integer_ids_beyond_the_id_column(admin, resource):
    beyond = str(BEYOND_INT)
    missing = f"Record with identifier '{beyond}' not found."
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = admin.call(method, f"system/{resource}/{beyond}", json={"name": "x"})
        assert_error(response, 404, missing)
    for method in ("GET", "PATCH", "DELETE"):
        response = admin.call(
            method, f"system/{resource}", query_string={"ids": beyond}, json={"name": "x"}
        )
        error = assert_error(response, 400, code=1000)
        assert error["context"]["resource"][0]["message"] == missing
    for method in ("GET", "PATCH", "DELETE"):
        response = admin.call(method, f"system/{resource}", json=[{"id": BEYOND_INT}])
        error = assert_error(response, 400, code=1000)
        assert error["context"]["resource"][0]["message"] == missing
    for method in ("GET", "DELETE"):
        for text, value in [
            (f"id = {beyond}", BEYOND_INT),
            (f"id IN (1, {beyond})", BEYOND_INT),
            (f"id > {-BEYOND_INT - 1}", -BEYOND_INT - 1),
        ]:
            response = admin.call(method, f"system/{resource}", query_string={"filter": text})
            assert_error(response, 400, f"Value for field 'id' is out of range: {value}")
    assert admin.get("system/admin/1").status_code == 200


def test_integer_filter_values_beyond_other_integer_columns(admin):
    beyond = str(BEYOND_INT)
    for resource, field in [("user", "default_app_id"), ("lookup", "role_id"), ("limit", "rate")]:
        response = admin.get(f"system/{resource}", query_string={"filter": f"{field}={beyond}"})
        assert_error(response, 400, f"Value for field '{field}' is out of range: {beyond}")
    body = admin.get("system/role", query_string={"filter": f"id < {BEYOND_INT - 1}"}).get_json()
    assert body == {"resource": []}


def test_related_ids_beyond_the_id_column(admin):
    role_id = admin.post("system/role", json=[{"name": "r"}]).get_json()["resource"][0]["id"]
    related = {"lookup_by_role_id": [{"id": BEYOND_INT, "name": "k"}]}
    response = admin.patch(f"system/role/{role_id}", json=related)
    assert_error(response, 404, f"Related record with identifier '{BEYOND_INT}' not found.")


def assert_refused(response, message: str) -> None:
    """A 400 saying ``message`` itself, or for its record in a batch error."""
    error = assert_error(response, 400, code=response.get_json()["error"]["code"])
    if error["code"] == 1000:
        error = error["context"]["resource"][0]
    assert error["message"] == message


@pytest.mark.parametrize("resource", TEXT_KEYED)
def test_nul_characters_in_text_ids(admin, resource):
    message = "Invalid value for field 'name': text may not contain NUL characters."
    for method in ("GET", "PATCH", "PUT", "DELETE", "POST"):
        response = admin.call(method, f"system/{resource}/a%00b", json={"value": 1})
        if not (method == "POST" and resource != "event_script"):  # no create by name there
            assert_error(response, 400, message)
    for method in ("GET", "PATCH", "DELETE"):
        response = admin.call(
            method, f"system/{resource}", query_string={"ids": "\u0000"}, json={"value": 1}
        )
        assert_refused(response, message)
        response = admin.call(method, f"system/{resource}", json=[{"name": "x\u0000"}])
        assert_refused(response, message)
    response = admin.get(f"system/{resource}", query_string={"filter": "name = 'a\u0000'"})
    assert_error(response, 400, message)


def test_limit_counters_of_an_id_beyond_the_id_column(admin):
    missing = f"Record with identifier '{BEYOND_INT}' not found."
    for method in ("GET", "DELETE"):
        assert_error(admin.call(method, f"system/limit_cache/{BEYOND_INT}"), 404, missing)
        response = admin.call(method, "system/limit_cache", query_string={"ids": BEYOND_INT})
        assert_error(response, 404, missing)

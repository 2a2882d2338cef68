"""Odd input to any system resource is a clear 4xx in the envelope, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.conftest import NOT_OBJECTS

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
    from app.services.system import RESOURCES, load_resources
    from app.services.system.records import ModelResource

    load_resources()
    return {n: c for n, c in sorted(RESOURCES.items()) if issubclass(c, ModelResource)}


def test_records_that_are_not_objects(admin):
    for resource in model_resources():
        for method in ("POST", "PATCH", "PUT"):  # GET and DELETE also take bare ids (``[1]``)
            for body in NOT_OBJECTS:
                response = admin.call(method, f"system/{resource}", json=body)
                assert 400 <= response.status_code < 500, (resource, method, body)
                assert_answered(response)
    assert admin.get("system/admin/1").status_code == 200

"""``system/limit``: every type, computed keys, DreamFactory's validation errors, counters."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.limits.conftest import make_limit, make_role_app, make_user, service_id


@pytest.fixture
def ids(admin):
    role_id, _ = make_role_app(admin)
    return {
        "user": make_user(admin, "ulla@example.com"),
        "role": role_id,
        "service": service_id(admin, "system"),
    }


def test_every_type_gets_its_key_and_drops_unused_ids(admin, ids):
    u, r, s = ids["user"], ids["role"], ids["service"]
    everything = {"user_id": u, "role_id": r, "service_id": s, "endpoint": "/_table/contact/"}
    expected = {
        "instance": "instance.hour",
        "instance.user": f"instance.user:{u}.hour",
        "instance.each_user": "instance.each_user:.hour",
        "instance.user.service": f"instance.user:{u}.service:{s}.hour",
        "instance.each_user.service": f"instance.each_user:.service:{s}.hour",
        "instance.service": f"instance.service:{s}.hour",
        "instance.service.endpoint": f"instance.service:{s}.endpoint:_table/contact.hour",
        "instance.user.service.endpoint": (
            f"instance.user:{u}.service:{s}.endpoint:_table/contact.hour"
        ),
        "instance.each_user.service.endpoint": (
            f"instance.each_user:.service:{s}.endpoint:_table/contact.hour"
        ),
        "instance.role": f"instance.role:{r}.hour",
    }
    for limit_type, key in expected.items():
        limit = make_limit(admin, type=limit_type, rate="10", period="hour", **everything)
        assert limit["key_text"] == key
        assert limit["period"] == "hour"
        assert limit["rate"] == 10
        assert limit["is_active"] is True
        scopes = set(limit_type.split(".")[1:])
        assert (limit["user_id"] is not None) == ("user" in scopes)
        assert (limit["role_id"] is not None) == ("role" in scopes)
        assert (limit["service_id"] is not None) == ("service" in scopes)
        assert (limit["endpoint"] is not None) == ("endpoint" in scopes)


def test_key_with_verb_and_each_period(admin, ids):
    s = ids["service"]
    for index, period in enumerate(["minute", "hour", "day", "7-day", "30-day"]):
        limit = make_limit(
            admin,
            type="instance.service.endpoint",
            service_id=s,
            endpoint="_table/*",
            verb="get",
            rate=5,
            period=period if index % 2 else index,
        )
        assert limit["key_text"] == f"instance.service:{s}.endpoint:_table/*.verb:GET.{period}"
        assert limit["period"] == period
        assert limit["verb"] == "GET"


def test_get_shows_period_names(admin):
    created = make_limit(admin, type="instance", rate=3, period="day", name="daily")
    one = admin.get(f"system/limit/{created['id']}").get_json()
    assert one["period"] == "day" and one["name"] == "daily"
    listed = admin.get("system/limit", query_string={"fields": "id,period"}).get_json()
    assert listed["resource"] == [{"id": created["id"], "period": "day"}]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"type": "instance.user"}, "user_id must be specified with this limit type. Limit: L"),
        ({"type": "instance.user", "user_id": 999}, "No user_id exists for L limit."),
        ({"type": "instance.role"}, "role_id must be specified with this limit type. Limit: L"),
        ({"type": "instance.role", "role_id": 999}, "No role_id exists for L limit."),
        ({"type": "instance.service"}, "service_id must be specified with this limit type."),
        (
            {"type": "instance.each_user.service", "service_id": 999},
            "No service exists for L limit.",
        ),
        ({"type": "instance", "rate": "ten"}, "Limit rate must be an integer. Limit not saved."),
        ({"type": "instance", "rate": 1.5}, "Limit rate must be an integer. Limit not saved."),
        ({"type": "instance", "rate": True}, "Limit rate must be an integer. Limit not saved."),
        ({"type": "instance", "rate": 0}, "Limit rate must be at least 1. Limit not saved."),
        ({"type": "instance", "verb": "TRACE"}, "Verb is invalid or not allowed."),
        (
            {"type": "instance", "period": "fortnight"},
            "Limit period must be one of minute, hour, day, 7-day, 30-day. Limit not saved.",
        ),
        ({"type": "instance", "period": 5}, None),
    ],
)
def test_validation_errors(admin, record, message):
    body = {"name": "L", "rate": 1, "period": "minute", **record}
    response = admin.post("system/limit", json=body)
    error = assert_error(response, 400)
    if message is not None:
        assert error["message"] == message
    assert admin.get("system/limit").get_json()["resource"] == []


def test_endpoint_rules(admin, ids):
    s = ids["service"]
    response = admin.post(
        "system/limit",
        json={
            "name": "e",
            "type": "instance.service.endpoint",
            "service_id": s,
            "rate": 1,
            "period": "minute",
        },
    )
    assert_error(response, 400, "endpoint must be specified with this limit type.")
    response = admin.post(
        "system/limit",
        json={
            "name": "e",
            "type": "instance.service.endpoint",
            "service_id": s,
            "endpoint": "_table/*/x",
            "rate": 1,
            "period": "minute",
        },
    )
    assert_error(
        response, 400, "An endpoint may only end with '*' (a prefix match), not contain it."
    )


def test_missing_required_fields(admin):
    response = admin.post("system/limit", json={"name": "x"})
    error = assert_error(response, 400)
    assert set(error["context"]) == {"type", "rate", "period"}
    response = admin.post(
        "system/limit", json={"name": "x", "type": "galaxy", "rate": 1, "period": "minute"}
    )
    error = assert_error(response, 400)
    assert set(error["context"]) == {"type"}


def test_duplicates(admin):
    make_limit(admin, type="instance", rate=5, name="first")
    response = admin.post(
        "system/limit", json={"name": "second", "type": "instance", "rate": 9, "period": "minute"}
    )
    assert_error(response, 400, "A limit already exists with those parameters. No records added.")
    response = admin.post(
        "system/limit", json={"name": "first", "type": "instance", "rate": 9, "period": "hour"}
    )
    assert_error(response, 400)
    # the same scope with a verb, or another period, is another limit
    make_limit(admin, type="instance", rate=5, verb="GET")
    make_limit(admin, type="instance", rate=5, period="hour")


def test_patch_recomputes_the_key(admin, ids):
    limit = make_limit(admin, type="instance.user", user_id=ids["user"], rate=5, name="p")
    response = admin.patch(
        f"system/limit/{limit['id']}", json={"rate": 7}, query_string={"fields": "*"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["rate"] == 7 and body["key_text"] == limit["key_text"]
    assert body["period"] == "minute"
    response = admin.patch(
        f"system/limit/{limit['id']}",
        json={"verb": "post", "period": "day"},
        query_string={"fields": "key_text,period"},
    )
    assert response.get_json() == {
        "key_text": f"instance.user:{ids['user']}.verb:POST.day",
        "period": "day",
    }
    other = make_limit(admin, type="instance", rate=1)
    response = admin.patch(
        f"system/limit/{other['id']}",
        json={"type": "instance.user", "user_id": ids["user"], "verb": "POST", "period": "day"},
    )
    assert_error(response, 400, "A limit already exists with those parameters. No records added.")
    response = admin.patch(f"system/limit/{other['id']}", json={"type": "instance.role"})
    assert_error(
        response, 400, f"role_id must be specified with this limit type. Limit: {other['name']}"
    )
    unchanged = admin.get(f"system/limit/{other['id']}").get_json()
    assert unchanged["type"] == "instance" and unchanged["key_text"] == "instance.minute"


def test_related_limit_cache(admin, caller, clock):
    limit = make_limit(admin, type="instance", rate=5)
    for _ in range(2):
        assert caller.get("system/environment").status_code == 200
    body = admin.get(
        f"system/limit/{limit['id']}", query_string={"related": "limit_cache_by_limit_id"}
    ).get_json()
    window_end = clock.at - clock.at % 60 + 60
    assert body["limit_cache_by_limit_id"] == [
        {
            "id": limit["id"],
            "limit_id": limit["id"],
            "key": "instance.minute",
            "max": 5,
            "attempts": 2,
            "remaining": 3,
            "reset": window_end,
        }
    ]
    response = admin.post(
        "system/limit",
        json={
            "name": "n",
            "type": "instance",
            "rate": 1,
            "period": "day",
            "limit_cache_by_limit_id": [{"attempts": 0}],
        },
    )
    assert_error(response, 400)


def test_delete_forgets_counters(admin, caller, clock):
    limit = make_limit(admin, type="instance", rate=1)
    assert caller.get("system/environment").status_code == 200
    assert caller.get("system/environment").status_code == 429
    assert admin.delete(f"system/limit/{limit['id']}").status_code == 200
    assert caller.get("system/environment").status_code == 200
    again = make_limit(admin, type="instance", rate=1)
    assert again["key_text"] == limit["key_text"]
    assert caller.get("system/environment").status_code == 200
    assert caller.get("system/environment").status_code == 429

"""Each limit type through HTTP: N calls allowed, N+1 refused with 429, allowed again next window.

Every test runs with counters in the system store and in Redis (``world``),
on every system-store backend.
"""

from __future__ import annotations

import pytest

from tests.conftest import Api, assert_error
from tests.limits.conftest import make_role_app, service_id

EXCEEDED = "API limit(s) exceeded. "


def allowed(api: Api, path: str, times: int, method: str = "GET") -> None:
    for attempt in range(times):
        response = api.call(method, path)
        assert response.status_code != 429, (attempt, response.get_json())


def refused(api: Api, path: str, method: str = "GET") -> dict:
    return assert_error(api.call(method, path), 429, EXCEEDED)


def test_instance(world, clock):
    world.limit(type="instance", rate=3)
    caller = world.keyed()
    allowed(caller, "system/environment", 2)
    allowed(world.anonymous(), "system/environment", 1)
    refused(caller, "system/environment")
    refused(world.anonymous(), "system/environment")
    refused(caller, "files")
    clock.advance(60)
    allowed(caller, "system/environment", 3)
    refused(caller, "system/service")


def test_user(world, clock):
    ulla = world.user("ulla@example.com")
    vera = world.user("vera@example.com")
    world.limit(type="instance.user", user_id=world.users["ulla@example.com"], rate=2)
    allowed(ulla, "system/environment", 2)
    refused(ulla, "files")
    allowed(vera, "system/environment", 3)
    allowed(world.keyed(), "system/environment", 3)
    clock.advance(60)
    allowed(ulla, "system/environment", 2)
    refused(ulla, "system/environment")


def test_each_user_counts_each_user_apart(world, clock):
    limit = world.limit(type="instance.each_user", rate=2)
    ulla = world.user("ulla@example.com")
    vera = world.user("vera@example.com")
    allowed(ulla, "system/environment", 2)
    refused(ulla, "system/environment")
    allowed(vera, "files", 2)
    refused(vera, "system/environment")
    allowed(world.keyed(), "system/environment", 4)  # no user: not counted
    keys = sorted(entry["key"] for entry in world.cache(limit["id"]))
    ids = world.users
    assert keys == sorted(
        f"instance.each_user:{ids[email]}.minute"
        for email in ("ulla@example.com", "vera@example.com")
    )
    clock.advance(60)
    allowed(ulla, "system/environment", 2)
    refused(ulla, "system/environment")


def test_each_user_counts_session_token_calls(world, clock):
    from tests.limits.conftest import USER_PASSWORD, make_user

    world.limit(type="instance.each_user", rate=2)
    make_user(world.admin, "sam@example.com")
    sam = world.keyed()
    response = sam.post(
        "user/session", json={"email": "sam@example.com", "password": USER_PASSWORD}
    )
    assert response.status_code == 200, response.get_json()
    sam.token = response.get_json()["session_token"]
    allowed(sam, "system/environment", 2)
    refused(sam, "system/environment")


def test_user_service(world, clock):
    ulla = world.user("ulla@example.com")
    vera = world.user("vera@example.com")
    ulla_id = world.users["ulla@example.com"]
    world.limit(
        type="instance.user.service",
        user_id=ulla_id,
        service_id=service_id(world.admin, "system"),
        rate=2,
    )
    allowed(ulla, "system/environment", 1)
    allowed(ulla, "files", 3)
    allowed(ulla, "system/service", 1)
    refused(ulla, "system/environment")
    allowed(vera, "system/environment", 3)
    clock.advance(60)
    allowed(ulla, "system/environment", 2)


def test_each_user_service(world, clock):
    world.limit(
        type="instance.each_user.service", service_id=service_id(world.admin, "files"), rate=2
    )
    ulla = world.user("ulla@example.com")
    vera = world.user("vera@example.com")
    allowed(ulla, "files", 2)
    refused(ulla, "files")
    allowed(ulla, "system/environment", 3)
    allowed(vera, "files", 2)
    refused(vera, "files")
    allowed(world.keyed(), "files", 3)
    clock.advance(60)
    allowed(ulla, "files", 2)


def test_service(world, clock):
    world.limit(type="instance.service", service_id=service_id(world.admin, "system"), rate=2)
    caller = world.keyed()
    allowed(caller, "system/environment", 1)
    allowed(world.anonymous(), "system/environment", 1)
    refused(caller, "system/service")
    allowed(caller, "files", 3)
    allowed(caller, "", 3)  # the root listing names no service
    clock.advance(60)
    allowed(caller, "system/environment", 2)


def test_service_endpoint_exact(world, clock):
    world.limit(
        type="instance.service.endpoint",
        service_id=service_id(world.admin, "system"),
        endpoint="/environment/",
        rate=2,
    )
    caller = world.keyed()
    allowed(caller, "system/environment", 1)
    allowed(caller, "system/Environment/", 1)
    allowed(caller, "system/service", 3)
    allowed(caller, "files/environment", 3)
    refused(caller, "system/environment")
    clock.advance(60)
    allowed(caller, "system/environment", 2)


def test_service_endpoint_prefix(world, clock):
    world.limit(
        type="instance.service.endpoint",
        service_id=service_id(world.admin, "system"),
        endpoint="service*",
        rate=3,
    )
    caller = world.keyed()
    allowed(caller, "system/service", 1)
    allowed(caller, "system/service_type", 1)
    allowed(caller, "system/service/1", 1)
    allowed(caller, "system/environment", 3)
    refused(caller, "system/service_type")
    clock.advance(60)
    allowed(caller, "system/service", 3)


def test_user_service_endpoint(world, clock):
    ulla = world.user("ulla@example.com")
    vera = world.user("vera@example.com")
    ulla_id = world.users["ulla@example.com"]
    world.limit(
        type="instance.user.service.endpoint",
        user_id=ulla_id,
        service_id=service_id(world.admin, "system"),
        endpoint="environment",
        rate=1,
    )
    allowed(ulla, "system/environment", 1)
    allowed(ulla, "system/service", 2)
    refused(ulla, "system/environment")
    allowed(vera, "system/environment", 2)
    clock.advance(60)
    allowed(ulla, "system/environment", 1)


def test_each_user_service_endpoint(world, clock):
    world.limit(
        type="instance.each_user.service.endpoint",
        service_id=service_id(world.admin, "system"),
        endpoint="env*",
        rate=1,
    )
    ulla = world.user("ulla@example.com")
    vera = world.user("vera@example.com")
    allowed(ulla, "system/environment", 1)
    refused(ulla, "system/environment")
    allowed(ulla, "system/service", 2)
    allowed(vera, "system/environment", 1)
    refused(vera, "system/environment")
    clock.advance(60)
    allowed(ulla, "system/environment", 1)


def test_role(world, clock):
    world.limit(type="instance.role", role_id=world.role_id, rate=2)
    _, other_key = make_role_app(world.admin, "unlimited")
    caller = world.keyed()
    ulla = world.user("ulla@example.com")  # her role is the app's
    allowed(caller, "system/environment", 1)
    allowed(ulla, "files", 1)
    refused(caller, "system/environment")
    allowed(world.keyed(other_key), "system/environment", 3)
    allowed(world.anonymous(), "system/environment", 3)
    clock.advance(60)
    allowed(caller, "system/environment", 2)


def test_verb(world, clock):
    world.limit(type="instance", verb="POST", rate=1)
    caller = world.keyed()
    allowed(caller, "system/environment", 3)
    allowed(caller, "system/environment", 1, method="POST")
    refused(caller, "system/environment", method="POST")
    allowed(caller, "system/environment", 2)
    clock.advance(60)
    allowed(caller, "system/environment", 1, method="POST")


def test_a_verb_limit_replaces_the_general_one_for_its_verb(world, clock):
    world.limit(type="instance", rate=1, name="general")
    world.limit(type="instance", verb="GET", rate=3, name="gets")
    caller = world.keyed()
    allowed(caller, "system/environment", 3)
    error = refused(caller, "system/environment")
    assert [item["name"] for item in error["context"]] == ["gets"]
    allowed(caller, "system/environment", 1, method="POST")
    error = refused(caller, "system/environment", method="POST")
    assert [item["name"] for item in error["context"]] == ["general"]


def test_a_user_limit_overrides_each_user(world, clock):
    world.limit(type="instance.each_user", rate=1)
    ulla = world.user("ulla@example.com")
    vera = world.user("vera@example.com")
    ulla_id = world.users["ulla@example.com"]
    world.limit(type="instance.user", user_id=ulla_id, rate=3)
    allowed(ulla, "system/environment", 3)
    refused(ulla, "system/environment")
    allowed(vera, "system/environment", 1)
    refused(vera, "system/environment")


def test_inactive_limits_do_not_count_and_edits_apply_at_once(world, clock):
    limit = world.limit(type="instance", rate=1, is_active=False)
    caller = world.keyed()
    allowed(caller, "system/environment", 3)
    response = world.admin.patch(f"system/limit/{limit['id']}", json={"is_active": True})
    assert response.status_code == 200
    allowed(caller, "system/environment", 1)
    refused(caller, "system/environment")
    world.admin.patch(f"system/limit/{limit['id']}", json={"rate": 3})
    allowed(caller, "system/environment", 2)
    refused(caller, "system/environment")


def test_admins_are_exempt_and_not_counted(world, clock):
    limit = world.limit(type="instance", rate=1)
    allowed(world.admin, "system/environment", 5)
    assert world.cache(limit["id"])[0]["attempts"] == 0
    response = world.admin.get("system/environment")
    assert "X-RateLimit-Limit" not in response.headers


def test_refused_calls_count_against_nothing(world, clock):
    narrow = world.limit(
        type="instance.service", service_id=service_id(world.admin, "files"), rate=1
    )
    wide = world.limit(type="instance", rate=5)
    caller = world.keyed()
    allowed(caller, "files", 1)
    error = refused(caller, "files")
    assert [item["id"] for item in error["context"]] == [narrow["id"]]
    refused(caller, "files")
    assert world.cache(wide["id"])[0]["attempts"] == 1
    assert world.cache(narrow["id"])[0]["attempts"] == 1


def test_the_429_exactly(world, clock):
    minute = world.limit(type="instance", rate=1, name="per-minute")
    hour = world.limit(
        type="instance.role",
        role_id=world.role_id,
        rate=1,
        period="hour",
        name="per-hour",
        description="hourly",
    )
    caller = world.keyed()
    first = caller.get("system/environment")
    assert first.status_code == 200
    minute_end = clock.at - clock.at % 60 + 60
    hour_end = clock.at - clock.at % 3600 + 3600
    assert first.headers["X-RateLimit-Limit"] == "1"
    assert first.headers["X-RateLimit-Remaining"] == "0"
    assert first.headers["X-RateLimit-Reset"] in (str(minute_end), str(hour_end))
    assert "Retry-After" not in first.headers
    clock.advance(7)
    response = caller.get("system/environment")
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    records = {r["id"]: r for r in world.admin.get("system/limit").get_json()["resource"]}
    assert records[hour["id"]]["period"] == "hour"
    assert response.get_json() == {
        "error": {
            "code": 429,
            "context": [
                {"id": minute["id"], "name": "per-minute", "object": records[minute["id"]]},
                {"id": hour["id"], "name": "per-hour", "object": records[hour["id"]]},
            ],
            "message": EXCEEDED,
            "status_code": 429,
        }
    }
    assert response.headers["X-RateLimit-Limit"] == "1"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Reset"] == str(hour_end)
    assert response.headers["Retry-After"] == str(hour_end - clock.at)


def test_success_headers_show_the_closest_limit(world, clock):
    world.limit(type="instance", rate=10)
    world.limit(
        type="instance.service", service_id=service_id(world.admin, "system"), rate=3, period="day"
    )
    caller = world.keyed()
    day_end = clock.at - clock.at % 86400 + 86400
    seen = []
    for _ in range(3):
        response = caller.get("system/environment")
        seen.append(
            (
                response.headers["X-RateLimit-Limit"],
                response.headers["X-RateLimit-Remaining"],
                response.headers["X-RateLimit-Reset"],
            )
        )
    assert seen == [("3", "2", str(day_end)), ("3", "1", str(day_end)), ("3", "0", str(day_end))]
    response = caller.get("files")
    assert response.headers["X-RateLimit-Limit"] == "10"
    assert response.headers["X-RateLimit-Remaining"] == "6"


@pytest.mark.parametrize(
    ("period", "seconds"),
    [("minute", 60), ("hour", 3600), ("day", 86400), ("7-day", 604800), ("30-day", 2592000)],
)
def test_each_period_ends_at_its_window_boundary(world, clock, period, seconds):
    world.limit(type="instance", rate=1, period=period)
    caller = world.keyed()
    allowed(caller, "system/environment", 1)
    refused(caller, "system/environment")
    end = clock.at - clock.at % seconds + seconds
    clock.at = end - 1
    refused(caller, "system/environment")
    clock.at = end
    allowed(caller, "system/environment", 1)
    refused(caller, "system/environment")


def test_a_refusal_is_a_response_like_any_error(world, clock):
    """The 429 comes in the format asked for (XML here), with CORS headers like any API error."""
    origin = "https://app.example.com"
    rule = {"path": "api/*", "origin": origin, "method": ["GET"], "enabled": True}
    assert world.admin.post("system/cors", json={"resource": [rule]}).status_code == 201
    world.limit(type="instance", rate=1)
    caller = world.keyed()
    allowed(caller, "system/environment", 1)
    response = caller.get(
        "system/environment", headers={"Origin": origin}, query_string={"accept": "xml"}
    )
    assert response.status_code == 429
    assert response.mimetype == "application/xml"
    assert b"<status_code>429</status_code>" in response.data
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert response.headers["Retry-After"] == str(60 - clock.at % 60)

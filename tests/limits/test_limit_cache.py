"""``system/limit_cache``: live counters listed by limit, and reset by limit, ids or all."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.limits.test_enforcement import allowed, refused

NO_RECORDS = (
    "No record(s) detected in request. Please make sure record(s) are wrapped in a "
    "'resource' tag. Example: {&quot;resource&quot;:[{&quot;record&quot;:1},"
    "{&quot;record&quot;:2}]}"
)
"""As it travels: messages are HTML-entity encoded, as DreamFactory's are."""


def entry(limit, key, attempts, reset):
    return {
        "id": limit["id"],
        "limit_id": limit["id"],
        "key": key,
        "max": limit["rate"],
        "attempts": attempts,
        "remaining": max(0, limit["rate"] - attempts),
        "reset": reset,
    }


def test_listing(world, clock):
    instance = world.limit(type="instance", rate=3)
    each = world.limit(type="instance.each_user", rate=5, period="hour")
    idle = world.limit(type="instance.each_user", rate=5, verb="DELETE")
    ulla = world.user("ulla@example.com")
    allowed(ulla, "system/environment", 2)
    allowed(world.keyed(), "system/environment", 1)
    minute_end = clock.at - clock.at % 60 + 60
    hour_end = clock.at - clock.at % 3600 + 3600
    ulla_id = world.users["ulla@example.com"]
    expected = [
        entry(instance, "instance.minute", 3, minute_end),
        entry(each, f"instance.each_user:{ulla_id}.hour", 2, hour_end),
        entry(idle, "instance.each_user:.verb:DELETE.minute", 0, minute_end),
    ]
    response = world.admin.get("system/limit_cache")
    assert response.status_code == 200
    assert response.get_json() == {"resource": expected}
    assert world.admin.get(f"system/limit_cache/{each['id']}").get_json() == expected[1]
    response = world.admin.get(
        "system/limit_cache", query_string={"ids": f"{idle['id']},{instance['id']}"}
    )
    assert response.get_json() == {"resource": [expected[2], expected[0]]}
    response = world.admin.get("system/limit_cache", json={"resource": [{"id": instance["id"]}]})
    assert response.get_json() == {"resource": [expected[0]]}
    assert_error(
        world.admin.get("system/limit_cache/999"), 404, "Record with identifier '999' not found."
    )
    assert_error(world.admin.get("system/limit_cache/abc"), 404)
    clock.advance(60)
    listed = world.admin.get("system/limit_cache").get_json()["resource"]
    assert listed[0]["attempts"] == 0 and listed[0]["reset"] == minute_end + 60
    assert listed[1]["attempts"] == 2  # the hour has not ended


def test_reset_one_limit(world, clock):
    first = world.limit(type="instance", rate=1)
    second = world.limit(type="instance.role", role_id=world.role_id, rate=1)
    caller = world.keyed()
    allowed(caller, "system/environment", 1)
    refused(caller, "system/environment")
    response = world.admin.delete(f"system/limit_cache/{first['id']}")
    assert response.status_code == 200
    assert response.get_json() == {"id": first["id"]}
    error = refused(caller, "system/environment")
    assert [item["id"] for item in error["context"]] == [second["id"]]
    response = world.admin.delete("system/limit_cache", query_string={"ids": str(second["id"])})
    assert response.get_json() == {"resource": [{"id": second["id"]}]}
    allowed(caller, "system/environment", 1)
    refused(caller, "system/environment")
    response = world.admin.delete(
        "system/limit_cache", json={"resource": [{"id": first["id"]}, {"id": second["id"]}]}
    )
    assert response.get_json() == {"resource": [{"id": first["id"]}, {"id": second["id"]}]}
    allowed(caller, "system/environment", 1)


def test_reset_each_user_limit_forgets_every_user(world, clock):
    limit = world.limit(type="instance.each_user", rate=1)
    ulla = world.user("ulla@example.com")
    vera = world.user("vera@example.com")
    for user in (ulla, vera):
        allowed(user, "system/environment", 1)
        refused(user, "system/environment")
    assert len(world.cache(limit["id"])) == 2
    world.admin.delete(f"system/limit_cache/{limit['id']}")
    assert [e["attempts"] for e in world.cache(limit["id"])] == [0]
    allowed(ulla, "system/environment", 1)
    allowed(vera, "system/environment", 1)


def test_reset_all_keeps_login_throttles(world, clock):
    from app.access import throttle

    world.limit(type="instance", rate=1)
    world.limit(type="instance.service", service_id=1, rate=1)
    caller = world.keyed()
    allowed(caller, "system/environment", 1)
    refused(caller, "system/environment")
    with world.app.app_context():
        for _ in range(5):
            throttle.start_login("someone@example.com", "10.0.0.1")  # five failures
    assert_error(world.admin.delete("system/limit_cache"), 400, NO_RECORDS)
    response = world.admin.delete("system/limit_cache", query_string={"allow_delete": "true"})
    assert response.get_json() == {"success": True}
    allowed(caller, "system/environment", 1)
    refused(caller, "system/environment")
    world.admin.delete("system/limit_cache", query_string={"force": "true"})
    allowed(caller, "system/environment", 1)
    with world.app.app_context(), pytest.raises(throttle.LoginThrottled):
        throttle.start_login("someone@example.com", "10.0.0.1")


def test_unknown_ids(world, clock):
    limit = world.limit(type="instance", rate=1)
    response = world.admin.delete("system/limit_cache", query_string={"ids": f"{limit['id']},77"})
    assert_error(response, 404, "Record with identifier '77' not found.")
    response = world.admin.delete("system/limit_cache", json={"resource": [{"name": "x"}]})
    assert_error(response, 400)

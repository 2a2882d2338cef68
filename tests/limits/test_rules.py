"""Keys, endpoint matching, windows and overrides as plain functions; the check called directly."""

from __future__ import annotations

import pytest

from app.counters.windows import PERIOD_SECONDS, window_for
from app.limit_rules import keys
from app.limit_rules.matching import Call, LimitInfo, applicable


@pytest.mark.parametrize(
    ("endpoint", "resource", "matches"),
    [
        ("_table/contact", "_table/contact", True),
        ("_table/contact", "/_table/contact/", True),
        ("_table/contact", "_TABLE/Contact", True),
        ("_table/contact", "_table/contact/5", False),
        ("_table/contact", "_table/contacts", False),
        ("_table/*", "_table/contact", True),
        ("_table/*", "_table/contact/5", True),
        ("_table/*", "_table", False),
        ("_table*", "_table", True),
        ("*", "", True),
        ("*", "anything/at/all", True),
        ("env*", "service", False),
    ],
)
def test_endpoint_matches(endpoint, resource, matches):
    assert keys.endpoint_matches(endpoint, resource) is matches


def test_resolve_key_follows_dreamfactory():
    key = keys.resolve_key("instance.user.service.endpoint", 5, None, 3, "_table/contact", "GET", 0)
    assert key == "instance.user:5.service:3.endpoint:_table/contact.verb:GET.minute"
    assert keys.resolve_key("instance.each_user.service", None, None, 2, None, None, 4) == (
        "instance.each_user:.service:2.30-day"
    )
    assert keys.resolve_key("instance.role", None, 7, None, None, "DELETE", 3) == (
        "instance.role:7.verb:DELETE.7-day"
    )


@pytest.mark.parametrize("seconds", PERIOD_SECONDS)
def test_windows_are_aligned_to_the_epoch(seconds):
    at = 1_900_000_123
    window = window_for(seconds, at)
    assert window.start % seconds == 0
    assert window.start <= at < window.end == window.start + seconds
    assert window_for(seconds, window.end).start == window.end
    assert window.retry_after(window.end - 1) == 1
    assert window.retry_after(window.end + 5) == 1


def limit(id_: int, type_: str, **fields) -> LimitInfo:
    values = {
        "user_id": None,
        "role_id": None,
        "service_id": None,
        "endpoint": None,
        "verb": None,
        "period": 0,
        "rate": 1,
    }
    values.update(fields)
    key = keys.resolve_key(
        type_,
        values["user_id"],
        values["role_id"],
        values["service_id"],
        values["endpoint"],
        values["verb"],
        values["period"],
    )
    return LimitInfo(id=id_, name=f"l{id_}", type=type_, key_text=key, record=(), **values)


def test_overrides():
    each = limit(1, "instance.each_user.service", service_id=3)
    own = limit(2, "instance.user.service", user_id=7, service_id=3)
    own_elsewhere = limit(3, "instance.user.service", user_id=7, service_id=4)
    general = limit(4, "instance.service", service_id=3)
    gets = limit(5, "instance.service", service_id=3, verb="GET")
    gets_daily = limit(6, "instance.service", service_id=3, verb="GET", period=2)
    everything = (each, own, own_elsewhere, general, gets)
    ids = [x.id for x in applicable(everything, Call("GET", user_id=7, service_id=3))]
    assert ids == [2, 5]
    ids = [x.id for x in applicable(everything, Call("POST", user_id=8, service_id=3))]
    assert ids == [1, 4]
    ids = [x.id for x in applicable((general, gets_daily), Call("GET", service_id=3))]
    assert ids == [4, 6]  # another period: both count


def test_counter_keys_change_with_the_scope():
    a = limit(1, "instance.each_user")
    b = limit(1, "instance.each_user", period=1)
    assert a.counter_key(7).endswith(":user:7") and a.counter_key(7).startswith("limit:1:")
    assert a.counter_key(7) != b.counter_key(7)
    assert a.shown_key(7) == "instance.each_user:7.minute"
    assert limit(2, "instance").counter_key(7) == limit(2, "instance").counter_key(None)


def test_scripts_and_admins_are_exempt(world, clock):
    from app import system_cache
    from app.access.actor import Actor
    from app.access.limiting import LimitExceeded, check_limits, require_within_limits
    from app.vocabulary.calls import Requestor

    world.limit(type="instance.role", role_id=world.role_id, rate=1)
    with world.app.test_request_context():
        role = system_cache.get_role(world.role_id)
        script = Actor(role=role, requestor=Requestor.SCRIPT)
        for _ in range(3):
            check = check_limits(script, "GET", "system", "environment")
            assert check.allowed and check.counted == [] and check.headers() == {}
        admin = Actor(user=system_cache.get_user(1), role=role)
        assert admin.is_sys_admin
        assert check_limits(admin, "GET", "system", "environment").counted == []
        caller = Actor(role=role)
        first = require_within_limits(caller, "GET", "system", "environment")
        assert [lim.id for lim, _ in first.counted] == [1]
        with pytest.raises(LimitExceeded) as caught:
            require_within_limits(caller, "get", "system", "environment")
        assert caught.value.status == 429
        assert caught.value.headers["X-RateLimit-Remaining"] == "0"

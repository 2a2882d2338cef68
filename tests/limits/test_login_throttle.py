"""Failed logins counted per account and per client address, shared like limits."""

from __future__ import annotations

import pytest

from app.access.limits import (
    LoginThrottled,
    check_login_allowed,
    clear_login_failures,
    record_login_failure,
)


@pytest.fixture
def ctx(world):
    with world.app.app_context():
        yield world.app


def fail(identity: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        check_login_allowed(identity, address)
        record_login_failure(identity, address)


def test_account_throttled_after_max_failures_from_any_address(ctx, clock):
    fail("Ann@Example.com", "10.0.0.1", 3)
    fail("ann@example.com", "10.0.0.2", 2)
    with pytest.raises(LoginThrottled) as caught:
        check_login_allowed(" ANN@example.com", "10.0.0.3")
    error = caught.value
    assert error.status == 429
    assert error.message == "Too many failed login attempts. Please try again later."
    window_end = clock.at - clock.at % 900 + 900
    assert error.headers == {"Retry-After": str(window_end - clock.at)}
    check_login_allowed("bob@example.com", "10.0.0.3")  # others are unaffected
    clock.at = window_end
    check_login_allowed("ann@example.com", "10.0.0.3")


def test_address_throttled_across_accounts(ctx, clock):
    for n in range(5):
        fail(f"user{n}@example.com", "192.0.2.7")
    with pytest.raises(LoginThrottled):
        check_login_allowed("new@example.com", "192.0.2.7")
    check_login_allowed("user0@example.com", "192.0.2.8")


def test_success_clears_the_account_not_the_address(ctx, clock):
    fail("cat@example.com", "192.0.2.9", 4)
    clear_login_failures("CAT@example.com")
    fail("cat@example.com", "192.0.2.10", 4)
    check_login_allowed("cat@example.com", "192.0.2.10")
    fail("dan@example.com", "192.0.2.9")
    with pytest.raises(LoginThrottled):
        check_login_allowed("eve@example.com", "192.0.2.9")  # 4 + 1 from this address


def test_configured_attempts_and_window(ctx, clock):
    ctx.config["LOGIN_MAX_ATTEMPTS"] = 2
    ctx.config["LOGIN_ATTEMPT_WINDOW"] = 60
    fail("fay@example.com", "198.51.100.1", 2)
    with pytest.raises(LoginThrottled) as caught:
        check_login_allowed("fay@example.com", "198.51.100.2")
    window_end = clock.at - clock.at % 60 + 60
    assert caught.value.headers["Retry-After"] == str(window_end - clock.at)
    clock.at = window_end
    check_login_allowed("fay@example.com", "198.51.100.2")


def test_failures_are_shared_between_apps(world, backend, stores, tmp_path, clock, redis_prefix):
    from tests.conftest import make_app
    from tests.limits.conftest import REDIS_URL

    extra = {}
    if world.app.config.get("REDIS_URL"):
        extra = {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": world.app.config["REDIS_PREFIX"]}
    other = make_app(stores(backend), str(tmp_path / "other"), **extra)
    with world.app.app_context():
        fail("gus@example.com", "203.0.113.1", 3)
    with other.app_context():
        fail("gus@example.com", "203.0.113.2", 2)
        with pytest.raises(LoginThrottled):
            check_login_allowed("gus@example.com", "203.0.113.3")
        from app.extensions import db

        db.engine.dispose()

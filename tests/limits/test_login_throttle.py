"""Failed logins counted per account and address, per account, and per address; shared like limits.

Each test runs with the counters in the system store and in Redis (``world``).
An attempt takes its slots before the password would be checked; leaving the
attempt alone is a failure, ``passed()`` a success.
"""

from __future__ import annotations

import pytest

from app.access.throttle import LoginThrottled, start_login
from tests.limits.conftest import run_at_once

SETTINGS = {
    "LOGIN_MAX_ATTEMPTS": 3,
    "LOGIN_ACCOUNT_MAX_FAILURES": 6,
    "LOGIN_ADDRESS_MAX_FAILURES": 5,
    "LOGIN_ATTEMPT_WINDOW": 900,
}


@pytest.fixture
def ctx(world, monkeypatch):
    for name, value in SETTINGS.items():
        monkeypatch.setitem(world.app.config, name, value)
    with world.app.app_context():
        yield world.app


def fail(identity: str, address: str, times: int = 1) -> None:
    for _ in range(times):
        start_login(identity, address)  # not passed: a failure


def refused(identity: str, address: str) -> LoginThrottled:
    with pytest.raises(LoginThrottled) as caught:
        start_login(identity, address)
    return caught.value


def test_an_account_is_throttled_from_the_address_that_failed(ctx, clock):
    fail("Ann@Example.com", "10.0.0.1", 2)
    fail(" ann@example.com", "10.0.0.1")
    error = refused("ANN@example.com ", "10.0.0.1")
    assert error.status == 429
    assert error.message == "Too many failed login attempts. Please try again later."
    window_end = clock.at - clock.at % 900 + 900
    assert error.headers == {"Retry-After": str(window_end - clock.at)}
    start_login("ann@example.com", "10.0.0.2").passed()  # the owner, elsewhere
    start_login("bob@example.com", "10.0.0.1").passed()  # another account, same address
    clock.at = window_end
    start_login("ann@example.com", "10.0.0.1").passed()


def test_the_account_locks_everywhere_after_its_own_higher_limit(ctx, clock):
    for n in range(6):
        fail("cat@example.com", f"192.0.2.{n}")
    refused("cat@example.com", "198.51.100.99")
    start_login("dan@example.com", "198.51.100.99").passed()


def test_an_address_is_throttled_across_accounts_after_its_own_limit(ctx, clock):
    for n in range(4):
        fail(f"user{n}@example.com", "192.0.2.7")
    start_login("new@example.com", "192.0.2.7").passed()  # 4 < 5: the NAT's users log in
    fail("user4@example.com", "192.0.2.7")
    refused("new@example.com", "192.0.2.7")
    start_login("new@example.com", "192.0.2.8").passed()


def test_success_forgets_the_pairs_failures_and_is_not_counted(ctx, clock):
    fail("eve@example.com", "203.0.113.1", 2)
    start_login("eve@example.com", "203.0.113.1").passed()
    fail("eve@example.com", "203.0.113.1", 2)  # the pair starts afresh: 2 of 3
    start_login("eve@example.com", "203.0.113.1").passed()
    # the account saw 4 failures and 2 successes: 4 of 6, so two more failures are allowed
    fail("eve@example.com", "203.0.113.2", 2)
    refused("eve@example.com", "203.0.113.3")


def test_ipv6_clients_count_by_their_64_network(ctx, clock):
    fail("fay@example.com", "2001:db8:1:2::1")
    fail("fay@example.com", "2001:db8:1:2::abcd")
    fail("fay@example.com", "2001:db8:1:2:ffff::1")
    refused("fay@example.com", "2001:db8:1:2::9")
    start_login("fay@example.com", "2001:db8:1:3::1").passed()
    fail("gil@example.com", "::ffff:192.0.2.50", 3)  # an IPv4 client on a dual-stack socket
    refused("gil@example.com", "192.0.2.50")


def test_concurrent_attempts_get_at_most_the_limit(world, ctx, clock):
    """Forty threads start an attempt at once: three get through, the rest are refused."""

    def attempt(_: int) -> str:
        with world.app.app_context():
            try:
                start_login("hal@example.com", "198.51.100.1")
            except LoginThrottled:
                return "refused"
            return "checked"

    outcomes = run_at_once(40, attempt)
    assert outcomes.count("checked") == 3
    assert outcomes.count("refused") == 37


def test_concurrent_wrong_passwords_are_checked_at_most_the_limit(redis_app, monkeypatch):
    """Forty wrong passwords at once through the API: three are checked (401), 37 refused (429).

    The counters are in Redis here: with them in the system store each request
    would hold two pooled connections at once (its session's and the counter's),
    more than one process's pool has for forty threads; gunicorn runs a few threads
    per worker (``test_login_throttle_server`` races it on the system store).
    """
    from app.access import passwords
    from tests.conftest import ADMIN_EMAIL

    for name, value in SETTINGS.items():
        monkeypatch.setitem(redis_app.config, name, value)
    checked: list[str] = []
    real_check = passwords.check_password

    def counting(hashed, password):
        checked.append(password)
        return real_check(hashed, password)

    monkeypatch.setattr(passwords, "check_password", counting)

    def attempt(n: int) -> int:
        return (
            redis_app.test_client()
            .post(
                "/api/v2/system/admin/session",
                json={"email": ADMIN_EMAIL, "password": f"wrong-password-{n}"},
                environ_base={"REMOTE_ADDR": "203.0.113.77"},
            )
            .status_code
        )

    statuses = run_at_once(40, attempt)
    assert sorted(statuses) == [401] * 3 + [429] * 37
    assert len(checked) == 3


def test_failures_are_shared_between_apps(world, ctx, backend, stores, tmp_path, clock, spare_app):
    extra = dict(SETTINGS)
    if world.app.config.get("REDIS_URL"):
        extra.update(
            REDIS_URL=world.app.config["REDIS_URL"], REDIS_PREFIX=world.app.config["REDIS_PREFIX"]
        )
    other = spare_app(stores(backend), str(tmp_path / "other"), **extra)
    fail("gus@example.com", "203.0.113.1", 2)
    with other.app_context():
        fail("gus@example.com", "203.0.113.1")
        refused("gus@example.com", "203.0.113.1")


def test_unreachable_redis_still_throttles_through_the_system_store(
    app, backend, stores, tmp_path, clock, spare_app
):
    down = spare_app(
        stores(backend), str(tmp_path / "down"), REDIS_URL="redis://127.0.0.1:1/0", **SETTINGS
    )
    with down.app_context():
        fail("ivy@example.com", "203.0.113.4", 3)
        refused("ivy@example.com", "203.0.113.4")
        start_login("ivy@example.com", "203.0.113.5").passed()

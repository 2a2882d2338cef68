"""Failed logins are throttled per account and address, without revealing accounts.

What an attacker tried, and what must hold (races are in
``tests/limits/test_login_throttle*.py``): rotating
``X-Forwarded-For`` from a client the app does not trust changes nothing;
the attacker's failures do not lock the victim out of their own address, nor
does one address's failures lock out everyone behind it before its own,
higher limit. HTTP Basic credentials go through the same throttle.
"""

from __future__ import annotations

import base64

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, assert_error, seeded_app

WRONG = "wrong-password-xxxx"  # noqa: S105
SETTINGS = {
    "LOGIN_MAX_ATTEMPTS": 3,
    "LOGIN_ACCOUNT_MAX_FAILURES": 6,
    "LOGIN_ADDRESS_MAX_FAILURES": 5,
}


@pytest.fixture
def throttled(backend, stores, tmp_path):
    application = seeded_app(stores(backend), str(tmp_path / "s"), **SETTINGS)
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


def login(client, email, password, address="10.0.0.1", headers=None):
    return client.post(
        "/api/v2/system/admin/session",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )


def test_an_account_is_throttled_from_the_address_that_failed(throttled):
    client = throttled.test_client()
    for _ in range(3):
        assert_error(login(client, ADMIN_EMAIL, WRONG), 401, "Invalid credentials supplied.")
    refused = login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert_error(refused, 429, "Too many failed login attempts. Please try again later.")
    assert int(refused.headers["Retry-After"]) > 0


def test_the_victim_still_logs_in_from_another_address(throttled):
    client = throttled.test_client()
    for _ in range(5):
        login(client, ADMIN_EMAIL, WRONG, address="203.0.113.66")  # the attacker
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD, address="10.0.0.2").status_code == 200


def test_the_account_itself_locks_after_its_own_higher_limit(throttled):
    client = throttled.test_client()
    for n in range(6):
        assert_error(login(client, ADMIN_EMAIL, WRONG, address=f"192.0.2.{n}"), 401)
    assert_error(login(client, ADMIN_EMAIL, ADMIN_PASSWORD, address="10.0.0.3"), 429)


def test_unknown_accounts_are_throttled_alike(throttled):
    client = throttled.test_client()
    for _ in range(3):
        assert_error(login(client, "nobody@example.com", "whatever-123456789"), 401)
    assert_error(login(client, "nobody@example.com", "whatever-123456789"), 429)


def test_an_address_is_throttled_across_accounts_after_its_own_limit(throttled):
    client = throttled.test_client()
    for n in range(3):
        assert_error(login(client, f"u{n}@example.com", "whatever-123456789"), 401)
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 200  # 3 of 5
    for n in range(3, 5):
        assert_error(login(client, f"u{n}@example.com", "whatever-123456789"), 401)
    assert_error(login(client, ADMIN_EMAIL, ADMIN_PASSWORD), 429)
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD, address="10.0.0.9").status_code == 200


def test_a_successful_login_clears_the_failures_of_its_address(throttled):
    client = throttled.test_client()
    for _ in range(2):
        assert_error(login(client, ADMIN_EMAIL, WRONG), 401)
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 200
    for _ in range(2):
        assert_error(login(client, ADMIN_EMAIL, WRONG), 401)
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 200


def test_rotating_forwarded_for_from_an_untrusted_peer_changes_nothing(throttled):
    client = throttled.test_client()
    for n in range(3):
        spoofed = {"X-Forwarded-For": f"198.51.100.{n}"}
        assert_error(login(client, ADMIN_EMAIL, WRONG, "203.0.113.5", spoofed), 401)
    spoofed = {"X-Forwarded-For": "198.51.100.200"}
    assert_error(login(client, ADMIN_EMAIL, ADMIN_PASSWORD, "203.0.113.5", spoofed), 429)


def test_the_local_proxy_tells_clients_apart(throttled):
    client = throttled.test_client()
    attacker = {"X-Forwarded-For": "198.51.100.1"}
    for _ in range(3):
        assert_error(login(client, ADMIN_EMAIL, WRONG, "127.0.0.1", attacker), 401)
    assert_error(login(client, ADMIN_EMAIL, ADMIN_PASSWORD, "127.0.0.1", attacker), 429)
    victim = {"X-Forwarded-For": "198.51.100.2"}
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD, "127.0.0.1", victim).status_code == 200


def basic(email: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_http_basic_goes_through_the_same_throttle(throttled):
    api = Api(throttled.test_client())

    def call(password: str, address: str = "10.0.0.1"):
        return api.get(
            "system/environment",
            headers=basic(ADMIN_EMAIL, password),
            environ_base={"REMOTE_ADDR": address},
        )

    for _ in range(3):
        assert_error(call(WRONG), 401)
    assert_error(call(ADMIN_PASSWORD), 429)
    for _ in range(5):  # a correct password is not a failure, however often
        assert call(ADMIN_PASSWORD, "10.0.0.2").status_code == 200
    assert login(api.client, ADMIN_EMAIL, ADMIN_PASSWORD, address="10.0.0.2").status_code == 200

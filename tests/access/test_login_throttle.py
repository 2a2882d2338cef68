"""Failed logins are throttled per account and per address, without revealing accounts."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, assert_error, seeded_app


@pytest.fixture
def throttled(backend, stores, tmp_path):
    application = seeded_app(stores(backend), str(tmp_path / "s"), LOGIN_MAX_ATTEMPTS=3)
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


def login(client, email, password, address="10.0.0.1"):
    return client.post(
        "/api/v2/system/admin/session",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_an_account_is_throttled_after_the_allowed_failures(throttled):
    client = throttled.test_client()
    for _ in range(3):
        assert_error(
            login(client, ADMIN_EMAIL, "wrong-password-xxxx"), 401, "Invalid credentials supplied."
        )
    refused = login(client, ADMIN_EMAIL, ADMIN_PASSWORD, address="10.0.0.2")
    assert_error(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0


def test_unknown_accounts_are_throttled_alike(throttled):
    client = throttled.test_client()
    for _ in range(3):
        assert_error(login(client, "nobody@example.com", "whatever-123456789"), 401)
    assert_error(login(client, "nobody@example.com", "whatever-123456789"), 429)


def test_an_address_is_throttled_across_accounts(throttled):
    client = throttled.test_client()
    for n in range(3):
        assert_error(login(client, f"u{n}@example.com", "whatever-123456789"), 401)
    assert_error(login(client, ADMIN_EMAIL, ADMIN_PASSWORD), 429)
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD, address="10.0.0.9").status_code == 200


def test_a_successful_login_clears_the_account_failures(throttled):
    client = throttled.test_client()
    for _ in range(2):
        assert_error(login(client, ADMIN_EMAIL, "wrong-password-xxxx", address="10.0.0.3"), 401)
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD, address="10.0.0.4").status_code == 200
    for _ in range(2):
        assert_error(login(client, ADMIN_EMAIL, "wrong-password-xxxx", address="10.0.0.5"), 401)
    api = Api(client)
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)

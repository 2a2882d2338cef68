"""``user/register``: open registration on and off, login, validation, roles, confirmation."""

from __future__ import annotations

import email
import os
import re
from email import policy

import pytest

from tests.conftest import ADMIN_KEY, Api, assert_error
from tests.services.user.conftest import (
    configure_user_service,
    create_service,
)

PASSWORD = "registrant-password-0123"  # noqa: S105


def register(api, body, **query):
    return api.post("user/register", json=body, query_string=query)


def test_refused_when_open_registration_is_off(anon):
    response = register(anon, {"email": "new@example.com", "password": PASSWORD})
    assert_error(response, 403, "Open Registration is not enabled.")


def test_register_then_log_in(admin, anon, client):
    configure_user_service(admin, allow_open_registration=True)
    response = register(anon, {"email": "jane.doe@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"success": True}

    record = admin.get(
        "system/user", query_string={"filter": "email='jane.doe@example.com'", "fields": "*"}
    ).get_json()["resource"][0]
    assert (record["first_name"], record["last_name"], record["name"]) == (
        "jane",
        "doe",
        "jane doe",
    )
    assert record["is_active"] is True
    user = Api(client)
    assert user.login("jane.doe@example.com", PASSWORD, admin=False)["id"] == record["id"]


def test_register_with_login(admin, anon, client):
    configure_user_service(admin, allow_open_registration=True)
    response = register(
        anon,
        {"email": "kim@example.com", "password": PASSWORD, "password_confirmation": PASSWORD},
        login="true",
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"success", "session_token"}
    session = Api(client, token=body["session_token"]).get("user/session")
    assert session.status_code == 200
    assert session.get_json()["email"] == "kim@example.com"


@pytest.mark.parametrize(
    ("body", "context"),
    [
        (
            {"email": "taken@example.com", "password": PASSWORD},
            {"email": ["The email has already been taken."]},
        ),
        (
            {"email": "TAKEN@example.com", "password": PASSWORD},
            {"email": ["The email has already been taken."]},
        ),
        (
            {"email": "short@example.com", "password": "too-short"},
            {"password": ["The password must be at least 16 characters."]},
        ),
        (
            {
                "email": "mismatch@example.com",
                "password": PASSWORD,
                "password_confirmation": PASSWORD + "x",
            },
            {"password": ["The password confirmation does not match."]},
        ),
        (
            {"email": "nopass@example.com"},
            {"password": ["The password field is required."]},
        ),
        (
            {"email": "not-an-email", "password": PASSWORD},
            {"email": ["The email must be a valid email address."]},
        ),
        (
            {"password": PASSWORD},
            {
                "name": ["The name field is required."],
                "first_name": ["The first name field is required."],
                "last_name": ["The last name field is required."],
                "email": ["The email field is required."],
            },
        ),
        (
            {"email": "u@example.com", "password": PASSWORD, "username": "a b"},
            {
                "username": [
                    "The username must be at least 6 characters.",
                    "The username format is invalid.",
                ]
            },
        ),
    ],
)
def test_validation_failures(admin, anon, body, context):
    configure_user_service(admin, allow_open_registration=True)
    from tests.services.user.conftest import create_user

    create_user(admin, "taken@example.com")
    before = admin.get("system/user", query_string={"count_only": "true"}).get_json()
    error = assert_error(register(anon, body), 400, "Validation failed")
    assert error["context"] == context
    after = admin.get("system/user", query_string={"count_only": "true"}).get_json()
    assert after == before


def test_open_reg_role_is_given_through_every_app(admin, anon, client):
    role_id = admin.post("system/role", json={"name": "member", "is_active": True}).get_json()["id"]
    other = admin.post("system/role", json={"name": "shopper", "is_active": True}).get_json()["id"]
    shop = admin.post("system/app", json={"name": "shop", "type": 0}).get_json()["id"]
    configure_user_service(
        admin,
        allow_open_registration=True,
        open_reg_role_id=role_id,
        app_role_map=[{"app_id": shop, "role_id": other}],
    )
    keyed = Api(client, api_key=ADMIN_KEY)
    response = register(keyed, {"email": "member@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    record = admin.get(
        "system/user",
        query_string={
            "filter": "email='member@example.com'",
            "related": "user_to_app_to_role_by_user_id",
        },
    ).get_json()["resource"][0]
    roles = {r["app_id"]: r["role_id"] for r in record["user_to_app_to_role_by_user_id"]}
    apps = admin.get("system/app", query_string={"fields": "id"}).get_json()["resource"]
    assert set(roles) == {a["id"] for a in apps}
    assert roles[shop] == other
    assert {r for a, r in roles.items() if a != shop} == {role_id}

    body = keyed.login("member@example.com", PASSWORD, admin=False)
    assert body["role"] == "member"


def test_confirmation_by_email(app, admin, anon, client):
    email_id = create_service(admin, "outbox", "local_email", {"from_email": "noreply@example.com"})
    configure_user_service(admin, allow_open_registration=True, open_reg_email_service_id=email_id)
    response = register(
        anon, {"email": "eve@example.com", "first_name": "Eve", "password": PASSWORD}, login="true"
    )
    assert response.get_json() == {"success": True, "confirmation_required": True}

    # No password was taken: nothing to log in with until the account is confirmed.
    login = anon.post("user/session", json={"email": "eve@example.com", "password": PASSWORD})
    assert_error(login, 401, "Invalid credentials supplied.")
    record = admin.get(
        "system/user", query_string={"filter": "email='eve@example.com'"}
    ).get_json()["resource"][0]
    assert record["confirmed"] is False

    folder = os.path.join(app.config["STORAGE_PATH"], "email")
    (name,) = os.listdir(folder)
    with open(os.path.join(folder, name), "rb") as handle:
        message = email.message_from_binary_file(handle, policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "eve@example.com"
    text = message.get_body(("plain",)).get_content()
    assert "Hi Eve" in text
    code = re.search(r"Confirmation Code: ([0-9A-Z]{32})", text).group(1)
    assert f"code={code}" in text and "register-confirm" in text

    wrong = anon.post(
        "user/password",
        json={"email": "eve@example.com", "code": "X" * 32, "new_password": PASSWORD},
    )
    assert_error(wrong, 400, "Invalid email and/or confirmation code provided.")
    confirmed = anon.post(
        "user/password",
        json={"email": "eve@example.com", "code": code, "new_password": PASSWORD},
        query_string={"login": "true"},
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["success"] is True
    assert Api(client).login("eve@example.com", PASSWORD, admin=False)["email"] == "eve@example.com"
    record = admin.get(f"system/user/{record['id']}").get_json()
    assert record["confirmed"] is True


def test_confirmation_email_failure_stores_nothing(admin, anon):
    email_id = create_service(
        admin, "mail", "smtp", {"host": "127.0.0.1", "port": 1, "from_email": "x@example.com"}
    )
    configure_user_service(admin, allow_open_registration=True, open_reg_email_service_id=email_id)
    response = register(anon, {"email": "lost@example.com", "password": PASSWORD})
    assert_error(response, 503)
    found = admin.get("system/user", query_string={"filter": "email='lost@example.com'"})
    assert found.get_json()["resource"] == []

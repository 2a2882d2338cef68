"""``POST system/user?send_invite=true``: the invitation e-mail and its confirmation."""

from __future__ import annotations

import re

from tests.conftest import Api, assert_error
from tests.services.email import smtpd
from tests.services.user.conftest import create_service

PASSWORD = "invited-password-0123456"  # noqa: S105


def test_created_user_is_invited_and_confirms(admin, anon, client, smtp_server):
    mail_id = create_service(admin, "mail", "smtp", smtpd.smtp_config(smtp_server))
    admin.patch("system/config", json={"invite_email_service_id": mail_id})
    response = admin.post(
        "system/user",
        json={"email": "hook@example.com", "first_name": "Hook"},
        query_string={"send_invite": "true"},
    )
    assert response.status_code == 201, response.get_json()
    user_id = response.get_json()["id"]
    (delivered,) = smtp_server.messages
    assert delivered.rcpt_tos == ["hook@example.com"]
    text = delivered.message.get_body(("plain",)).get_content()
    code = re.search(r"Confirmation Code: ([0-9A-Z]{32})", text).group(1)
    assert admin.get(f"system/user/{user_id}").get_json()["confirmed"] is False

    response = anon.post(
        "user/password", json={"email": "hook@example.com", "code": code, "new_password": PASSWORD}
    )
    assert response.get_json() == {"success": True}, response.get_json()
    Api(client).login("hook@example.com", PASSWORD, admin=False)


def test_failed_invitation_creates_nothing(admin, smtp_server):
    mail_id = create_service(
        admin, "mail", "smtp", smtpd.smtp_config(smtp_server, encryption="tls")
    )
    admin.patch("system/config", json={"invite_email_service_id": mail_id})
    response = admin.post(
        "system/user", json={"email": "hook@example.com"}, query_string={"send_invite": "true"}
    )
    assert response.status_code in (400, 503), response.get_json()
    assert_error(response, response.status_code)
    found = admin.get("system/user", query_string={"filter": "email='hook@example.com'"})
    assert found.get_json()["resource"] == []
    assert smtp_server.messages == []

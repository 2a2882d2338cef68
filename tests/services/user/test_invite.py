"""Invitations: ``app.services.mailer.send_invite`` and confirming the invited account.

These drive the mailer directly (in a request context, for the link's host)
and confirm over HTTP; ``test_invite_http`` goes through ``system/user``.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import Api
from tests.services.email import smtpd
from tests.services.user.conftest import create_service, service_id

PASSWORD = "invited-password-0123456"  # noqa: S105


def invite(app, user_id):
    from app.extensions import db
    from app.models import User
    from app.services import mailer

    with app.test_request_context("/api/v2/system/user", base_url="https://df.example.com"):
        try:
            user = db.session.get(User, user_id)
            code = mailer.send_invite(user)
            db.session.commit()
            return code
        finally:
            db.session.remove()


def new_user(admin, email="ivy@example.com"):
    response = admin.post("system/user", json={"email": email, "first_name": "Ivy"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_invite_by_smtp_then_confirm(app, admin, anon, client, smtp_server):
    mail_id = create_service(admin, "mail", "smtp", smtpd.smtp_config(smtp_server))
    admin.patch("system/config", json={"invite_email_service_id": mail_id})
    user_id = new_user(admin)
    assert admin.get(f"system/user/{user_id}").get_json()["confirmed"] is True

    code = invite(app, user_id)
    assert re.fullmatch(r"[0-9A-Z]{32}", code)
    (delivered,) = smtp_server.messages
    assert delivered.rcpt_tos == ["ivy@example.com"]
    message = delivered.message
    assert message["Subject"] == "Invitation"
    html = message.get_body(("html",)).get_content()
    assert "Hi Ivy" in html
    assert f"https://df.example.com/dreamfactory/dist/#/auth/user-invite?code={code}" in html
    assert admin.get(f"system/user/{user_id}").get_json()["confirmed"] is False

    response = anon.post(
        "user/password",
        json={"email": "ivy@example.com", "code": code, "new_password": PASSWORD},
        query_string={"login": "true"},
    )
    assert response.status_code == 200, response.get_json()
    Api(client).login("ivy@example.com", PASSWORD, admin=False)
    assert admin.get(f"system/user/{user_id}").get_json()["confirmed"] is True


def test_invite_link_from_config(app, admin, smtp_server):
    app.config["CONFIRM_INVITE_URL"] = "https://portal.example.com/join?src=mail"
    mail_id = create_service(admin, "mail", "smtp", smtpd.smtp_config(smtp_server))
    admin.patch(
        f"system/service/{service_id(admin, 'user')}",
        json={"config": {"invite_email_service_id": mail_id}},
    )
    code = invite(app, new_user(admin))
    text = smtp_server.messages[0].message.get_body(("plain",)).get_content()
    assert f"https://portal.example.com/join?src=mail&code={code}&email=ivy%40example.com" in text


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        ("nothing", "invite_email_service_id"),
        ("missing_service", "does not exist"),
        ("not_email", "is not an e-mail service"),
        ("missing_template", "e-mail template (id 999)"),
        ("inactive", "is not usable"),
    ],
)
def test_invite_misconfigurations_are_503(app, admin, setup, fragment):
    from app.vocabulary.errors import ServiceUnavailable

    config = {}
    if setup == "missing_service":
        config = {"invite_email_service_id": 999}
    elif setup == "not_email":
        config = {"invite_email_service_id": service_id(admin, "files")}
    elif setup in ("missing_template", "inactive"):
        mail_id = create_service(
            admin, "outbox", "local_email", {"from_email": "noreply@example.com"}
        )
        config = {"invite_email_service_id": mail_id}
        if setup == "missing_template":
            config["invite_email_template_id"] = 999
        else:
            admin.patch(f"system/service/{mail_id}", json={"is_active": False})
    if config:
        response = admin.patch(
            f"system/service/{service_id(admin, 'user')}", json={"config": config}
        )
        assert response.status_code == 200, response.get_json()
    user_id = new_user(admin)
    with pytest.raises(ServiceUnavailable) as caught:
        invite(app, user_id)
    assert fragment in caught.value.message
    assert admin.get(f"system/user/{user_id}").get_json()["confirmed"] is True


def test_codes_are_random_and_sized_by_config(app, admin):
    from app.services import mailer

    app.config["CONFIRM_CODE_LENGTH"] = 12
    with app.app_context():
        codes = {mailer.new_confirm_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(re.fullmatch(r"[0-9A-Z]{12}", c) for c in codes)
    app.config["CONFIRM_CODE_LENGTH"] = 2
    with app.app_context():
        assert len(mailer.new_confirm_code()) == 8

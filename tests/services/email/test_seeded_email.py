"""The seeded ``email`` service (``local_email`` through ``sendmail``) and its templates.

A new instance sends invitations, password resets and registration confirmations through the
machine's ``sendmail`` with no configuration, as DreamFactory's does; on a machine without one
(the tests' default) every flow answers 503 naming the missing program and the setting that
chose the service. ``sendmail`` is the stand-in of ``fake_sendmail``.
"""

from __future__ import annotations

import re
import socket

import pytest

from tests.conftest import Api, assert_error

PASSWORD = "seeded-mail-password-0123"  # noqa: S105
TEMPLATES = ["User Invite Default", "Password Reset Default", "User Registration Default"]
CONSOLE_USER = {
    "username": "",
    "email": "ivy@example.com",
    "first_name": "Ivy",
    "last_name": "",
    "name": "Ivy",
    "phone": "",
    "is_active": True,
    "lookup_by_user_id": [],
    "user_to_app_to_role_by_user_id": [],
}
"""What DreamFactory's console posts for a user created with "send an invite" ticked."""


def service(admin: Api, name: str) -> dict:
    response = admin.get("system/service", query_string={"filter": f"name='{name}'"})
    (record,) = response.get_json()["resource"]
    return record


def templates(admin: Api) -> dict[str, int]:
    records = admin.get("system/email_template").get_json()["resource"]
    return {r["name"]: r["id"] for r in records}


def test_the_email_service_templates_and_links_are_seeded(admin):
    email = service(admin, "email")
    assert (email["type"], email["is_active"]) == ("local_email", True)
    assert email["config"]["transport"] == "sendmail"
    ids = templates(admin)
    assert list(ids) == TEMPLATES
    config = service(admin, "user")["config"]
    assert config["allow_open_registration"] is False
    for prefix, template in [
        ("invite", "User Invite Default"),
        ("password", "Password Reset Default"),
        ("open_reg", "User Registration Default"),
    ]:
        assert config[f"{prefix}_email_service_id"] == email["id"]
        assert config[f"{prefix}_email_template_id"] == ids[template]


def test_a_reset_goes_out_through_sendmail(admin, anon, client, sendmail):
    admin.post("system/user", json={"email": "uma@example.com", "first_name": "Uma"})
    response = anon.post(
        "user/password", json={"email": "uma@example.com"}, query_string={"reset": "true"}
    )
    assert response.get_json() == {"success": True}
    response.close()  # the message leaves once the response is sent
    (sent,) = sendmail.sent
    sender = f"no-reply@{socket.gethostname()}"
    assert sent.args == ["-i", "-f", sender, "--", "uma@example.com"]
    assert sent.message["From"] == sender
    assert sent.message["Subject"] == "Password Reset"
    text = sent.message.get_body(("plain",)).get_content()
    assert "Hi Uma" in text
    code = re.search(r"Confirmation Code: ([0-9A-Z]{32})", text).group(1)
    done = anon.post(
        "user/password",
        json={"email": "uma@example.com", "code": code, "new_password": PASSWORD},
    )
    assert done.get_json() == {"success": True}
    Api(client).login("uma@example.com", PASSWORD, admin=False)


def test_without_sendmail_every_flow_names_what_is_missing(app, admin, anon):
    """The same 503 for a known and an unknown address, before anything is stored."""
    admin.post("system/user", json={"email": "uma@example.com", "first_name": "Uma"})
    answers = []
    for address in ("uma@example.com", "nobody@example.com"):
        response = anon.post(
            "user/password", json={"email": address}, query_string={"reset": "true"}
        )
        answers.append(assert_error(response, 503))
    assert answers[0] == answers[1]
    message = answers[0]["message"]
    assert app.config["SENDMAIL_PATH"] in message
    assert "no sendmail program" in message and "password_email_service_id" in message

    invited = admin.post("system/user", json=CONSOLE_USER, query_string={"send_invite": "true"})
    error = assert_error(invited, 503)
    assert "no sendmail program" in error["message"]
    assert "invite_email_service_id" in error["message"]
    found = admin.get("system/user", query_string={"filter": "email='ivy@example.com'"})
    assert found.get_json()["resource"] == []


@pytest.mark.parametrize("kind", ["user", "admin"])
def test_the_console_invites_a_user_without_a_username(admin, sendmail, kind):
    response = admin.post(
        f"system/{kind}",
        json={"resource": [CONSOLE_USER]},
        query_string={"send_invite": "true"},
    )
    assert response.status_code == 201, response.get_json()
    user_id = response.get_json()["resource"][0]["id"]
    record = admin.get(f"system/{kind}/{user_id}").get_json()
    assert record["username"] is None and record["confirmed"] is False
    (sent,) = sendmail.sent
    assert sent.args[-1] == "ivy@example.com"
    assert sent.message["Subject"] == "Invitation"
    assert "user-invite?code=" in sent.message.get_body(("plain",)).get_content()


def test_registration_is_confirmed_by_the_seeded_service(admin, anon, sendmail):
    user_id = service(admin, "user")["id"]
    config = {**service(admin, "user")["config"], "allow_open_registration": True}
    assert admin.patch(f"system/service/{user_id}", json={"config": config}).status_code == 200
    response = anon.post("user/register", json={"email": "eve@example.com", "first_name": "Eve"})
    assert response.get_json() == {"success": True, "confirmation_required": True}
    (sent,) = sendmail.sent
    assert sent.message["Subject"] == "Registration Confirmation"
    assert "register-confirm?code=" in sent.message.get_body(("plain",)).get_content()


def test_an_edited_template_is_what_goes_out(admin, anon, sendmail):
    ids = templates(admin)
    edited = admin.patch(
        f"system/email_template/{ids['Password Reset Default']}",
        json={"subject": "Your {app_name} reset", "from_email": "desk@example.com"},
    )
    assert edited.status_code == 200, edited.get_json()
    admin.post("system/user", json={"email": "uma@example.com"})
    anon.post(
        "user/password", json={"email": "uma@example.com"}, query_string={"reset": "true"}
    ).close()
    (sent,) = sendmail.sent
    assert sent.message["Subject"] == "Your DreamFactory reset"
    assert sent.args[:3] == ["-i", "-f", "desk@example.com"]


def test_bcc_is_given_to_sendmail_but_not_in_the_message(admin, sendmail):
    response = admin.post(
        "email",
        json={
            "to": "ann@example.com",
            "bcc": "boss@example.com",
            "subject": "Hi",
            "body_text": "Hello",
            "from_email": "robot@example.com",
        },
    )
    assert response.get_json() == {"count": 2}
    (sent,) = sendmail.sent
    recipients = ["ann@example.com", "boss@example.com"]
    assert sent.args == ["-i", "-f", "robot@example.com", "--", *recipients]
    assert sent.message["Bcc"] is None and sent.message["To"] == "ann@example.com"


def test_a_refusing_sendmail_is_a_503_with_its_reason(admin, sendmail):
    sendmail.install(fail="mail queue is full")
    response = admin.post(
        "email", json={"to": "ann@example.com", "subject": "Hi", "body_text": "Hello"}
    )
    error = assert_error(response, 503)
    assert "exit status 75" in error["message"]
    assert "mail queue is full" in error["message"]


def test_a_file_transport_service_is_unchanged(app, admin):
    """``transport`` defaults to ``file``: a ``local_email`` service made without it writes
    .eml files as before, sendmail or not."""
    made = admin.post(
        "system/service",
        json={"name": "outbox", "type": "local_email", "config": {"from_email": "x@example.com"}},
    )
    assert made.status_code == 201, made.get_json()
    record = admin.get(f"system/service/{made.get_json()['id']}").get_json()
    assert record["config"]["transport"] == "file"
    sent = admin.post("outbox", json={"to": "ann@example.com", "subject": "s", "body_text": "b"})
    assert sent.get_json() == {"count": 1}


def test_an_unknown_transport_is_refused(admin):
    response = admin.post(
        "system/service",
        json={"name": "bad", "type": "local_email", "config": {"transport": "pigeon"}},
    )
    assert response.status_code == 400, response.get_json()


def test_an_upgraded_instance_gets_the_invite_and_reset_links_only(app, admin):
    """Seeding the service into an instance that had none links invitations and resets, but
    leaves registration as it was (a link there would start asking for confirmations)."""
    from app import seed
    from app.extensions import db

    user_id = service(admin, "user")["id"]
    links = [
        f"{p}_email_{k}_id"
        for p in ("invite", "password", "open_reg")
        for k in ("service", "template")
    ]
    plain = {"config": {"allow_open_registration": True, **dict.fromkeys(links)}}
    assert admin.patch(f"system/service/{user_id}", json=plain).status_code == 200
    assert admin.delete(f"system/service/{service(admin, 'email')['id']}").status_code == 200
    with app.app_context():
        try:
            assert seed.seed() == ["service email"]
            assert seed.seed() == []
        finally:
            db.session.remove()
    config = service(admin, "user")["config"]
    email_id = service(admin, "email")["id"]
    ids = templates(admin)
    assert config["invite_email_service_id"] == config["password_email_service_id"] == email_id
    assert config["invite_email_template_id"] == ids["User Invite Default"]
    assert config["password_email_template_id"] == ids["Password Reset Default"]
    assert not config.get("open_reg_email_service_id")
    assert config["allow_open_registration"] is True

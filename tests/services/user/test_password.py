"""``user/password`` and ``user/profile``: change, both resets and profile edits."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import ADMIN_EMAIL, Api, assert_error
from tests.services.email import smtpd
from tests.services.user.conftest import USER_PASSWORD, create_service, create_user

NEW_PASSWORD = "brand-new-password-0123"  # noqa: S105


def logged_in(admin, client, email="uma@example.com", **extra) -> Api:
    create_user(admin, email, **extra)
    user = Api(client)
    user.login(email, USER_PASSWORD, admin=False)
    return user


def test_change_password(admin, client, anon):
    user = logged_in(admin, client)
    old_token = user.token
    wrong = user.post("user/password", json={"old_password": "nope", "new_password": NEW_PASSWORD})
    assert_error(wrong, 400, "Invalid password supplied.")
    short = user.post("user/password", json={"old_password": USER_PASSWORD, "new_password": "x"})
    assert_error(short, 400)

    response = user.post(
        "user/password",
        json={"old_password": USER_PASSWORD, "new_password": NEW_PASSWORD},
        query_string={"login": "true"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["success"] is True and body["session_token"]
    assert_error(Api(client, token=old_token).get("user/session"), 403)
    assert Api(client, token=body["session_token"]).get("user/session").status_code == 200
    old = anon.post("user/session", json={"email": "uma@example.com", "password": USER_PASSWORD})
    assert_error(old, 401)
    Api(client).login("uma@example.com", NEW_PASSWORD, admin=False)


def test_admins_refused_at_user_password(admin):
    response = admin.post(
        "user/password", json={"old_password": "whatever", "new_password": NEW_PASSWORD}
    )
    assert_error(response, 401, "You are not authorized to perform this action.")
    reset = admin.post("user/password", json={"email": ADMIN_EMAIL}, query_string={"reset": "true"})
    unknown = admin.post(
        "user/password", json={"email": "nobody@example.com"}, query_string={"reset": "true"}
    )
    assert reset.get_json() == unknown.get_json()  # an admin looks like no account here
    assert_error(reset, 503)


def test_get_and_delete_are_not_supported(admin, client):
    user = logged_in(admin, client)
    assert_error(user.get("user/password"), 400)
    assert_error(user.delete("user/password"), 400)


def configure_password_mail(admin, server) -> int:
    service_id = create_service(admin, "mail", "smtp", smtpd.smtp_config(server))
    response = admin.patch("system/config", json={"password_email_service_id": service_id})
    assert response.status_code == 200, response.get_json()
    return service_id


def request_code(anon, server, email="uma@example.com") -> str:
    response = anon.post("user/password", json={"email": email}, query_string={"reset": "true"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"success": True}
    response.close()  # the message leaves once the response is done (as a server closes it)
    delivered = server.messages[-1]
    assert delivered.rcpt_tos == [email]
    text = delivered.message.get_body(("plain",)).get_content()
    match = re.search(r"Confirmation Code: ([0-9A-Z]+)", text)
    assert match, text
    return match.group(1)


def test_reset_by_emailed_code_through_smtp(admin, anon, client, smtp_server):
    configure_password_mail(admin, smtp_server)
    create_user(admin, "uma@example.com")
    code = request_code(anon, smtp_server)
    assert len(code) == 32
    message = smtp_server.messages[-1].message
    assert message["Subject"] == "Password Reset"
    assert message["From"] == "Test Instance <noreply@example.com>"
    html = message.get_body(("html",)).get_content()
    assert f"code={code}&amp;email=uma%40example.com" in html
    assert "http://localhost/dreamfactory/dist/#/auth/reset-password?" in html

    response = anon.post(
        "user/password",
        json={"email": "uma@example.com", "code": code, "new_password": NEW_PASSWORD},
        query_string={"login": "true"},
    )
    assert response.status_code == 200, response.get_json()
    session = Api(client, token=response.get_json()["session_token"]).get("user/session")
    assert session.status_code == 200
    Api(client).login("uma@example.com", NEW_PASSWORD, admin=False)

    again = anon.post(
        "user/password",
        json={"email": "uma@example.com", "code": code, "new_password": USER_PASSWORD},
    )
    assert_error(again, 400, "Invalid email and/or confirmation code provided.")


def test_reset_uses_a_configured_template(admin, anon, smtp_server):
    service_id = configure_password_mail(admin, smtp_server)
    template = admin.post(
        "system/email_template",
        json={
            "name": "reset",
            "subject": "Reset for {first_name} {last_name}",
            "body_text": "Code {confirm_code} for {email}; go to {link}",
            "from_email": "security@example.com",
        },
    ).get_json()
    admin.patch(
        "system/config",
        json={
            "password_email_service_id": service_id,
            "password_email_template_id": template["id"],
        },
    )
    create_user(admin, "uma@example.com")
    response = anon.post(
        "user/password", json={"email": "uma@example.com"}, query_string={"reset": "true"}
    )
    assert response.status_code == 200, response.get_json()
    response.close()
    message = smtp_server.messages[-1].message
    assert message["Subject"] == "Reset for Uma User"
    assert message["From"] == "security@example.com"
    text = message.get_body(("plain",)).get_content()
    code = re.search(r"Code ([0-9A-Z]{32}) for uma@example.com", text).group(1)
    assert f"?code={code}&email=uma%40example.com" in text


def test_user_service_config_is_the_fallback(admin, anon, smtp_server):
    from tests.services.user.conftest import configure_user_service

    service_id = create_service(admin, "mail", "smtp", smtpd.smtp_config(smtp_server))
    configure_user_service(admin, password_email_service_id=service_id)
    create_user(admin, "uma@example.com")
    assert request_code(anon, smtp_server)


def test_expired_code_is_rejected(app, admin, anon, smtp_server):
    configure_password_mail(admin, smtp_server)
    user_id = create_user(admin, "uma@example.com")
    code = request_code(anon, smtp_server)
    with app.app_context():
        from app.extensions import db
        from app.models import User

        ttl = app.config.get("CONFIRM_CODE_TTL", 1440)
        user = db.session.get(User, user_id)
        user.confirm_code_date -= dt.timedelta(minutes=ttl + 1)
        db.session.commit()
        db.session.remove()
    response = anon.post(
        "user/password",
        json={"email": "uma@example.com", "code": code, "new_password": NEW_PASSWORD},
    )
    assert_error(response, 400, "Confirmation code expired.")


def test_reset_without_an_email_service_is_a_503(admin, anon):
    create_user(admin, "uma@example.com")
    response = anon.post(
        "user/password", json={"email": "uma@example.com"}, query_string={"reset": "true"}
    )
    error = assert_error(response, 503)
    assert "password_email_service_id" in error["message"]


def test_a_refused_starttls_answers_like_an_unknown_address(
    app, admin, anon, smtp_server, app_logs
):
    """Delivery happens after the response: its failure is logged, never shown to the client
    (a 503 for known addresses only would tell which ones have an account)."""
    service_id = create_service(
        admin, "mail", "smtp", smtpd.smtp_config(smtp_server, encryption="tls")
    )
    admin.patch("system/config", json={"password_email_service_id": service_id})
    create_user(admin, "uma@example.com")
    answers = []
    for email in ("nobody@example.com", "uma@example.com"):
        response = anon.post("user/password", json={"email": email}, query_string={"reset": "true"})
        answers.append((response.status_code, response.get_json()))
        response.close()
    assert answers == [(200, {"success": True})] * 2
    assert smtp_server.messages == []
    logged = [r.getMessage() for r in app_logs.records]
    assert any("not delivered" in line and "STARTTLS" in line for line in logged), logged


def test_reset_by_security_answer(admin, anon, client):
    create_user(
        admin,
        "uma@example.com",
        security_question="First pet?",
        security_answer="Rex the dog",
    )
    start = anon.post(
        "user/password", json={"email": "uma@example.com"}, query_string={"reset": "true"}
    )
    assert start.get_json() == {"security_question": "First pet?"}
    wrong = anon.post(
        "user/password",
        json={"email": "uma@example.com", "security_answer": "Tom", "new_password": NEW_PASSWORD},
    )
    assert_error(wrong, 400, "Invalid email and/or security answer provided.")
    right = anon.post(
        "user/password",
        json={
            "email": "uma@example.com",
            "security_answer": "Rex the dog",
            "new_password": NEW_PASSWORD,
        },
    )
    assert right.get_json() == {"success": True}
    Api(client).login("uma@example.com", NEW_PASSWORD, admin=False)


def test_profile_read_and_update(admin, client):
    user = logged_in(admin, client)
    profile = user.get("user/profile").get_json()
    assert profile["email"] == "uma@example.com"
    assert profile["first_name"] == "Uma"
    assert "password" not in profile
    response = user.post("user/profile", json={"first_name": "Umaa", "phone": "555-0100"})
    assert response.get_json() == {"success": True}
    updated = user.get("user/profile").get_json()
    assert (updated["first_name"], updated["phone"]) == ("Umaa", "555-0100")


def test_profile_needs_a_session(anon):
    assert_error(
        anon.get("user/profile"), 401, "There is no valid session for the current request."
    )

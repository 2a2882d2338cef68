"""``smtp``: delivery to a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.services.email import smtpd


def create(admin, server, name="mail", **extra):
    config = smtpd.smtp_config(server, **extra)
    response = admin.post("system/service", json={"name": name, "type": "smtp", "config": config})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_sends_with_envelope_and_hidden_bcc(admin, smtp_server):
    create(admin, smtp_server)
    response = admin.post(
        "mail",
        json={
            "to": [{"name": "Jane", "email": "jane@example.com"}],
            "bcc": ["hidden@example.com"],
            "subject": "Order {id}",
            "body_text": "Shipped {id}.",
            "reply_to_email": "help@example.com",
            "reply_to_name": "Help Desk",
            "id": "A-1",
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"count": 2}
    (delivered,) = smtp_server.messages
    assert delivered.mail_from == "noreply@example.com"
    assert sorted(delivered.rcpt_tos) == ["hidden@example.com", "jane@example.com"]
    message = delivered.message
    assert message["Subject"] == "Order A-1"
    assert message["Bcc"] is None
    assert message["Reply-To"] == "Help Desk <help@example.com>"
    assert message.get_body(("plain",)).get_content().strip() == "Shipped A-1."


def test_authenticates_with_the_configured_credentials(admin, smtp_server):
    create(admin, smtp_server, username=smtpd.USERNAME, password=smtpd.PASSWORD)
    response = admin.post("mail", json={"to": "a@example.com", "subject": "s", "body_text": "b"})
    assert response.get_json() == {"count": 1}, response.get_json()
    assert len(smtp_server.messages) == 1


def test_wrong_credentials_are_a_503_without_the_password(admin, smtp_server):
    create(admin, smtp_server, username=smtpd.USERNAME, password="wrong-password-here")
    response = admin.post("mail", json={"to": "a@example.com", "subject": "s"})
    error = assert_error(response, 503)
    assert "refused the service's credentials" in error["message"]
    assert "wrong-password-here" not in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_starttls_not_offered_is_a_clear_503(admin, smtp_server):
    create(admin, smtp_server, encryption="tls")
    response = admin.post("mail", json={"to": "a@example.com", "subject": "s"})
    error = assert_error(response, 503)
    assert "does not offer STARTTLS" in error["message"]
    assert smtp_server.messages == []


def test_smtps_against_a_plain_server_is_a_503(admin, smtp_server):
    create(admin, smtp_server, encryption="ssl")
    response = admin.post("mail", json={"to": "a@example.com", "subject": "s"})
    error = assert_error(response, 503)
    assert error["message"].startswith(("TLS with the SMTP server", "Could not send"))


def test_unreachable_server_is_a_503(admin):
    port = smtpd.free_port()  # nothing listens there
    response = admin.post(
        "system/service",
        json={
            "name": "mail",
            "type": "smtp",
            "config": {"host": "127.0.0.1", "port": port, "encryption": "none", "timeout": 5},
        },
    )
    assert response.status_code == 201
    response = admin.post(
        "mail", json={"to": "a@example.com", "subject": "s", "from_email": "x@example.com"}
    )
    error = assert_error(response, 503)
    assert f"127.0.0.1:{port}" in error["message"]


def test_password_is_masked_and_kept_when_the_mask_comes_back(admin, smtp_server):
    service_id = create(admin, smtp_server, username=smtpd.USERNAME, password=smtpd.PASSWORD)
    listing = admin.get("system/service", query_string={"fields": "*"})
    assert smtpd.PASSWORD not in listing.get_data(as_text=True)
    record = admin.get(f"system/service/{service_id}").get_json()
    assert record["config"]["password"] == "**********"
    assert record["config"]["username"] == smtpd.USERNAME

    config = dict(record["config"], from_name="Renamed")
    response = admin.patch(f"system/service/{service_id}", json={"config": config})
    assert response.status_code == 200, response.get_json()
    sent = admin.post("mail", json={"to": "a@example.com", "subject": "s"})
    assert sent.get_json() == {"count": 1}, sent.get_json()
    assert smtp_server.messages[0].message["From"] == "Renamed <noreply@example.com>"


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"port": 25}, "config.host"),
        ({"host": "h", "encryption": "starttls"}, "config.encryption"),
        ({"host": "h", "port": 0}, "config.port"),
    ],
)
def test_config_is_validated(admin, config, field):
    response = admin.post("system/service", json={"name": "mail", "type": "smtp", "config": config})
    error = assert_error(response, 400)
    assert field in error["context"], error


def test_types_are_listed_in_the_email_group(admin):
    response = admin.get("system/service_type", query_string={"group": "Email"})
    names = {t["name"] for t in response.get_json()["resource"]}
    assert names == {"smtp", "local_email"}

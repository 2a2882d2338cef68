"""``local_email``: messages written as .eml files below the storage path."""

from __future__ import annotations

import email
import os
from email import policy

import pytest

from tests.conftest import assert_error


def create(admin, name="outbox", **config):
    response = admin.post(
        "system/service", json={"name": name, "type": "local_email", "config": config}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def written(app, folder="email"):
    path = os.path.join(app.config["STORAGE_PATH"], folder)
    if not os.path.isdir(path):
        return []
    out = []
    for name in sorted(os.listdir(path)):
        assert name.endswith(".eml")
        with open(os.path.join(path, name), "rb") as handle:
            out.append(email.message_from_binary_file(handle, policy=policy.default))
    return out


def test_writes_a_parseable_eml_with_placeholders(app, admin):
    create(admin, from_email="robot@example.com", from_name="Robot")
    response = admin.post(
        "outbox",
        json={
            "to": [{"name": "Jane Doe", "email": "jane@example.com"}, "joe@example.com"],
            "cc": "carl@example.com",
            "bcc": [{"email": "boss@example.com"}],
            "subject": "Hello {first}",
            "body_text": "Dear {first}, your order {order} shipped. {unknown} stays.",
            "body_html": "<p>Dear {first}</p>",
            "first": "<Jane>",
            "order": 42,
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"count": 4}
    (message,) = written(app)
    assert message["Subject"] == "Hello <Jane>"
    assert message["From"] == "Robot <robot@example.com>"
    assert [a.addr_spec for a in message["To"].addresses] == ["jane@example.com", "joe@example.com"]
    assert message["To"].addresses[0].display_name == "Jane Doe"
    assert message["Cc"] == "carl@example.com"
    assert message["Bcc"] == "boss@example.com"
    text = message.get_body(("plain",)).get_content()
    assert "Dear <Jane>, your order 42 shipped. {unknown} stays." in text
    html = message.get_body(("html",)).get_content()
    assert "<p>Dear &lt;Jane&gt;</p>" in html


def test_template_by_name_and_id_with_defaults(app, admin):
    create(admin)
    response = admin.post(
        "system/email_template",
        json={
            "name": "welcome",
            "subject": "Welcome {name}",
            "body_html": "<b>Hi {name}</b>, code {code}",
            "from_email": "team@example.com",
            "defaults": {"code": "DEFAULT"},
        },
    )
    assert response.status_code == 201, response.get_json()
    template_id = response.get_json()["id"]

    by_name = admin.post(
        "outbox", query_string={"template": "welcome"}, json={"to": "a@example.com", "name": "A"}
    )
    assert by_name.get_json() == {"count": 1}, by_name.get_json()
    by_id = admin.post(
        "outbox",
        json={"template_id": template_id, "to": "b@example.com", "name": "B", "code": "XYZ"},
    )
    assert by_id.get_json() == {"count": 1}, by_id.get_json()
    first, second = written(app)
    assert first["Subject"] == "Welcome A"
    assert "code DEFAULT" in first.get_body(("html",)).get_content()
    assert "Hi B" in second.get_body(("plain",)).get_content()
    assert "code XYZ" in second.get_body(("plain",)).get_content()

    missing = admin.post("outbox", query_string={"template": "nope"}, json={"to": "a@example.com"})
    assert_error(missing, 404, "Email Template 'nope' not found")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"to": "not-an-address", "subject": "x"}, "Invalid email - 'not-an-address'."),
        ({"subject": "nobody"}, "No recipient address given in 'to', 'cc' or 'bcc'."),
        ({"to": "a@example.com", "subject": "x\r\nBcc: evil@example.com"}, None),
        ({"to": [{"name": "x"}]}, "Email can not be empty."),
    ],
)
def test_bad_payloads_are_400_and_write_nothing(app, admin, payload, message):
    create(admin, from_email="robot@example.com")
    response = admin.post("outbox", json=payload)
    assert_error(response, 400, message)
    assert written(app) == []


def test_no_sender_anywhere_is_a_clear_400(app, admin):
    create(admin)
    response = admin.post("outbox", json={"to": "a@example.com", "subject": "x"})
    error = assert_error(response, 400)
    assert "from_email" in error["message"]


def test_empty_post_and_other_verbs(admin):
    create(admin)
    assert_error(admin.post("outbox", json={}), 400, "No valid data in request.")
    assert_error(admin.delete("outbox"), 400)
    assert_error(admin.post("outbox/anything", json={"to": "a@example.com"}), 404)


def test_configured_folder_below_storage(app, admin):
    create(admin, folder="spool/mail", from_email="robot@example.com")
    response = admin.post("outbox", json={"to": "a@example.com", "subject": "s"})
    assert response.get_json() == {"count": 1}
    assert len(written(app, "spool/mail")) == 1


@pytest.mark.parametrize("folder", ["../outside", "/tmp/mail", "a/../../b", "", "./"])
def test_folders_escaping_the_storage_path_are_refused(admin, folder):
    response = admin.post(
        "system/service",
        json={"name": "outbox", "type": "local_email", "config": {"folder": folder}},
    )
    error = assert_error(response, 400)
    assert "config.folder" in error["context"]


def test_symlinked_folder_escaping_storage_is_refused(app, admin, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    os.makedirs(app.config["STORAGE_PATH"], exist_ok=True)
    os.symlink(outside, os.path.join(app.config["STORAGE_PATH"], "link"))
    create(admin, folder="link", from_email="robot@example.com")
    response = admin.post("outbox", json={"to": "a@example.com", "subject": "s"})
    assert_error(response, 503)
    assert list(outside.iterdir()) == []


def test_placeholders_fill_template_addresses(app, admin):
    create(admin)
    admin.post(
        "system/email_template",
        json={
            "name": "note",
            "to": "{email}",
            "from_email": "{sender}",
            "from_name": "{team} Team",
            "subject": "For {email}",
        },
    )
    response = admin.post(
        "outbox",
        json={
            "template": "note",
            "email": "kim@example.com",
            "sender": "ops@example.com",
            "team": "Ops",
        },
    )
    assert response.get_json() == {"count": 1}, response.get_json()
    (message,) = written(app)
    assert message["To"] == "kim@example.com"
    assert message["From"] == "Ops Team <ops@example.com>"


def test_instance_sender_is_the_last_fallback(app, admin):
    create(admin)
    app.config.update(MAIL_FROM_EMAIL="instance@example.com", MAIL_FROM_NAME="Instance")
    response = admin.post("outbox", json={"to": "a@example.com", "subject": "s"})
    assert response.get_json() == {"count": 1}, response.get_json()
    (message,) = written(app)
    assert message["From"] == "Instance <instance@example.com>"

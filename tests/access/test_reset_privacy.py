"""Password resets and logins answer alike, after the same work, for known and unknown accounts.

Timings are never asserted: the tests count the costly steps (argon2 hashing,
code generation, composing the message) and check when the message leaves.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ADMIN_EMAIL


def use_local_email(admin) -> None:
    created = admin.post(
        "system/service",
        json={
            "resource": [
                {"name": "mail", "type": "local_email", "config": {"from_email": "df@example.com"}}
            ]
        },
    )
    assert created.status_code == 201, created.get_json()
    service_id = created.get_json()["resource"][0]["id"]
    assert (
        admin.patch("system/config", json={"password_email_service_id": service_id}).status_code
        == 200
    )


def test_unknown_and_known_addresses_get_the_same_answer(admin, anon):
    use_local_email(admin)
    unknown = anon.post("system/admin/password?reset=true", json={"email": "nobody@example.com"})
    known = anon.post("system/admin/password?reset=true", json={"email": ADMIN_EMAIL})
    assert unknown.status_code == known.status_code == 200
    assert unknown.get_json() == known.get_json() == {"success": True}


def test_json_sent_with_a_form_content_type_is_read_as_json(client):
    response = client.post(
        "/api/v2/system/admin/session",
        data='{"email": "nobody@example.com", "password": "not-the-password-123"}',
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 401  # parsed: credentials checked, not "missing email"


def test_status_does_not_echo_the_query_string(client):
    body = client.get("/status?api_key=secret-value").get_json()
    assert "secret-value" not in body["uri"]


# The same work for known and unknown accounts ------------------------------------------

RESET = "system/admin/password?reset=true"
UNKNOWN = "nobody@example.com"


@pytest.fixture
def hashing(monkeypatch) -> Counter:
    """Counts of argon2 ``hash`` and ``verify`` calls (each is one costly hashing)."""
    from argon2 import PasswordHasher

    counts: Counter = Counter()
    for name in ("hash", "verify"):
        real = getattr(PasswordHasher, name)

        def counting(self, *args, _real=real, _name=name, **kwargs):
            counts[_name] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, counting)
    return counts


def hashing_of(hashing: Counter, call) -> dict[str, int]:
    hashing.clear()
    call()
    return dict(hashing)


def test_logins_hash_alike_for_known_and_unknown_accounts(anon, hashing):
    def attempt(email):
        return lambda: anon.post(
            "system/admin/session", json={"email": email, "password": "x" * 20}
        )

    attempt("first@example.com")()  # the process makes its dummy hash once, at the first miss
    known = hashing_of(hashing, attempt(ADMIN_EMAIL))
    unknown = hashing_of(hashing, attempt(UNKNOWN))
    assert known == unknown == {"verify": 1}


def test_security_answers_hash_alike_for_known_and_unknown_accounts(admin, anon, hashing):
    admin.patch("system/admin/1", json={"security_question": "Q?", "security_answer": "right"})

    def attempt(email):
        payload = {"email": email, "security_answer": "wrong", "new_password": "p" * 20}
        return lambda: anon.post("system/admin/password", json=payload)

    attempt("first@example.com")()
    known = hashing_of(hashing, attempt(ADMIN_EMAIL))
    unknown = hashing_of(hashing, attempt(UNKNOWN))
    assert known == unknown == {"verify": 1}


def test_resets_do_the_same_work_for_known_and_unknown_addresses(admin, anon, monkeypatch):
    """A code is made and the message composed for both; only the real one is delivered."""
    from app.services import mailer
    from app.services.email import base

    use_local_email(admin)
    work: list[str] = []
    for module, name in ((mailer, "new_confirm_code"), (base, "compose")):
        real = getattr(module, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            work.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    for email in (UNKNOWN, ADMIN_EMAIL):
        work.clear()
        response = anon.post(RESET, json={"email": email})
        response.close()
        assert response.get_json() == {"success": True}
        assert work == ["new_confirm_code", "compose"], email


def test_the_message_is_delivered_after_the_response(app, admin, anon):
    use_local_email(admin)
    outbox = Path(app.config["STORAGE_PATH"]) / "email"
    unknown = anon.post(RESET, json={"email": UNKNOWN})
    unknown.close()
    known = anon.post(RESET, json={"email": ADMIN_EMAIL})
    assert list(outbox.glob("*.eml")) == []  # answered before anything was delivered
    known.close()
    delivered = list(outbox.glob("*.eml"))
    assert len(delivered) == 1
    assert f"<{ADMIN_EMAIL}>" in delivered[0].read_text()


def test_a_failing_mail_server_answers_like_an_unknown_address(admin, anon, app_logs):
    created = admin.post(
        "system/service",
        json={
            "name": "mail",
            "type": "smtp",
            "config": {
                "host": "127.0.0.1",
                "port": 1,  # nothing listens there
                "encryption": "none",
                "timeout": 5,
                "from_email": "df@example.com",
            },
        },
    )
    assert created.status_code == 201, created.get_json()
    admin.patch("system/config", json={"password_email_service_id": created.get_json()["id"]})
    answers = []
    for email in (UNKNOWN, ADMIN_EMAIL):
        response = anon.post(RESET, json={"email": email})
        answers.append((response.status_code, response.get_data()))
        response.close()
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert any(
        "e-mail for password resets not delivered" in r.getMessage() for r in app_logs.records
    )


def test_a_missing_template_answers_alike(admin, anon):
    use_local_email(admin)
    template = admin.post("system/email_template", json={"name": "reset", "subject": "Reset"})
    template_id = template.get_json()["id"]
    admin.patch("system/config", json={"password_email_template_id": template_id})
    assert admin.delete(f"system/email_template/{template_id}").status_code == 200
    unknown = anon.post(RESET, json={"email": UNKNOWN})
    known = anon.post(RESET, json={"email": ADMIN_EMAIL})
    assert unknown.status_code == known.status_code == 503
    assert unknown.get_json() == known.get_json()

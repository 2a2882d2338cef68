"""Password-reset requests answer alike for known and unknown accounts."""

from __future__ import annotations

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

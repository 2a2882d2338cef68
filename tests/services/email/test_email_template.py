"""``system/email_template``: generic record semantics plus address lists kept as lists."""

from __future__ import annotations

from tests.conftest import assert_error


def test_create_read_update_delete(admin):
    response = admin.post(
        "system/email_template",
        json={
            "name": "invite",
            "description": "Invitations",
            "to": [{"name": "Ops", "email": "ops@example.com"}, "audit@example.com"],
            "cc": "a@example.com, b@example.com",
            "bcc": "{email}",
            "subject": "Join {app_name}",
            "body_html": "<p>{link}</p>",
            "from_email": "team@example.com",
            "defaults": {"app_name": "Acme"},
        },
    )
    assert response.status_code == 201, response.get_json()
    template_id = response.get_json()["id"]

    record = admin.get(f"system/email_template/{template_id}").get_json()
    assert record["to"] == [{"name": "Ops", "email": "ops@example.com"}, "audit@example.com"]
    assert record["cc"] == ["a@example.com", "b@example.com"]
    assert record["bcc"] == "{email}"
    assert record["defaults"] == {"app_name": "Acme"}
    assert record["created_by_id"] is not None

    response = admin.patch(f"system/email_template/{template_id}", json={"subject": "New"})
    assert response.status_code == 200
    listing = admin.get(  # the seeded templates left out
        "system/email_template", query_string={"fields": "name,subject", "filter": "id>3"}
    )
    assert listing.get_json() == {"resource": [{"name": "invite", "subject": "New"}]}

    response = admin.delete(f"system/email_template/{template_id}")
    assert response.status_code == 200
    assert_error(admin.get(f"system/email_template/{template_id}"), 404)


def test_validation(admin):
    assert_error(admin.post("system/email_template", json={"subject": "x"}), 400)
    error = assert_error(admin.post("system/email_template", json={"name": "t", "to": "nope"}), 400)
    assert error["context"] == {"to": ["Invalid email - 'nope'."]}
    assert admin.post("system/email_template", json={"name": "t"}).status_code == 201
    error = assert_error(admin.post("system/email_template", json={"name": "t"}), 400)
    assert "name" in error["context"]


def test_listed_in_the_system_service(admin):
    names = admin.get("system", query_string={"as_list": "true"}).get_json()["resource"]
    assert "email_template" in names

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.services.email import smtpd

USER_PASSWORD = "user-password-0123456789"  # noqa: S105


@pytest.fixture
def smtp_server():
    server = smtpd.start()
    yield server
    server.controller.stop()


def create_user(admin: Api, email: str, password: str = USER_PASSWORD, **extra: Any) -> int:
    body = {"email": email, "password": password, "first_name": "Uma", "last_name": "User"}
    body.update(extra)
    response = admin.post("system/user", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def service_id(admin: Api, name: str) -> int:
    response = admin.get("system/service", query_string={"filter": f"name='{name}'"})
    assert response.status_code == 200, response.get_json()
    (record,) = response.get_json()["resource"]
    return record["id"]


def configure_user_service(admin: Api, **config: Any) -> None:
    """Merge ``config`` into the ``user`` service's; registrations are confirmed by e-mail only
    when it names ``open_reg_email_service_id`` (the seeded link to ``email`` is cleared)."""
    config.setdefault("open_reg_email_service_id", None)
    response = admin.patch(f"system/service/{service_id(admin, 'user')}", json={"config": config})
    assert response.status_code == 200, response.get_json()


def create_service(admin: Api, name: str, type_: str, config: dict[str, Any]) -> int:
    response = admin.post("system/service", json={"name": name, "type": type_, "config": config})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]

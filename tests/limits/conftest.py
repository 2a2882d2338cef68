"""Fixtures for usage limits: a movable clock, callers with roles, limits, and a real Redis.

The clock replaces ``app.limits.windows.now`` (the one clock every counter
reads), so a test moves past a window's end instead of sleeping. Redis tests
use the server at ``DF_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``)
under a key prefix unique to the test, deleted afterwards; they skip when the
server is unreachable, and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import Api, make_app
from tests.dbservers import unavailable

REDIS_URL = os.environ.get("DF_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T0 = 733 * 2_592_000 + 5
"""A fake "now": 5 s into a window of every period up to a day (and 30 days)."""

USER_PASSWORD = "user-password-0123456789"  # noqa: S105


@dataclass
class Clock:
    at: int = T0

    def __call__(self) -> int:
        return self.at

    def advance(self, seconds: int) -> None:
        self.at += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from app.limits import windows

    fake = Clock()
    monkeypatch.setattr(windows, "now", fake)
    return fake


@pytest.fixture
def redis_prefix() -> Any:
    """A unique key prefix on the real Redis; every key under it is deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        unavailable("redis", str(exc))
    prefix = f"dftest:{uuid.uuid4().hex[:10]}:"
    yield prefix
    names = list(client.scan_iter(match=f"{prefix}*"))
    if names:
        client.delete(*names)
    client.close()


@pytest.fixture
def redis_app(app, backend, stores, tmp_path, redis_prefix):
    """A second app on the same (seeded) store whose counters live in Redis."""
    from app.extensions import db

    application = make_app(
        stores(backend),
        str(tmp_path / "storage-redis"),
        REDIS_URL=REDIS_URL,
        REDIS_PREFIX=redis_prefix,
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def system_service_id(admin: Api) -> int:
    response = admin.get("system/service", query_string={"filter": "name=system"})
    return response.get_json()["resource"][0]["id"]


def service_id(admin: Api, name: str) -> int:
    response = admin.get("system/service", query_string={"filter": f"name={name}"})
    return response.get_json()["resource"][0]["id"]


def make_role_app(admin: Api, name: str = "limited") -> tuple[int, str]:
    """A role allowed every verb on the system service for API calls, and an app bound to it."""
    response = admin.post(
        "system/role",
        json={
            "resource": [
                {
                    "name": name,
                    "is_active": True,
                    "role_service_access_by_role_id": [
                        {
                            "service_id": system_service_id(admin),
                            "component": "*",
                            "verb_mask": 31,
                            "requestor_mask": 1,
                        }
                    ],
                }
            ]
        },
    )
    assert response.status_code == 201, response.get_json()
    role_id = response.get_json()["resource"][0]["id"]
    response = admin.post(
        "system/app",
        json={"resource": [{"name": f"{name}-app", "is_active": True, "role_id": role_id}]},
        query_string={"fields": "id,api_key"},
    )
    assert response.status_code == 201, response.get_json()
    return role_id, response.get_json()["resource"][0]["api_key"]


def make_user(admin: Api, email: str) -> int:
    response = admin.post(
        "system/user",
        json={
            "resource": [
                {
                    "email": email,
                    "name": email.split("@")[0],
                    "password": USER_PASSWORD,
                    "is_active": True,
                }
            ]
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


def basic(email: str, password: str = USER_PASSWORD) -> dict[str, str]:
    import base64

    token = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def make_limit(admin: Api, **fields: Any) -> dict[str, Any]:
    body = {"name": fields.pop("name", f"limit-{uuid.uuid4().hex[:6]}"), "period": "minute"}
    body.update(fields)
    response = admin.post("system/limit", json={"resource": [body]}, query_string={"fields": "*"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]


@pytest.fixture
def caller(client, admin) -> Api:
    """A non-admin caller: the API key of an app whose role may use the system service."""
    _, key = make_role_app(admin)
    return Api(client, api_key=key)

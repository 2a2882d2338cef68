"""Fixtures for usage limits: a movable clock, callers with roles, limits, and a real Redis.

The clock replaces ``app.counters.windows.now`` (the one clock every counter
reads), so a test moves past a window's end instead of sleeping. Redis tests
use the test Redis (``tests.redis_server``: the run's own server, or ``DF_TEST_REDIS_URL``)
under a key prefix unique to the test, deleted afterwards; they skip when the
server is unreachable, and fail under ``CI=true``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, make_app

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


def run_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Call ``work(n)`` for n in 0..count-1, each in its own thread, all released together.

    Returns the results in order; an exception in any thread is raised here.
    """
    results: list[Any] = [None] * count
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            start.wait()
            results[n] = work(n)
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from app.counters import windows

    fake = Clock()
    monkeypatch.setattr(windows, "now", fake)
    return fake


@pytest.fixture
def redis_prefix(redis_space) -> str:
    """A unique key prefix on the test Redis; every key under it is deleted afterwards."""
    return redis_space.prefix


@pytest.fixture
def redis_app(app, backend, stores, tmp_path, redis_space, redis_prefix):
    """A second app on the same (seeded) store whose counters live in Redis."""
    from app.extensions import db

    application = make_app(
        stores(backend),
        str(tmp_path / "storage-redis"),
        REDIS_URL=redis_space.url,
        REDIS_PREFIX=redis_prefix,
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def service_id(admin: Api, name: str) -> int:
    response = admin.get("system/service", query_string={"filter": f"name={name}"})
    return response.get_json()["resource"][0]["id"]


def make_role_app(admin: Api, name: str = "limited") -> tuple[int, str]:
    """A role allowed every verb on the system and files services, and an app bound to it."""
    access = [
        {
            "service_id": service_id(admin, service),
            "component": "*",
            "verb_mask": 31,
            "requestor_mask": 1,
        }
        for service in ("system", "files")
    ]
    response = admin.post(
        "system/role",
        json={
            "resource": [
                {"name": name, "is_active": True, "role_service_access_by_role_id": access}
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


@dataclass
class World:
    """An app (counting in the store or in Redis), its admin, and a role with an app key."""

    app: Flask
    admin: Api
    role_id: int
    api_key: str
    users: dict[str, int] = field(default_factory=dict)
    """User ids by e-mail, of the users made by ``user``."""

    def keyed(self, api_key: str | None = None) -> Api:
        """A caller with the role's app key (no user)."""
        return Api(self.app.test_client(), api_key=api_key or self.api_key)

    def user(self, email: str, api_key: str | None = None) -> Api:
        """A new user calling with the app key and HTTP Basic credentials."""
        self.users[email] = make_user(self.admin, email)
        api = self.keyed(api_key)
        api.headers.update(basic(email))
        return api

    def anonymous(self) -> Api:
        return Api(self.app.test_client())

    def limit(self, **fields: Any) -> dict[str, Any]:
        return make_limit(self.admin, **fields)

    def cache(self, limit_id: int) -> list[dict[str, Any]]:
        response = self.admin.get("system/limit_cache", query_string={"ids": str(limit_id)})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["resource"]


@pytest.fixture(params=["sql", "redis"])
def world(request, app) -> World:
    """Limits counted in the system store, then in Redis (same store, same seed)."""
    counting = request.getfixturevalue("redis_app") if request.param == "redis" else app
    admin = Api(counting.test_client())
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    role_id, key = make_role_app(admin)
    return World(counting, admin, role_id, key)

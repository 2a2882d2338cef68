"""Factories and probes for the system-service tests.

Records are created through the API as the seeded admin (so every write
path is the one clients use); the store is read back directly, through
``store``, to check what really got written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields

from tests.conftest import Api

PASSWORD = "a-user-password-0123456789"  # noqa: S105
SECRET = "s3cret-value"  # noqa: S105
MASK = "**********"


def created_ids(response) -> list[int]:
    assert response.status_code == 201, response.get_json()
    return [item["id"] for item in response.get_json()["resource"]]


def sqlite_service(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "type": "sqlite", "config": {"database": f"{name}.sqlite"}, **fields}


def make_services(admin: Api, *names: str, **fields: Any) -> list[int]:
    body = {"resource": [sqlite_service(n, **fields) for n in names]}
    return created_ids(admin.post("system/service", json=body))


def make_role(admin: Api, name: str, **fields: Any) -> int:
    (role_id,) = created_ids(
        admin.post("system/role", json={"resource": [{"name": name, **fields}]})
    )
    return role_id


def make_app(admin: Api, name: str, **fields: Any) -> int:
    body = {"resource": [{"name": name, "type": 0, **fields}]}
    (app_id,) = created_ids(admin.post("system/app", json=body))
    return app_id


def make_user(admin: Api, email: str, resource: str = "user", **fields: Any) -> int:
    body = {"resource": [{"email": email, "password": PASSWORD, **fields}]}
    (user_id,) = created_ids(admin.post(f"system/{resource}", json=body))
    return user_id


def service_id(admin: Api, name: str) -> int:
    response = admin.get("system/service", query_string={"filter": f"name='{name}'"})
    (record,) = response.get_json()["resource"]
    return record["id"]


class Store:
    """Direct reads of the system store, outside any request."""

    def __init__(self, app) -> None:
        self.app = app

    def run(self, work: Callable[[Any], Any]) -> Any:
        from app.extensions import db

        with self.app.app_context():
            try:
                return work(db.session)
            except Exception as exc:
                # pytest keeps a failure's traceback, and with it any half-read result: on
                # SQLite its cursor would hold the database lock into the next test's reset.
                raise exc.with_traceback(None) from None
            finally:
                db.session.remove()

    def scalars(self, query: sa.Select) -> list[Any]:
        return self.run(lambda session: list(session.scalars(query).all()))

    def scalar(self, query: sa.Select) -> Any:
        return self.run(lambda session: session.scalar(query))

    def names(self, model) -> list[str]:
        return self.scalars(sa.select(model.name).order_by(model.id))

    def count(self, model) -> int:
        return self.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def store(app) -> Store:
    return Store(app)


class SecretConfig(Schema):
    host = fields.String(required=True, metadata={"label": "Host"})
    password = fields.String(allow_none=True, metadata={"secret": True})
    port = fields.Integer(load_default=5432)


@pytest.fixture
def secret_type(app) -> Iterator[str]:
    """A test-only service type whose config has a secret ``password``."""
    from app.services import SERVICE_TYPES, register
    from app.services.base import BaseService

    class SecretService(BaseService):
        type = "test_secret"
        label = "Test Secret"
        group = "Test"
        description = "A service type with a secret config field (tests only)."
        config_schema = SecretConfig

    register(SecretService)
    yield SecretService.type
    SERVICE_TYPES.pop(SecretService.type, None)


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


@pytest.fixture
def count_queries(app) -> Callable[[], Any]:
    """``with count_queries() as counter: ...`` counts statements sent to the store."""
    from app.extensions import db

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        with app.app_context():
            engine = db.engine
        counter = QueryCounter()
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting

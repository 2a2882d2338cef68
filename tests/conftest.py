"""Fixtures: an app on each system-store backend, a client, and an ``api`` helper.

Each backend's database is created and migrated once per test worker; before
every test its tables are emptied and the seeded rows put back
(``store_snapshot``), which is far cheaper than a new database per test, or
seeding again, and just as isolated. Set
``DF_TEST_BACKENDS=sqlite`` (comma list) to run fewer backends locally.
"""

from __future__ import annotations

import http.server
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
import sqlalchemy as sa

from tests import dbservers, redis_server, store_snapshot

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-0123456789"  # noqa: S105
ADMIN_KEY = "6498a8ad1beb9d84d63035c5d1120c007fad6de706734db9689f8996707e0f7d"
"""The seeded admin app's key (DreamFactory's well-known value)."""


SCRIPT_USER = str(61000 + os.getpid() % 4000)
"""Script workers of this test process run as a uid of its own: the process limit counts
every process of the script user on the machine, so test processes sharing ``nobody``
could starve each other's workers (a Node.js worker aborts when it cannot start threads)."""

if os.geteuid() == 0:
    from app.scripting import pool_settings as _pool_settings

    _pool_settings.DEFAULT_USER = SCRIPT_USER


def selected_backends() -> list[str]:
    wanted = os.environ.get("DF_TEST_BACKENDS")
    if not wanted:
        return list(dbservers.BACKENDS)
    return [b.strip() for b in wanted.split(",") if b.strip() in dbservers.BACKENDS]


def test_config(url: str, storage: str, **extra: Any) -> dict[str, Any]:
    """App config for tests; the instance folder sits next to ``storage``, never in the repo."""
    return {
        "TESTING": True,
        "SQLALCHEMY_ENGINE_OPTIONS": dbservers.pool_options(url),
        "SYSTEM_DATABASE_URL": url,
        "STORAGE_PATH": storage,
        "INSTANCE_PATH": os.path.join(os.path.dirname(os.path.abspath(storage)), "instance"),
        "JWT_SECRET": "test-secret-0123456789-0123456789-abcdef",
        "PASSWORD_TIME_COST": 1,
        "PASSWORD_MEMORY_COST": 64,
        "SCRIPT_USER": SCRIPT_USER,
        # a machine without a mail transfer agent, whatever this one has: tests that send
        # through sendmail put a stand-in program there (tests/services/email/fake_sendmail)
        "SENDMAIL_PATH": os.path.join(os.path.dirname(os.path.abspath(storage)), "sendmail"),
        **extra,
    }


@pytest.fixture(scope="session")
def stores(tmp_path_factory):
    """Backend → migrated system-store URL, created lazily once per worker."""
    from flask_migrate import upgrade

    from app.factory import create_app

    made: dict[str, str] = {}

    def get(kind: str) -> str:
        if kind not in made:
            url = dbservers.create_database(kind, tmp_path_factory, label="store")
            app = create_app(test_config(url, str(tmp_path_factory.mktemp("storage"))))
            with app.app_context():
                upgrade()
                from app.extensions import db

                db.engine.dispose()
            store_snapshot.track(url)
            made[kind] = url
        return made[kind]

    yield get
    for url in made.values():
        store_snapshot.forget(url)
        dbservers.drop_database(url)


def reset_store(engine: sa.Engine) -> None:
    """Empty every system table and restart ids, leaving the schema in place.

    Plain DELETEs of these tiny tables are much cheaper than TRUNCATE (which
    rebuilds files), and only id counters that moved are restarted.
    """
    from app.extensions import db

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    kind = engine.dialect.name
    with engine.begin() as conn:
        if kind == "postgresql":
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            moved = conn.execute(
                sa.text(
                    "SELECT sequencename FROM pg_sequences "
                    "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                )
            ).scalars()
            for sequence in list(moved):
                conn.execute(sa.text(f'ALTER SEQUENCE "{sequence}" RESTART'))
        elif kind == "mysql":
            moved = conn.execute(
                sa.text(
                    "SELECT TABLE_NAME FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND AUTO_INCREMENT > 1"
                )
            ).scalars()
            moved = list(moved)
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS=0"))
            for table in tables:
                conn.execute(sa.text(f"DELETE FROM `{table}`"))
            for table in moved:
                conn.execute(sa.text(f"ALTER TABLE `{table}` AUTO_INCREMENT = 1"))
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS=1"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            has_seq = conn.execute(
                sa.text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first()
            if has_seq:
                conn.execute(sa.text("DELETE FROM sqlite_sequence"))


def make_app(url: str, storage: str, **extra: Any):
    """The app as ``wsgi`` builds it: the factory's, with the command line attached."""
    from app import cli
    from app.factory import create_app

    application = create_app(test_config(url, storage, **extra))
    cli.init_app(application)
    return application


def release(application) -> None:
    """Close what a test's app holds: its script counts (added to the store now, not in some
    later test's), its session and its database connections."""
    from app.extensions import db
    from app.scripting import stats

    stats.close_recorder(application)
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def spare_app():
    """``make_app`` for more apps in a test (another server, other settings).

    Their engines are closed after the test: a pooled connection left to the
    garbage collector would raise a ResourceWarning in some later test.
    """
    made: list[Any] = []

    def build(url: str, storage: str, **extra: Any):
        application = make_app(url, storage, **extra)
        made.append(application)
        return application

    yield build
    for application in made:
        release(application)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory) -> str:
    """The seeded ``db`` service's sample database, built once and copied per test."""
    from app.services.sql.sample import create_sample

    path = str(tmp_path_factory.mktemp("sample") / "db.sqlite")
    create_sample(path)
    return path


def place_sample(template: str, storage) -> None:
    """Put the sample in place so ``seed()`` finds it there instead of building it."""
    import shutil

    folder = storage / "databases"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, folder / "db.sqlite")


@pytest.fixture(params=selected_backends())
def backend(request) -> str:
    return request.param


def seeded_app(url: str, storage: str, **extra: Any):
    """An app on an emptied, re-seeded store with the one admin of every test (a store of
    ``stores`` is seeded once and put back from its rows after: ``store_snapshot``)."""
    from app import seed
    from app.extensions import db

    application = make_app(url, storage, **extra)
    with application.app_context():
        if store_snapshot.put_back(url):
            seed.seed_storage()
        else:
            reset_store(db.engine)
            seed.seed()
            seed.create_admin(ADMIN_EMAIL, ADMIN_PASSWORD, "Ada", "Admin")
            store_snapshot.take(url)
        db.session.remove()
    return application


@pytest.fixture
def app(backend, stores, tmp_path, sample_db):
    """A seeded app with one admin, on a freshly emptied store of ``backend``."""
    place_sample(sample_db, tmp_path / "storage")
    application = seeded_app(stores(backend), str(tmp_path / "storage"))
    yield application
    release(application)


@pytest.fixture
def bare_app(app):
    """The app on a store with the defaults seeded but no admin yet."""
    from app import seed
    from app.extensions import db

    with app.app_context():
        reset_store(db.engine)
        seed.seed()
        db.session.remove()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Api:
    """Calls ``/api/v2/...`` as someone: carries their token and API key."""

    client: Any
    token: str | None = None
    api_key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, **kwargs: Any):
        headers = dict(self.headers)
        headers.update(kwargs.pop("headers", {}) or {})
        if self.token:
            headers.setdefault("X-DreamFactory-Session-Token", self.token)
        if self.api_key:
            headers.setdefault("X-DreamFactory-API-Key", self.api_key)
        url = path if path.startswith("/") else f"/api/v2/{path}"
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any):
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any):
        return self.call("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any):
        return self.call("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any):
        return self.call("DELETE", path, **kwargs)

    def login(self, email: str, password: str, admin: bool = True) -> dict[str, Any]:
        path = "system/admin/session" if admin else "user/session"
        response = self.post(path, json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        self.token = body["session_token"]
        return body


@pytest.fixture
def anon(client) -> Api:
    return Api(client)


@pytest.fixture
def admin(client) -> Api:
    """The seeded admin, logged in."""
    api = Api(client)
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return api


@pytest.fixture
def app_logs(backend, stores, caplog):
    """``caplog`` that sees the ``app.*`` loggers at ERROR and above.

    Alembic's ``migrations/env.py`` runs ``logging.config.fileConfig``, which
    removes the root logger's handlers (``caplog``'s among them) and disables
    every logger that existed before a migration ran in this process. So the
    backend's store is migrated first, then our loggers are switched back on.
    """
    import logging

    stores(backend)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if (name == "app" or name.startswith("app.")) and isinstance(logger, logging.Logger):
            logger.disabled = False
    caplog.set_level(logging.ERROR)
    return caplog


def assert_error(response, status: int, message: str | None = None, code: int | None = None):
    """The response is DreamFactory's envelope with this status (and message, if given)."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert list(error) == ["code", "context", "message", "status_code"], error
    assert error["status_code"] == status
    assert error["code"] == (code if code is not None else status)
    if message is not None:
        assert error["message"] == message, error["message"]
    return error


NOT_OBJECTS: list[Any] = [[1], ["x"], [None], [[1]], [True], {"resource": [1]}]
NOT_OBJECTS += [{"resource": ["x"]}, {"resource": [None]}, {"resource": [[1, 2]]}]
NOT_OBJECTS += [{"resource": 1}, {"resource": "x"}]
"""Request bodies whose records are not JSON objects (``[1]`` was a 500 on ``_table`` PATCH)."""


# Small factories for records most access tests need ------------------------------------

USER_PASSWORD = "user-password-0123456789"  # noqa: S105


def create_role(admin: Api, name: str, accesses: list[dict[str, Any]], **fields: Any) -> int:
    """A role with these ``role_service_access`` rows; returns its id."""
    body = {"name": name, "is_active": True, **fields, "role_service_access_by_role_id": accesses}
    response = admin.post("system/role", json={"resource": [body]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


def create_api_app(admin: Api, name: str, role_id: int | None = None, **fields: Any):
    """An app (type 0) with a default role; returns (id, api_key)."""
    body = {"name": name, "type": 0, "is_active": True, "role_id": role_id, **fields}
    response = admin.post("system/app", json={"resource": [body]}, query_string={"fields": "*"})
    assert response.status_code == 201, response.get_json()
    record = response.get_json()["resource"][0]
    return record["id"], record["api_key"]


def create_user(admin: Api, email: str, password: str = USER_PASSWORD, **fields: Any) -> int:
    """A non-admin user through ``system/user``; returns its id."""
    body = {"email": email, "password": password, "is_active": True, **fields}
    response = admin.post("system/user", json={"resource": [body]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


def issue_token(application, user_id: int, email: str, forever: bool = False) -> str:
    """A session token for any user, issued the way a login does."""
    from app.access import tokens
    from app.extensions import db

    with application.app_context():
        token, _ = tokens.issue(user_id, email, forever)
        db.session.commit()
        db.session.remove()
    return token


class EchoService:
    """A test-only service type that answers with the ``ServiceRequest`` it received."""

    @staticmethod
    def build():
        from typing import ClassVar

        from app.services.base import BaseService

        class Echo(BaseService):
            type = "test_echo"
            label = "Echo"
            group = "Test"
            description = "Answers with the request it received."
            access_exceptions: ClassVar[dict[str, int]] = {}

            def handle(self, request):
                return {
                    "method": request.method,
                    "service": request.service,
                    "resource": request.resource,
                    "params": request.params,
                    "headers": request.headers,
                    "payload": request.payload,
                    "content": request.content.decode("utf-8", "replace"),
                    "content_type": request.content_type,
                    "requestor": int(request.requestor),
                    "uri": request.uri,
                    "remote_addr": request.remote_addr,
                }

        return Echo


@pytest.fixture
def echo(app, monkeypatch) -> str:
    """A service named ``echo`` of the test-only echo type; returns its URL."""
    from app.extensions import db
    from app.models import Service
    from app.services import SERVICE_TYPES

    cls = EchoService.build()
    monkeypatch.setitem(SERVICE_TYPES, cls.type, cls)
    with app.app_context():
        db.session.add(Service(name="echo", label="Echo", type=cls.type, config={}))
        db.session.commit()
        db.session.remove()
    return "/api/v2/echo"


@dataclass
class RedisSpace:
    """A key prefix of one test's own on the test Redis (``tests.redis_server``)."""

    url: str
    prefix: str
    client: redis.Redis


@pytest.fixture
def redis_space() -> Iterator[RedisSpace]:
    """A unique key prefix on the test Redis; every key under it is deleted afterwards."""
    url = redis_server.current().url()
    client = redis.Redis.from_url(url)
    prefix = f"dftest:{uuid.uuid4().hex[:10]}:"
    yield RedisSpace(url, prefix, client)
    names = list(client.scan_iter(match=f"{prefix}*"))
    if names:
        client.delete(*names)
    client.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, bytes]

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = self.routes.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/zip" if body else "text/plain")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


@pytest.fixture
def remote() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A threaded HTTP server on 127.0.0.1: (base URL, path → body it serves), stopped after."""
    routes: dict[str, bytes] = {}
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", routes
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)

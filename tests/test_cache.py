"""Cached system records stay correct across app servers sharing one system store.

Two app objects made by the factory on the same store URL, each with its own
cache, stand for two servers (or two gunicorn workers): a write through one
must change what the other answers on its very next request.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from app import pooling, stamp_reader
from app.cache import bump, get_cache, read_stamps
from app.extensions import db
from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_KEY,
    ADMIN_PASSWORD,
    Api,
    assert_error,
    create_api_app,
    create_role,
    create_user,
    issue_token,
)

CACHED_TABLES = (
    "service",
    "app",
    "role",
    "role_service_access",
    "user",
    "user_to_app_to_role",
    "lookup",
)


@pytest.fixture
def app2(app, backend, stores, tmp_path, spare_app):
    """A second server on the same store, with its own cache."""
    return spare_app(stores(backend), str(tmp_path / "second"))


@pytest.fixture
def admin2(app2) -> Api:
    api = Api(app2.test_client())
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return api


def service_id(admin: Api, name: str) -> int:
    response = admin.get("system/service", query_string={"filter": f"name='{name}'"})
    return response.get_json()["resource"][0]["id"]


def test_unknown_api_keys_do_not_grow_the_cache_without_bound(app):
    from app import system_cache
    from app.cache import StampedCache

    small = StampedCache(max_entries=5)
    with app.app_context():
        app.extensions["df_cache"] = small
        for n in range(20):
            assert system_cache.get_app_by_key(f"{n:064x}") is None
        assert len(small) == 5
        assert system_cache.get_app_by_key(ADMIN_KEY).name == "admin"
        assert len(small) == 5


def test_each_app_has_its_own_cache(app, app2):
    with app.app_context():
        first = get_cache()
    with app2.app_context():
        second = get_cache()
    assert first is not second


def test_deactivated_app_is_refused_on_the_next_request(app, app2, admin):
    app_id, key = create_api_app(admin, "mobile")
    client2 = app2.test_client()
    for client in (app.test_client(), client2):  # warm both caches with the key
        response = client.get("/api/v2/system/environment", headers={"X-DreamFactory-API-Key": key})
        assert response.status_code == 200
    assert admin.patch(f"system/app/{app_id}", json={"is_active": False}).status_code == 200
    response = client2.get("/api/v2/system/environment", headers={"X-DreamFactory-API-Key": key})
    assert_error(response, 403, "App is not active.")
    assert admin.patch(f"system/app/{app_id}", json={"is_active": True}).status_code == 200
    response = client2.get("/api/v2/system/environment", headers={"X-DreamFactory-API-Key": key})
    assert response.status_code == 200


def test_regenerated_key(app2, admin):
    app_id, key = create_api_app(admin, "mobile")
    client2 = app2.test_client()
    client2.get("/api/v2/system/environment", headers={"X-DreamFactory-API-Key": key})
    response = admin.patch(
        f"system/app/{app_id}", query_string={"regenerate": "true", "fields": "api_key"}, json={}
    )
    assert response.status_code == 200
    new_key = response.get_json()["api_key"]
    assert new_key != key
    assert_error(
        Api(client2, api_key=key).get("/api/v2/system/service"),
        400,
        "No session token (JWT) provided. Please provide a valid JWT using "
        "X-DreamFactory-Session-Token request header or 'session_token' url query parameter.",
    )


def test_service_rename_and_deactivation(app2, admin, admin2, echo):
    assert admin2.get(f"{echo}/x").get_json()["service"] == "echo"
    echo_id = service_id(admin, "echo")
    assert admin.patch(f"system/service/{echo_id}", json={"name": "renamed"}).status_code == 200
    assert admin2.get("/api/v2/renamed/x").get_json()["service"] == "renamed"
    assert_error(admin2.get(f"{echo}/x"), 404, "Could not find a service for echo")
    assert admin.patch(f"system/service/{echo_id}", json={"is_active": False}).status_code == 200
    assert_error(admin2.get("/api/v2/renamed/x"), 403, "Service renamed is deactivated.")
    names = [s["name"] for s in admin2.get("/api/v2").get_json()["services"]]
    assert "renamed" not in names


def test_role_changes_apply_at_once(app, app2, admin, echo):
    echo_id = service_id(admin, "echo")
    role_id = create_role(
        admin,
        "reader",
        [{"service_id": echo_id, "component": "*", "verb_mask": 1, "requestor_mask": 1}],
    )
    _, key = create_api_app(admin, "reader_app", role_id)
    user_id = create_user(admin, "reader@example.com")
    caller = Api(
        app2.test_client(), token=issue_token(app, user_id, "reader@example.com"), api_key=key
    )
    assert caller.get(f"{echo}/x").status_code == 200

    role = admin.get(
        f"system/role/{role_id}", query_string={"related": "role_service_access_by_role_id"}
    )
    row = role.get_json()["role_service_access_by_role_id"][0]
    response = admin.patch(
        f"system/role/{role_id}",
        json={"role_service_access_by_role_id": [{**row, "verb_mask": 2}]},
    )
    assert response.status_code == 200, response.get_json()
    assert_error(
        caller.get(f"{echo}/x"),
        403,
        "Access Forbidden. GET access to component 'x' of service 'echo' "
        "is not allowed by this user's role.",
    )
    assert caller.post(f"{echo}/x").status_code == 200

    assert admin.patch(f"system/role/{role_id}", json={"is_active": False}).status_code == 200
    error = assert_error(caller.post(f"{echo}/x"), 403)
    assert error["message"].startswith("Access Forbidden. The role assigned to you")


def test_a_user_deactivated_elsewhere(app, app2, admin):
    user_id = create_user(admin, "someone@example.com")
    token = issue_token(app, user_id, "someone@example.com")
    caller = Api(app2.test_client(), token=token)
    assert caller.get("system/environment").status_code == 200
    assert admin.patch(f"system/user/{user_id}", json={"is_active": False}).status_code == 200
    error = assert_error(caller.get("system/environment"), 403)
    assert error["message"] in (
        "User is not active.",
        "The token has been blacklisted: Session terminated. Please re-login.",
    )


def test_writes_behind_the_api_need_a_cache_flush(app, app2, admin, admin2, echo):
    """A raw write on a bare connection bypasses the stamps; ``DELETE system/cache`` fixes it."""
    from app.models import Service

    assert admin2.get(f"{echo}/x").status_code == 200
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            sa.update(Service.__table__).where(Service.name == "echo").values(is_active=False)
        )
    assert admin2.get(f"{echo}/x").status_code == 200  # still cached: nothing bumped
    response = admin.delete("system/cache")
    assert response.status_code == 200 and response.get_json() == {"success": True}
    assert_error(admin2.get(f"{echo}/x"), 403, "Service echo is deactivated.")


def test_bulk_statements_through_the_session_bump(app, app2, admin2, echo):
    from app.models import Service

    assert admin2.get(f"{echo}/x").status_code == 200
    with app.app_context():
        db.session.execute(sa.update(Service).where(Service.name == "echo").values(is_active=False))
        db.session.commit()
    assert_error(admin2.get(f"{echo}/x"), 403, "Service echo is deactivated.")


def test_token_writes_do_not_bump(app, admin):
    with app.app_context():
        before = dict(read_stamps())
    assert admin.delete("system/admin/session").status_code == 200
    Api(app.test_client()).login(ADMIN_EMAIL, ADMIN_PASSWORD)
    with app.app_context():
        after = dict(read_stamps())
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed <= {"user"}  # the login's last_login_date is a user write; tokens are not


def test_uncommitted_writes_are_not_cached(app, admin):
    from app import system_cache
    from app.models import Role

    role_id = create_role(admin, "before", [])
    with app.app_context():
        assert system_cache.get_role(role_id).name == "before"
        db.session.get(Role, role_id).name = "during"
        db.session.flush()
        assert system_cache.get_role(role_id).name == "during"  # this transaction's own write
        db.session.rollback()
        assert system_cache.get_role(role_id).name == "before"  # the rolled-back value never stuck
        db.session.remove()


class QueryLog:
    """Statements run on the store's engine, and the stamp reads of ``app.stamp_reader``
    (its own pool, straight on the driver's cursor: no engine events)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self._read = stamp_reader.read

    def __enter__(self) -> QueryLog:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)

        def read(app):
            self.statements.append("SELECT key, version FROM cache_stamp  -- stamp_reader")
            return self._read(app)

        stamp_reader.read = read
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)
        stamp_reader.read = self._read

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)


def reads_of_cached_tables(statements: list[str]) -> list[str]:
    """Statements that read a table whose records ``app.system_cache`` caches."""
    hits = []
    for statement in statements:
        tail = " " + statement.lower().split(" from ", 1)[-1].replace(",", " ") + " "
        for table in CACHED_TABLES:
            if f' "{table}" ' in tail or f" `{table}` " in tail or f" {table} " in tail:
                hits.append(statement)
                break
    return hits


def test_a_warm_request_reads_only_the_stamps_and_the_token(app, app2, admin, echo):

    echo_id = service_id(admin, "echo")
    role_id = create_role(
        admin,
        "reader",
        [{"service_id": echo_id, "component": "*", "verb_mask": 1, "requestor_mask": 1}],
    )
    _, key = create_api_app(admin, "reader_app", role_id)
    user_id = create_user(admin, "reader@example.com")
    caller = Api(
        app2.test_client(), token=issue_token(app, user_id, "reader@example.com"), api_key=key
    )
    with app2.app_context():
        engine = db.engine
    with QueryLog(engine) as cold:
        assert caller.get(f"{echo}/x").status_code == 200
    assert reads_of_cached_tables(cold.statements)
    counts = []
    for _ in range(3):
        with QueryLog(engine) as log:
            assert caller.get(f"{echo}/x").status_code == 200
        stamp_reads = [s for s in log.statements if "cache_stamp" in s]
        assert len(stamp_reads) == 1, log.statements
        assert reads_of_cached_tables(log.statements) == [], log.statements
        counts.append(len(log.statements))
    assert len(set(counts)) == 1, counts


def test_admin_key_requests_stay_warm(app2, admin2):

    admin2.api_key = ADMIN_KEY
    assert admin2.get("/api/v2").status_code == 200
    with app2.app_context():
        engine = db.engine
    with QueryLog(engine) as first:
        assert admin2.get("/api/v2").status_code == 200
    with QueryLog(engine) as second:
        assert admin2.get("/api/v2").status_code == 200
    assert len(first.statements) == len(second.statements)
    assert sum("cache_stamp" in s for s in second.statements) == 1


# Stamps ---------------------------------------------------------------------------------


def version_of(app, namespace: str) -> int:
    from app.models import CacheStamp

    with app.app_context():
        version = db.session.scalar(
            sa.select(CacheStamp.version).where(CacheStamp.key == namespace)
        )
        db.session.remove()
    return version


def test_bump_creates_then_increments(app):

    with app.app_context():
        for _ in range(2):
            with db.engine.begin() as connection:
                bump(connection, "service:999")
    assert version_of(app, "service:999") == 2


def test_concurrent_first_bumps(app):
    """Transactions bumping a namespace that has no row yet all succeed, none is lost."""

    workers = 6
    errors: list[BaseException] = []
    first_in = threading.Event()
    start = threading.Barrier(workers)

    with app.app_context():
        engine = db.engine

    def holder() -> None:
        try:
            with engine.begin() as connection:  # inserts the row and keeps it uncommitted a moment
                bump(connection, "race")
                first_in.set()
                start.wait(timeout=30)
                time.sleep(0.2)  # widen the window in which the racers meet the open insert
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            first_in.set()

    def racer() -> None:
        try:
            first_in.wait(timeout=30)
            start.wait(timeout=30)
            with engine.begin() as connection:
                bump(connection, "race")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=holder)] + [
        threading.Thread(target=racer) for _ in range(workers - 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert version_of(app, "race") == workers


def test_the_store_replaces_a_dead_idle_connection(app, admin, backend, monkeypatch):
    """The store's pool pings only idle connections, and still survives a database restart."""
    if backend == "sqlite":
        pytest.skip("SQLite has no server to lose the connection")
    assert admin.get("system/service").status_code == 200
    monkeypatch.setattr(pooling, "PING_AFTER_IDLE", 0.0)
    with app.app_context(), db.engine.connect() as conn:
        if backend == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        else:
            ids = conn.execute(
                sa.text(
                    "SELECT id FROM information_schema.PROCESSLIST "
                    "WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
                )
            ).scalars()
            for session_id in list(ids):
                conn.execute(sa.text(f"KILL {int(session_id)}"))
    assert admin.get("system/service").status_code == 200

"""A database restart under load: 503s while it is down, then recovery without a pause.

Each test runs a private server (``tests.private_servers``), keeps requests
going from a few threads without pause, stops the server until some answers
arrived during the outage, starts it again and waits (bounded) until the
traffic is healthy again. Every answer must be a success or a 503 in the error
envelope, never a 500; reads that start after the server is back must all
succeed (a read meeting a connection the server dropped is retried once).
Covered: the system store on PostgreSQL and MariaDB, and a pgsql and a mysql
SQL service (whose app keeps its store on SQLite).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    Api,
    assert_error,
    place_sample,
    seeded_app,
)
from tests.conftest import test_config as app_config
from tests.private_servers import PrivateMariaDB, PrivatePostgres, PrivateServer

pytestmark = pytest.mark.slow

SERVERS = {"postgresql": PrivatePostgres, "mysql": PrivateMariaDB}
SERVICE_TYPES = {"postgresql": "pgsql", "mysql": "mysql"}

RECOVERY = 15.0
"""Seconds after the server is back within which the traffic must be healthy again."""

HEALTHY_FOR = 1.0
"""Seconds of only successes that count as recovered."""

OUTAGE_ANSWERS = 6
"""Answers collected while the server is down before it is started again."""


@dataclass(frozen=True)
class Answer:
    started: float
    ended: float
    method: str
    status: int
    body: Any


class Traffic:
    """Threads calling the API back to back, each through a test client of its own."""

    def __init__(self, app, token: str, calls: list[tuple[str, Callable[[Api, int], Any]]]):
        self.app = app
        self.token = token
        self.calls = calls
        self.answers: list[Answer] = []
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(method, call), daemon=True)
            for method, call in calls
        ]

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run(self, method: str, call: Callable[[Api, int], Any]) -> None:
        api = Api(self.app.test_client(), token=self.token)
        n = 0
        while not self._stop.is_set():
            n += 1
            started = time.monotonic()
            try:
                response = call(api, n)
            except BaseException as exc:  # noqa: BLE001 - reported by the test, not the thread
                self.errors.append(exc)
                return
            body = response.get_json(silent=True)
            self.answers.append(
                Answer(started, time.monotonic(), method, response.status_code, body)
            )

    def wait(self, predicate: Callable[[list[Answer]], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(list(self.answers)):
            if self.errors:
                raise self.errors[0]
            if time.monotonic() > deadline:
                pytest.fail(f"gave up waiting for {what}: {summary(self.answers)}", pytrace=False)
            time.sleep(0.05)


def summary(answers: list[Answer]) -> str:
    counts: dict[tuple[str, int], int] = {}
    for answer in answers:
        key = (answer.method, answer.status)
        counts[key] = counts.get(key, 0) + 1
    failures = [a.body for a in answers if a.status >= 400][:3]
    return f"{counts} first failures: {failures}"


def failed(answer: Answer) -> bool:
    return answer.status >= 400


def healthy_since(moment: float) -> Callable[[list[Answer]], bool]:
    """Every method answered successfully for ``HEALTHY_FOR`` seconds, all after ``moment``."""

    def check(answers: list[Answer]) -> bool:
        failures = [a.ended for a in answers if failed(a)]
        calm = max([moment, *failures])
        if time.monotonic() - calm < HEALTHY_FOR:
            return False
        methods = {a.method for a in answers}
        ok = {a.method for a in answers if a.started > calm and not failed(a)}
        return ok == methods

    return check


@dataclass(frozen=True)
class Outage:
    down: float
    """When the server had stopped."""

    starting: float
    """When it was told to start (it may accept connections before ``start`` returns)."""

    up: float
    """When it was surely back."""


def restart_under_load(server: PrivateServer, traffic: Traffic) -> Outage:
    """Stop the server mid-traffic, collect answers while it is down, start it, wait for health."""
    traffic.wait(healthy_since(0.0), RECOVERY, "traffic before the restart")
    server.stop()
    down = time.monotonic()
    try:
        traffic.wait(
            lambda answers: sum(a.started > down for a in answers) >= OUTAGE_ANSWERS,
            RECOVERY,
            "answers during the outage",
        )
    finally:
        starting = time.monotonic()
        server.start()
    up = time.monotonic()
    traffic.wait(healthy_since(up), RECOVERY, "recovery after the restart")
    return Outage(down, starting, up)


def assert_restart_answers(answers: list[Answer], outage: Outage) -> None:
    statuses = {a.status for a in answers}
    assert statuses <= {200, 201, 503}, summary(answers)
    for answer in answers:
        if answer.status == 503:
            assert set(answer.body) == {"error"}, answer.body
            assert list(answer.body["error"]) == ["code", "context", "message", "status_code"]
            assert answer.body["error"]["status_code"] == 503
    during = [a for a in answers if outage.down < a.started and a.ended < outage.starting]
    assert during, "no request ran while the server was down"
    assert all(a.status == 503 for a in during), summary(during)
    later_reads = [a for a in answers if a.method == "GET" and a.started > outage.up]
    assert later_reads and not any(failed(a) for a in later_reads), summary(later_reads)
    last_failure = max((a.ended for a in answers if failed(a)), default=outage.down)
    assert last_failure < outage.up + RECOVERY


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request) -> Iterator[PrivateServer]:
    with SERVERS[request.param].started() as started:
        yield started


def close_app(application) -> None:
    from app.extensions import db
    from app.services.sql.engines import get_registry

    with application.app_context():
        get_registry().dispose_all()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def store_app(server, tmp_path, sample_db):
    """A seeded app whose system store is a database on the private server."""
    from flask_migrate import upgrade

    from app.factory import create_app

    url = server.create_database("store")
    place_sample(sample_db, tmp_path / "storage")
    migrating = create_app(app_config(url, str(tmp_path / "storage")))
    with migrating.app_context():
        upgrade()
    close_app(migrating)
    application = seeded_app(url, str(tmp_path / "storage"))
    yield application
    close_app(application)


@pytest.fixture
def live_database(server) -> str:
    """The URL of a database on the private server with a table ``item`` of one record."""
    url = server.create_database("svc")
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, name VARCHAR(40))"))
        conn.execute(sa.text("INSERT INTO item (id, name) VALUES (1, 'one')"))
    engine.dispose()
    return url


@pytest.fixture
def service_app(server, live_database, stores, tmp_path, sample_db):
    """A seeded app on a SQLite store with a SQL service ``live`` on ``live_database``."""
    url = live_database
    place_sample(sample_db, tmp_path / "storage")
    application = seeded_app(stores("sqlite"), str(tmp_path / "storage"))
    parsed = sa.make_url(url)
    config = {"host": parsed.host, "port": parsed.port, "database": parsed.database}
    config["username"] = parsed.username
    admin = login(application)
    response = admin.post(
        "system/service",
        json={"resource": [{"name": "live", "type": SERVICE_TYPES[server.kind], "config": config}]},
    )
    assert response.status_code == 201, response.get_json()
    yield application
    close_app(application)


def login(application) -> Api:
    admin = Api(application.test_client())
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return admin


def read_services(api: Api, n: int):
    return api.get("system/service", query_string={"limit": 1})


def add_lookup(api: Api, n: int):
    return api.post("system/lookup", json={"resource": [{"name": f"k{n}", "value": "v"}]})


def read_items(api: Api, n: int):
    return api.get("live/_table/item", query_string={"limit": 1})


def add_item(api: Api, n: int):
    return api.post("live/_table/item", json={"resource": [{"id": 1000 + n, "name": f"n{n}"}]})


def check_restart_under_load(server: PrivateServer, application, read, write) -> None:
    """Two readers and a writer through a restart of ``server``: 503s, then recovery."""
    calls = [("GET", read), ("GET", read), ("POST", write)]
    with Traffic(application, login(application).token, calls) as traffic:
        outage = restart_under_load(server, traffic)
    assert_restart_answers(traffic.answers, outage)


def test_the_system_store_recovers_from_a_restart_under_load(server, store_app):
    check_restart_under_load(server, store_app, read_services, add_lookup)


def test_a_sql_service_recovers_from_a_restart_under_load(server, service_app):
    check_restart_under_load(server, service_app, read_items, add_item)


def test_a_dead_pooled_connection_is_a_retried_read_or_a_503_write(
    server, service_app, monkeypatch
):
    """Restarted while its pool sat idle: the next read succeeds, the next write is a 503."""
    from app import pooling

    monkeypatch.setattr(pooling, "PING_AFTER_IDLE", 3600.0)  # only the failure itself may tell
    admin = login(service_app)
    assert read_items(admin, 0).status_code == 200
    server.restart()
    response = read_items(admin, 0)
    assert response.status_code == 200, response.get_json()
    assert add_item(admin, 1).status_code == 200
    server.restart()
    error = assert_error(add_item(admin, 2), 503)
    assert "'live'" in error["message"]
    assert add_item(admin, 3).status_code == 200


def test_a_request_whose_store_left_after_its_last_statement_still_ends(server, store_app):
    """Closing the session rolls back on a dead connection: no error escapes the teardown."""
    from app.extensions import db

    with store_app.test_request_context("/api/v2/system/service"):
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
        server.restart()
    assert read_services(login(store_app), 0).status_code == 200


DIE_ON_INSERT = """
CREATE FUNCTION df_die() RETURNS trigger AS $$
BEGIN
    IF NEW.name = 'die' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER df_die BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION df_die();
"""
"""A trigger ending its own session on a record named ``die``: a connection lost mid-request."""


ONLY_POSTGRESQL = pytest.mark.parametrize("server", ["postgresql"], indirect=True)
"""For tests needing ``DIE_ON_INSERT``: a MariaDB trigger cannot end its own session."""


def die_on_insert(url: str, table: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(DIE_ON_INSERT.format(table=table))
    engine.dispose()


@ONLY_POSTGRESQL
@pytest.mark.parametrize("continue_", ["false", "true"])
def test_a_system_batch_that_loses_its_connection_is_a_503(server, store_app, continue_):
    from app.extensions import db

    with store_app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    die_on_insert(url, "lookup")
    admin = login(store_app)
    records = [{"name": "first", "value": "1"}, {"name": "die", "value": "2"}]
    response = admin.post(
        "system/lookup", json={"resource": records}, query_string={"continue": continue_}
    )
    assert_error(response, 503)
    assert read_services(admin, 0).status_code == 200


@ONLY_POSTGRESQL
@pytest.mark.parametrize("mode", [{}, {"continue": "true"}, {"rollback": "true"}])
def test_a_sql_batch_that_loses_its_connection_is_a_503(server, live_database, service_app, mode):
    die_on_insert(live_database, "item")
    admin = login(service_app)
    records = [{"id": 10, "name": "first"}, {"id": 11, "name": "die"}]
    response = admin.post("live/_table/item", json={"resource": records}, query_string=mode)
    error = assert_error(response, 503)
    assert "'live'" in error["message"]
    assert read_items(admin, 0).status_code == 200

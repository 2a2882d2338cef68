"""A SQL service on a fresh database of the backend under test, with a small schema.

The service's database is of the same kind as the system store of the
``app`` fixture (SQLite, PostgreSQL, MariaDB), so ``DF_TEST_BACKENDS``
selects both. Tables are made with SQLAlchemy Core here, since ``_schema``
is not what these tests are about; the service is created through
``system/service`` as the admin, as a user would.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from tests import dbservers
from tests.conftest import Api

SERVICE_TYPES = {"sqlite": "sqlite", "postgresql": "pgsql", "mysql": "mysql"}
SERVICE = "sqldb"

metadata = sa.MetaData()
todo = sa.Table(
    "todo",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("complete", sa.Boolean, nullable=True),
)
contact = sa.Table(
    "contact",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("age", sa.Integer),
    sa.Column("owner_id", sa.Integer),
    sa.Column("notes", sa.Text),
)
contact_info = sa.Table(
    "contact_info",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id", ondelete="CASCADE")),
    sa.Column("info_type", sa.String(40), nullable=False),
    sa.Column("value", sa.String(200)),
)
tag = sa.Table(
    "tag",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(40), nullable=False),
)
contact_tag = sa.Table(
    "contact_tag",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id"), nullable=False),
    sa.Column("tag_id", sa.Integer, sa.ForeignKey("tag.id"), nullable=False),
)
profile = sa.Table(
    "profile",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("contact_id", sa.Integer, sa.ForeignKey("contact.id"), unique=True),
    sa.Column("bio", sa.String(200)),
)
measure = sa.Table(
    "measure",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(8)),
    sa.Column("small", sa.SmallInteger),
    sa.Column("amount", sa.Numeric(6, 2)),
    sa.Column("ratio", sa.Float),
    sa.Column("day", sa.Date),
    sa.Column("moment", sa.DateTime),
    sa.Column("data", sa.LargeBinary),
    sa.Column("created", sa.DateTime),
    sa.Column("modified", sa.DateTime),
    sa.Column("created_by", sa.Integer),
    sa.Column("modified_by", sa.Integer),
)


@dataclass
class SqlDb:
    """The service under test: its name, an API caller, and a side door into its database."""

    api: Api
    engine: sa.Engine
    kind: str
    service_id: int
    name: str = SERVICE

    def url(self, path: str = "") -> str:
        return f"{self.name}/_table/{path}".rstrip("/")

    def get(self, path: str = "", **kwargs: Any):
        return self.api.get(self.url(path), **kwargs)

    def post(self, path: str = "", **kwargs: Any):
        return self.api.post(self.url(path), **kwargs)

    def patch(self, path: str = "", **kwargs: Any):
        return self.api.patch(self.url(path), **kwargs)

    def put(self, path: str = "", **kwargs: Any):
        return self.api.put(self.url(path), **kwargs)

    def delete(self, path: str = "", **kwargs: Any):
        return self.api.delete(self.url(path), **kwargs)

    def rows(self, table: sa.Table, order: str = "id") -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            query = sa.select(table).order_by(table.c[order])
            return [dict(r._mapping) for r in conn.execute(query)]

    def insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """Insert rows with explicit ids (PostgreSQL's sequence is moved past them)."""
        with self.engine.begin() as conn:
            conn.execute(table.insert(), rows)
            if self.kind == "postgresql":
                conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"
                    )
                )

    def execute(self, sql: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text(sql))


@pytest.fixture(scope="session")
def service_servers(tmp_path_factory):
    """Backend → (URL, config) of one database per worker holding the schema above."""
    made: dict[str, tuple[str, dict[str, Any]]] = {}

    def get(kind: str) -> tuple[str, dict[str, Any]]:
        if kind not in made:
            url = dbservers.create_database(kind, tmp_path_factory, label="svc")
            engine = sa.create_engine(url, poolclass=sa.NullPool)
            metadata.create_all(engine)
            engine.dispose()
            made[kind] = (url, dbservers.service_config(url))
        return made[kind]

    yield get
    for url, _ in made.values():
        dbservers.drop_database(url)


def reset_database(engine: sa.Engine) -> None:
    """Drop what tests added behind the service's back, empty the tables, restart ids."""
    inspector = sa.inspect(engine)
    known = set(metadata.tables)
    views = inspector.get_view_names()
    extra = [t for t in inspector.get_table_names() if t not in known]
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        quote = engine.dialect.identifier_preparer.quote
        for view in views:
            conn.execute(sa.text(f"DROP VIEW {quote(view)}"))
        if engine.dialect.name == "postgresql":
            for table in extra:
                conn.execute(sa.text(f"DROP TABLE {quote(table)} CASCADE"))
            names = ", ".join(quote(t) for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS=0"))
            for table in extra:
                conn.execute(sa.text(f"DROP TABLE {quote(table)}"))
            for table in tables:
                conn.execute(sa.text(f"TRUNCATE TABLE {quote(table)}"))
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS=1"))


@pytest.fixture
def service_database(app, backend, service_servers):
    """(SQLAlchemy URL, service config) of an empty database with the schema above.

    SQLite gets a new file under the app's storage path; the servers' database
    is made once per worker and emptied before each test.
    """
    if backend == "sqlite":
        folder = os.path.join(app.config["STORAGE_PATH"], "databases")
        os.makedirs(folder, exist_ok=True)
        url = f"sqlite:///{os.path.join(folder, 'service.sqlite')}"
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        metadata.create_all(engine)
        engine.dispose()
        return url, {"database": "service.sqlite"}
    url, config = service_servers(backend)
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        reset_database(engine)
    finally:
        engine.dispose()
    return url, dict(config)


def create_service(admin: Api, backend: str, config: dict[str, Any], name: str = SERVICE) -> int:
    response = admin.post(
        "system/service",
        json={"resource": [{"name": name, "type": SERVICE_TYPES[backend], "config": config}]},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


@pytest.fixture(autouse=True)
def dispose_engines(request):
    """Close the pools of every service engine a test's app built (before the app goes)."""
    if "app" not in request.fixturenames:
        yield
        return
    from app.services.sql.engines import get_registry

    app = request.getfixturevalue("app")
    yield
    with app.app_context():
        get_registry().dispose_all()


@pytest.fixture
def sql(app, admin, backend, service_database):
    """The schema above in the service's database, and the service itself."""
    url, config = service_database
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    if backend == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def foreign_keys(dbapi_connection, record):
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

    service_id = create_service(admin, backend, config)
    yield SqlDb(admin, engine, backend, service_id)
    engine.dispose()


@pytest.fixture
def todos(sql):
    """Three todo records (ids 1..3)."""
    response = sql.post(
        "todo",
        json={
            "resource": [
                {"name": "test1", "complete": False},
                {"name": "test2", "complete": True},
                {"name": "test3"},
            ]
        },
    )
    assert response.status_code == 200, response.get_json()
    return sql


# -- an empty database, for _schema and routines ----------------------------------------

BLANK = "blankdb"


def empty_database(url: str) -> None:
    """Drop every table, view and routine of a server database (keeping the database)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        return
    engine = sa.create_engine(
        parsed.set(database="mysql"), poolclass=sa.NullPool, isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{parsed.database}`"))
        conn.execute(
            sa.text(
                f"CREATE DATABASE `{parsed.database}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )
    engine.dispose()


@pytest.fixture(scope="session")
def blank_servers(tmp_path_factory):
    """Backend → URL of one database per worker, emptied before each test that uses it."""
    made: dict[str, str] = {}

    def get(kind: str) -> str:
        if kind not in made:
            made[kind] = dbservers.create_database(kind, tmp_path_factory, label="blank")
        return made[kind]

    yield get
    for url in made.values():
        dbservers.drop_database(url)


@pytest.fixture
def blank(app, admin, backend, blank_servers) -> SqlDb:
    """A service (``blankdb``) on an empty database of the backend under test."""
    if backend == "sqlite":
        folder = os.path.join(app.config["STORAGE_PATH"], "databases")
        os.makedirs(folder, exist_ok=True)
        url = f"sqlite:///{os.path.join(folder, 'blank.sqlite')}"
        config: dict[str, Any] = {"database": "blank.sqlite"}
    else:
        url = blank_servers(backend)
        empty_database(url)
        parsed = sa.make_url(url)
        config = {
            "host": parsed.host,
            "port": parsed.port,
            "database": parsed.database,
            "username": parsed.username,
            "password": parsed.password,
        }
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    service_id = create_service(admin, backend, config, name=BLANK)
    yield SqlDb(admin, engine, backend, service_id, name=BLANK)
    engine.dispose()

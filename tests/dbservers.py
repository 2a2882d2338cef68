"""Fresh databases on the real servers of this machine, one name per test run.

Tests never mock a database: they create a uniquely named database on the
PostgreSQL or MariaDB server (or an SQLite file in a temp dir), use it, and drop
it. A server that cannot be reached makes its tests skip with a clear reason,
except under CI (``CI=true``), where they fail loudly instead.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

BACKENDS = ("sqlite", "postgresql", "mysql")
"""System-store and SQL-service backends every suite runs against."""

SERVER_URLS = {
    "postgresql": os.environ.get(
        "DF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
    "mysql": os.environ.get("DF_TEST_MYSQL_URL", "mysql+pymysql://root:@127.0.0.1:3306/mysql"),
}
"""Admin connections used to create and drop the per-run databases."""

RUN_ID = uuid.uuid4().hex[:8]
"""Distinguishes this run's databases from any other run's on the same server."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(kind: str, reason: str) -> None:
    """Skip (or, under CI, fail) because a server is unreachable."""
    message = f"{kind} server unreachable: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true: servers are required)", pytrace=False)
    pytest.skip(message)


def missing_tool(name: str) -> None:
    """Skip (or, under CI, fail) because a program the suite's setup installs is missing."""
    message = f"{name} is not installed"
    if in_ci():
        pytest.fail(message + " (CI=true: scripts/test installs it)", pytrace=False)
    pytest.skip(message)


SHARE_OF_SERVER = 0.5
"""Share of a server's connections the whole test run may hold (the rest is the machine's)."""

APPS_AT_ONCE = 2
"""Apps of one test process whose pools may be open at the same time (a test and its spares)."""

_budgets: dict[str, int] = {}


def pool_options(url: str) -> dict[str, int]:
    """Pool sizes for a test app's store on a database server, within the server's limit.

    Every test process (xdist worker) holds apps whose pools connect to the same
    server, so their sum is kept to ``SHARE_OF_SERVER`` of its ``max_connections``;
    a busy test waits for a pooled connection rather than meeting "too many clients".
    """
    kind = sa.make_url(url).get_backend_name()
    if kind == "sqlite":
        return {}
    if kind not in _budgets:
        _budgets[kind] = _server_connections(kind)
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    per_app = max(2, int(_budgets[kind] * SHARE_OF_SERVER) // (workers * APPS_AT_ONCE))
    size = min(5, per_app)
    return {"pool_size": size, "max_overflow": per_app - size, "pool_timeout": 60}


def _server_connections(kind: str) -> int:
    """``max_connections`` of the server less the superuser's reserve."""
    engine = _admin_engine(kind)
    try:
        with engine.connect() as conn:
            if kind == "postgresql":
                total = int(conn.execute(sa.text("SHOW max_connections")).scalar_one())
                reserved = conn.execute(sa.text("SHOW superuser_reserved_connections"))
                return total - int(reserved.scalar_one())
            return int(conn.execute(sa.text("SELECT @@max_connections")).scalar_one())
    except sa.exc.OperationalError as exc:
        unavailable(kind, str(exc.orig))
    finally:
        engine.dispose()


def _admin_engine(kind: str) -> sa.Engine:
    return sa.create_engine(SERVER_URLS[kind], isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)


def create_database(kind: str, tmp_path_factory=None, label: str = "db") -> str:
    """Create an empty database of ``kind`` and return its SQLAlchemy URL."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    name = f"dftest_{RUN_ID}_{worker}_{label}_{uuid.uuid4().hex[:6]}"
    if kind == "sqlite":
        assert tmp_path_factory is not None, "sqlite databases live in a temp dir"
        path = tmp_path_factory.mktemp("sqlite") / f"{name}.sqlite"
        return f"sqlite:///{path}"
    engine = _admin_engine(kind)
    try:
        with engine.connect() as conn:
            if kind == "postgresql":
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            else:
                conn.execute(
                    sa.text(
                        f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                    )
                )
    except sa.exc.OperationalError as exc:
        unavailable(kind, str(exc.orig))
    finally:
        engine.dispose()
    return str(sa.make_url(SERVER_URLS[kind]).set(database=name).render_as_string(False))


def service_config(url: str) -> dict[str, Any]:
    """The config of a SQL service reaching the database at ``url`` (one made here)."""
    parsed = sa.make_url(url)
    return {
        "host": parsed.host,
        "port": parsed.port,
        "database": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
    }


def drop_database(url: str) -> None:
    """Drop a database made by ``create_database`` (SQLite files go with their temp dir)."""
    parsed = sa.make_url(url)
    kind = parsed.get_backend_name()
    if kind == "sqlite":
        return
    engine = _admin_engine(kind)
    try:
        with engine.connect() as conn:
            if kind == "postgresql":
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{parsed.database}`"))
    finally:
        engine.dispose()

"""One pooled SQLAlchemy engine per SQL service, per process.

The registry (one per app object, like a server process) keys each engine by
service id and a hash of the service's type and config. A request for a
service whose config changed builds a new engine and disposes the old one;
whenever the list of services moves (any write to the ``service`` table), the
registry sweeps out engines of services that were deleted or changed. Engines
are small pools whose connections are pinged only after sitting idle, and
renewed all at once when one turns out dead (``app.pooling``).

On every new connection the engine applies the service's session setup: the
statement timeout (PostgreSQL ``statement_timeout``, MariaDB
``max_statement_time``, MySQL ``max_execution_time``, SQLite a progress
handler with a deadline per statement), SQLite's ``foreign_keys`` pragma and
WAL journal, and the configured ``statements``. SQLite transactions of a
connection marked ``WRITES`` begin ``IMMEDIATE`` (``app.sqlite_locking``):
they wait up to ``SQLITE_BUSY_TIMEOUT`` seconds (or the service's
``options.timeout``) for another writer instead of failing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event

from app import pooling, system_cache
from app.services.sql.config import sqlite_name_problem
from app.sqlite_locking import use_wal
from app.vocabulary.errors import ServiceUnavailable

if TYPE_CHECKING:
    from app.system_cache import ServiceInfo

logger = logging.getLogger(__name__)

SQL_TYPES = ("sqlite", "pgsql", "mysql")
"""Service types whose engines live in this registry."""

POOL_SIZE = 5
"""Connections kept open per service engine."""

MAX_OVERFLOW = 5
"""Extra connections a busy service may open beyond ``POOL_SIZE``."""

POOL_TIMEOUT = 10
"""Seconds a request waits for a pooled connection before failing with a 503."""

POOL_RECYCLE = 3600
"""Seconds after which a pooled connection is replaced (servers drop idle ones)."""

CONNECT_TIMEOUT = 5
"""Seconds allowed to open a connection to a database server."""

SQLITE_PROGRESS_STEPS = 1000
"""SQLite VM instructions between two checks of the statement deadline."""

WRITES = "df_writes"
"""Execution option of a connection that will write: its SQLite transactions lock up front."""

DEFAULT_PORTS = {"pgsql": 5432, "mysql": 3306}


def config_hash(info: ServiceInfo) -> str:
    """What identifies an engine's settings: the type and the whole config."""
    data = orjson.dumps({"type": info.type, "config": info.config}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(data).hexdigest()


def databases_folder() -> str:
    return os.path.join(current_app.config["STORAGE_PATH"], "databases")


def sqlite_path(name: str) -> str:
    """The database file for a config's ``database``, never outside the databases folder."""
    base = os.path.realpath(databases_folder())
    path = os.path.realpath(os.path.join(base, name))
    if sqlite_name_problem(name) or not path.startswith(base + os.sep):
        raise ServiceUnavailable("The service's database file is outside the databases folder.")
    return path


def build_url(info: ServiceInfo) -> sa.URL:
    config = info.config
    if info.type == "sqlite":
        return sa.URL.create("sqlite", database=sqlite_path(config["database"]))
    driver = "postgresql+psycopg" if info.type == "pgsql" else "mysql+pymysql"
    query = {"charset": "utf8mb4"} if info.type == "mysql" else {}
    return sa.URL.create(
        driver,
        username=config.get("username") or None,
        password=config.get("password") or None,
        host=config.get("host"),
        port=config.get("port") or DEFAULT_PORTS[info.type],
        database=config.get("database"),
        query=query,
    )


def create_engine(info: ServiceInfo) -> sa.Engine:
    """A new engine for the service, with its per-connection setup installed."""
    config = info.config
    connect_args: dict[str, Any] = dict(config.get("options") or {})
    if info.type == "sqlite":
        os.makedirs(databases_folder(), exist_ok=True)
        connect_args.setdefault("timeout", float(current_app.config["SQLITE_BUSY_TIMEOUT"]))
        connect_args["check_same_thread"] = False
    else:
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
    engine = sa.create_engine(
        build_url(info),
        connect_args=connect_args,
        poolclass=sa.QueuePool,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_timeout=POOL_TIMEOUT,
        pool_recycle=POOL_RECYCLE,
    )
    pooling.install(engine)
    timeout = config.get("statement_timeout") or None
    statements = list(config.get("statements") or [])
    if info.type == "sqlite":
        _install_sqlite_setup(engine, timeout, statements)
    else:
        _install_server_setup(engine, info.type, timeout, statements)
    return engine


def _run(dbapi_connection: Any, statements: list[str]) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for statement in statements:
            cursor.execute(statement)
    finally:
        cursor.close()


def _install_server_setup(
    engine: sa.Engine, kind: str, timeout: float | None, statements: list[str]
) -> None:
    @event.listens_for(engine, "connect")
    def setup(dbapi_connection: Any, record: Any) -> None:
        setup_statements = []
        if kind == "pgsql" and dbapi_connection.info.server_version >= 120000:
            # psycopg prepares a statement run five times, and PostgreSQL may then plan it
            # once for any value: for `filter=category=7` with a LIMIT that plan walked the
            # primary key past 10,000 rows (0.9 ms against 0.1 ms). Plan with the values.
            setup_statements.append("SET plan_cache_mode = force_custom_plan")
        if timeout and kind == "pgsql":
            setup_statements.append(f"SET statement_timeout = {int(timeout * 1000)}")
        elif timeout:
            version = dbapi_connection.get_server_info()
            if "mariadb" in version.lower():
                setup_statements.append(f"SET SESSION max_statement_time = {float(timeout)}")
            else:
                setup_statements.append(f"SET SESSION max_execution_time = {int(timeout * 1000)}")
        _run(dbapi_connection, setup_statements + statements)
        dbapi_connection.commit()  # session settings stay; the statements' own work is kept


def _install_sqlite_setup(engine: sa.Engine, timeout: float | None, statements: list[str]) -> None:
    """Foreign keys on, WAL, real SAVEPOINTs (pysqlite's own BEGIN handling off), the timeout."""

    @event.listens_for(engine, "connect")
    def setup(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        dbapi_connection.isolation_level = None
        use_wal(dbapi_connection)
        _run(dbapi_connection, ["PRAGMA foreign_keys = ON", *statements])
        if timeout:
            deadline: dict[str, float | None] = {"at": None}
            record.info["deadline"] = deadline

            def check() -> int:
                at = deadline["at"]
                return 1 if at is not None and time.monotonic() > at else 0

            dbapi_connection.set_progress_handler(check, SQLITE_PROGRESS_STEPS)

    @event.listens_for(engine, "begin")
    def begin(connection: sa.Connection) -> None:
        writes = connection.get_execution_options().get(WRITES)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    if timeout:

        @event.listens_for(engine, "before_cursor_execute")
        def start_clock(connection: sa.Connection, *args: Any) -> None:
            deadline = connection.info.get("deadline")
            if deadline is not None:
                deadline["at"] = time.monotonic() + timeout


@dataclass
class _Entry:
    key: str
    engine: sa.Engine
    info: ServiceInfo | None = None
    """The service record the engine was last handed out for (cached records are reused)."""


class EngineRegistry:
    """Service id → engine for the config it was built with; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, _Entry] = {}
        self._seen: object = None

    def get(self, info: ServiceInfo, build: Callable[[ServiceInfo], sa.Engine]) -> sa.Engine:
        entry = self._entries.get(info.id)
        if entry is not None and entry.info is info:  # the same cached record: nothing changed
            return entry.engine
        key = config_hash(info)
        stale = None
        with self._lock:
            entry = self._entries.get(info.id)
            if entry is not None and entry.key == key:
                entry.info = info
                return entry.engine
            engine = build(info)
            if entry is not None:
                stale = entry.engine
            self._entries[info.id] = _Entry(key, engine, info)
        if stale is not None:
            logger.info("service=%s engine rebuilt after a config change", info.name)
            stale.dispose()
        return engine

    def peek(self, service_id: int) -> sa.Engine | None:
        """The engine currently held for a service, if any (for tests and diagnostics)."""
        with self._lock:
            entry = self._entries.get(service_id)
        return entry.engine if entry is not None else None

    def sweep(self, services: tuple[ServiceInfo, ...]) -> None:
        """Dispose engines of services that are gone or configured differently now.

        Runs only when the service list object changed, i.e. after a write to
        the ``service`` table, so the usual request pays one identity check.
        """
        if services is self._seen:
            return
        live = {s.id: config_hash(s) for s in services if s.type in SQL_TYPES}
        stale: list[sa.Engine] = []
        with self._lock:
            self._seen = services
            for service_id, entry in list(self._entries.items()):
                if live.get(service_id) != entry.key:
                    stale.append(self._entries.pop(service_id).engine)
        for engine in stale:
            engine.dispose()

    def dispose_all(self) -> None:
        with self._lock:
            entries, self._entries = list(self._entries.values()), {}
            self._seen = None
        for entry in entries:
            entry.engine.dispose()


def get_registry() -> EngineRegistry:
    """This app's engine registry (each app object is like a server process)."""
    return current_app.extensions.setdefault("df_sql_engines", EngineRegistry())


def engine_for(info: ServiceInfo) -> sa.Engine:
    """The service's engine, built on first use and rebuilt when its config changed."""
    registry = get_registry()
    registry.sweep(system_cache.all_services())
    return registry.get(info, create_engine)

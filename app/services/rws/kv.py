"""A small key/value cache with expiry, shared by every worker and app server.

With ``REDIS_URL`` set, values live in Redis under ``<REDIS_PREFIX>kv:<key>``
and Redis expires them. Without it they live in the system store's
``cache_entry`` table: a read ignores expired rows, and each process deletes
expired rows at most once per ``PURGE_INTERVAL`` when it writes. Both go
through their own connections, never the request's database session, so a
cache write is not part of (or rolled back with) the request's transaction.

A cache is an optimisation: when the backend fails, ``get`` answers None and
``put`` does nothing, and the error is logged at most once a minute.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

import redis
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import CacheEntry

logger = logging.getLogger(__name__)

PURGE_INTERVAL = 60
"""Seconds between two deletions of expired store rows by one process."""

ERROR_LOG_INTERVAL = 60
"""Seconds between two "cache backend failed" log lines of one process."""

SOCKET_TIMEOUT = 0.5
"""Seconds to wait on Redis before treating the call as a miss."""

EXTENSION_KEY = "df_kv_store"


def now() -> int:
    """The clock expiry is measured on (Unix seconds); tests move it."""
    return int(time.time())


class KeyValueStore(Protocol):
    def get(self, key: str) -> bytes | None:
        """The value, or None when absent, expired or unreachable."""
        ...

    def put(self, key: str, value: bytes, ttl: int) -> None:
        """Keep ``value`` for ``ttl`` seconds (best effort)."""
        ...


class _ErrorLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0.0

    def __call__(self, what: str, exc: Exception) -> None:
        at = time.monotonic()
        with self._lock:
            if self._last and at - self._last < ERROR_LOG_INTERVAL:
                return
            self._last = at
        logger.error("cache backend %s failed, caching is skipped: %s", what, type(exc).__name__)


class RedisStore:
    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.prefix = f"{prefix}kv:"
        self._log = _ErrorLog()

    @classmethod
    def from_url(cls, url: str, prefix: str) -> RedisStore:
        client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
        )
        return cls(client, prefix)

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get(self.prefix + key)
        except redis.RedisError as exc:
            self._log("redis", exc)
            return None

    def put(self, key: str, value: bytes, ttl: int) -> None:
        try:
            self.client.set(self.prefix + key, value, ex=max(1, ttl))
        except redis.RedisError as exc:
            self._log("redis", exc)


class SqlStore:
    def __init__(self) -> None:
        self._log = _ErrorLog()
        self._lock = threading.Lock()
        self._last_purge = 0

    def get(self, key: str) -> bytes | None:
        table = CacheEntry.__table__
        query = sa.select(table.c.value).where(table.c.key == key, table.c.expires_at > now())
        try:
            with db.engine.connect() as connection:
                return connection.execute(query).scalar()
        except sa.exc.SQLAlchemyError as exc:
            self._log("store", exc)
            return None

    def put(self, key: str, value: bytes, ttl: int) -> None:
        expires_at = now() + max(1, ttl)
        try:
            with db.engine.begin() as connection:
                self._purge(connection)
                connection.execute(_upsert(connection, key, value, expires_at))
        except sa.exc.SQLAlchemyError as exc:
            self._log("store", exc)

    def _purge(self, connection: sa.Connection) -> None:
        at = now()
        with self._lock:
            if at - self._last_purge < PURGE_INTERVAL:
                return
            self._last_purge = at
        table = CacheEntry.__table__
        connection.execute(table.delete().where(table.c.expires_at <= at))


def _upsert(connection: sa.Connection, key: str, value: bytes, expires_at: int) -> sa.Executable:
    """One atomic insert-or-replace, so two workers caching the same key do not collide."""
    table = CacheEntry.__table__
    row = {"key": key, "value": value, "expires_at": expires_at}
    dialect = connection.dialect.name
    if dialect == "postgresql":
        pg = pg_insert(table).values(**row)
        return pg.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"value": pg.excluded.value, "expires_at": pg.excluded.expires_at},
        )
    if dialect in ("mysql", "mariadb"):
        my = mysql_insert(table).values(**row)
        return my.on_duplicate_key_update(
            value=my.inserted.value, expires_at=my.inserted.expires_at
        )

    lite = sqlite_insert(table).values(**row)
    return lite.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"value": lite.excluded.value, "expires_at": lite.excluded.expires_at},
    )


def get_store() -> KeyValueStore:
    """This app's store, chosen once from ``REDIS_URL``."""
    store = current_app.extensions.get(EXTENSION_KEY)
    if store is None:
        url = current_app.config.get("REDIS_URL")
        if url:
            store = RedisStore.from_url(url, current_app.config.get("REDIS_PREFIX", "df:"))
        else:
            store = SqlStore()
        current_app.extensions[EXTENSION_KEY] = store
    return store

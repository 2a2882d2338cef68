"""Reading the cache stamps once per request, as cheaply as the store allows.

Every request reads the stamps (``app.cache``), so this one small query is on
the hot path of every call. It runs on a small pool of its own, in autocommit:
no BEGIN/ROLLBACK round trips, no reset when a connection goes back to the
pool, and the statement is compiled once and run on the driver's cursor. The
pool follows the store's engine: same URL and options, pinged only when idle,
disposed when the store's engine is.

Both pools reach the same server, so when either finds a connection dead (the
server restarted) both are renewed (``app.pooling``). The stamps are a read:
one that met a dead connection is read once more on a new one; if that fails
too the store is away, a 503.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from app import pooling
from app.disconnects import driver_lost
from app.extensions import db
from app.models import CacheStamp
from app.read_retry import note_disconnect
from app.vocabulary.errors import StoreUnavailable

_STAMPS = sa.select(CacheStamp.__table__.c.key, CacheStamp.__table__.c.version)
_LOCK = threading.Lock()
_KEY = "df_stamp_reader"


def read(app: Flask) -> dict[str, int]:
    """Every stamp, read outside any transaction (again on a new connection if one was dead)."""
    engine, statement = _reader(app)
    try:
        rows = _fetch(engine, statement)
    except _LostConnection:
        try:
            rows = _fetch(engine, statement)
        except _LostConnection as exc:
            raise StoreUnavailable() from exc.__cause__
    return {key: version for key, version in rows}


class _LostConnection(Exception):
    """The pooled connection was dead; both pools were renewed."""


def _fetch(engine: sa.Engine, statement: str) -> list[Any]:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(statement)
            return cursor.fetchall()
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error as exc:
        if not driver_lost(exc):
            raise
        pooling.invalidate_pool(engine, connection, exc)
        pooling.invalidate_pool(db.engine)
        note_disconnect()
        raise _LostConnection() from exc
    finally:
        connection.close()


def _renew_with(reader: sa.Engine) -> Any:
    """A store ``handle_error`` listener renewing the reader's pool after a lost connection."""

    def renew(context: sa.engine.ExceptionContext) -> None:
        if context.is_disconnect and context.connection is not None:
            pooling.invalidate_pool(reader)

    return renew


def _reader(app: Flask) -> tuple[sa.Engine, str]:
    found = app.extensions.get(_KEY)
    if found is not None:
        return found
    with _LOCK:
        found = app.extensions.get(_KEY)
        if found is None:
            store: sa.Engine = db.engine
            options: dict[str, Any] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
            options.update(isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
            engine = sa.create_engine(store.url, **options)
            pooling.install(engine)
            event.listen(store, "engine_disposed", lambda _store: engine.dispose())
            event.listen(store, "handle_error", _renew_with(engine))
            found = (engine, str(_STAMPS.compile(dialect=engine.dialect)))
            app.extensions[_KEY] = found
    return found

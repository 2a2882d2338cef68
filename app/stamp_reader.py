"""Reading the cache stamps once per request, as cheaply as the store allows.

Every request reads the stamps (``app.cache``), so this one small query is on
the hot path of every call. It runs on a small pool of its own, in autocommit:
no BEGIN/ROLLBACK round trips, no reset when a connection goes back to the
pool, and the statement is compiled once and run on the driver's cursor. The
pool follows the store's engine: same URL and options, pinged only when idle,
disposed when the store's engine is.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from app.extensions import db
from app.models import CacheStamp
from app.pooling import install_idle_ping

_STAMPS = sa.select(CacheStamp.__table__.c.key, CacheStamp.__table__.c.version)
_LOCK = threading.Lock()
_KEY = "df_stamp_reader"


def read(app: Flask) -> dict[str, int]:
    """Every stamp, read outside any transaction."""
    engine, statement = _reader(app)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(statement)
            rows = cursor.fetchall()
        finally:
            cursor.close()
    finally:
        connection.close()
    return {key: version for key, version in rows}


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
            install_idle_ping(engine)
            event.listen(store, "engine_disposed", lambda _store: engine.dispose())
            found = (engine, str(_STAMPS.compile(dialect=engine.dialect)))
            app.extensions[_KEY] = found
    return found

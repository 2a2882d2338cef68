"""Connection pool hygiene shared by the system store and the SQL services' engines.

SQLAlchemy's ``pool_pre_ping`` tests every connection at every checkout: one
extra round trip per request. Instead a connection that sat unused in the pool
for ``PING_AFTER_IDLE`` seconds is tested before use, while a busy pool pays
nothing.

A busy pool learns that its server restarted from the first statement that
fails on a dead connection. Then every connection the pool opened until then
is dead as well: the whole pool is invalidated at once (each is replaced at
its next checkout), not one failed request per connection. SQLAlchemy does
that for what its dialect calls a disconnect; ``app.disconnects`` widens that
test to what a restart really looks like, so a pool recovers within one
failed statement under any load, without waiting for a quiet moment. The
request that met the dead connection is told (``app.read_retry``), so a read
can be run once more.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from app import disconnects, read_retry

logger = logging.getLogger(__name__)

PING_AFTER_IDLE = 5.0
"""Seconds a pooled connection may sit unused before it is pinged at checkout."""


def install(engine: sa.Engine) -> None:
    """Idle-only pings, whole-pool invalidation on a lost connection, commit notes."""
    if getattr(engine, "_df_pooling", False):
        return
    engine._df_pooling = True  # type: ignore[attr-defined]
    event.listen(engine, "handle_error", _on_error)
    event.listen(engine, "commit", _on_commit)

    @event.listens_for(engine, "checkin")
    def checkin(dbapi_connection: Any, record: Any) -> None:
        record.info["df_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("df_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure: the pool retries with a new one
            invalidate_pool(engine)  # its neighbours idled as long: replace them too
            raise sa.exc.DisconnectionError(str(exc)) from exc


def invalidate_pool(engine: sa.Engine, connection: Any = None, error: Any = None) -> None:
    """Replace every connection ``engine``'s pool opened until now, each at its next checkout.

    ``connection`` (a pooled connection found dead) is closed at once. This is
    the step SQLAlchemy itself takes after a disconnect, for failures on raw
    driver connections that SQLAlchemy never saw.
    """
    engine.pool._invalidate(connection, error)


def _on_error(context: sa.engine.ExceptionContext) -> None:
    """Count every lost-connection failure as a disconnect, and tell the request about it."""
    error = context.original_exception
    if not context.is_disconnect and disconnects.driver_lost(error):
        context.is_disconnect = True
    if not context.is_disconnect or context.connection is None:
        return  # a statement's own failure, or a connection that could not be opened
    if isinstance(error, context.dialect.loaded_dbapi.Error):
        context.invalidate_pool_on_disconnect = True
        logger.warning(
            "database=%s connection lost, pool renewed: %s",
            context.dialect.name,
            " ".join(str(error).split())[:200],
        )
        read_retry.note_disconnect()


def _on_commit(connection: sa.Connection) -> None:
    read_retry.note_commit()

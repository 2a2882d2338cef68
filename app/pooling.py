"""Connection pool hygiene shared by the system store and the SQL services' engines.

SQLAlchemy's ``pool_pre_ping`` tests every connection at every checkout: one
extra round trip per request. Instead a connection that sat unused in the pool
for ``PING_AFTER_IDLE`` seconds is tested before use, so a restarted database
is still noticed (the dead connection is replaced transparently), while a busy
pool pays nothing.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

PING_AFTER_IDLE = 5.0


def install_idle_ping(engine: sa.Engine) -> None:
    """Ping a connection at checkout when it sat idle; a dead one is replaced by the pool."""
    if getattr(engine, "_df_idle_ping", False):
        return
    engine._df_idle_ping = True  # type: ignore[attr-defined]

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
            raise sa.exc.DisconnectionError(str(exc)) from exc

"""Caching of hot system records, invalidated by version stamps in the system store.

Every write to a system record bumps the stamp of its table (table
``cache_stamp``, key = table name) inside the same transaction, so the new
data and the new stamp become visible together to every worker and every app
server sharing the store. A process keeps
loaded records in memory *under the stamp it read before loading them*; each
request reads the stamps once (one small query) and drops whatever was cached
under an older one. Nothing can go stale longer than the request that is already
running: there is no per-process state another process must remember to clear.

Per-service namespaces (``service:<id>``) let ``DELETE system/cache/{service}``
flush one service's derived caches (schemas, query results) without the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import CacheStamp, Record

T = TypeVar("T")

ALL = "all"
"""A namespace every cached entry depends on: bumping it flushes everything."""


@dataclass(frozen=True)
class ServiceInfo:
    """A service row as plain values, safe to keep between requests."""

    id: int
    name: str
    label: str | None
    description: str | None
    type: str
    is_active: bool
    mutable: bool
    deletable: bool
    config: dict[str, Any] = field(default_factory=dict)


def read_stamps() -> dict[str, int]:
    """All namespace versions, read once per request (or app context)."""
    if has_app_context() and "cache_stamps" in g:
        return g.cache_stamps
    rows = db.session.execute(sa.select(CacheStamp.key, CacheStamp.version)).all()
    stamps = {key: version for key, version in rows}
    if has_app_context():
        g.cache_stamps = stamps
    return stamps


def forget_stamps() -> None:
    """Make the next ``read_stamps`` go to the store again (after this request's own writes)."""
    if has_app_context():
        g.pop("cache_stamps", None)


class StampedCache:
    """Per-process memory of loaded records, valid only under the stamps they were loaded with."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[tuple[str, ...], str], tuple[tuple[int, ...], Any]] = {}

    def get(self, depends: tuple[str, ...], key: str, loader: Callable[[], T]) -> T:
        """The cached value for ``key``, loaded again when any namespace in ``depends`` moved."""
        stamps = read_stamps()
        version = (stamps.get(ALL, 0), *(stamps.get(n, 0) for n in depends))
        with self._lock:
            hit = self._entries.get((depends, key))
        if hit is not None and hit[0] == version:
            return hit[1]
        value = loader()
        with self._lock:
            self._entries[(depends, key)] = (version, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def get_cache() -> StampedCache:
    """This app's cache (each app object has its own, like each server process)."""
    return current_app.extensions.setdefault("df_cache", StampedCache())


def bump(connection: sa.Connection, namespace: str) -> None:
    """Increment a namespace's stamp on ``connection`` (inside the caller's transaction)."""
    table = CacheStamp.__table__
    updated = connection.execute(
        table.update().where(table.c.key == namespace).values(version=table.c.version + 1)
    )
    if updated.rowcount == 0:
        connection.execute(table.insert().values(key=namespace, version=1))


def bump_now(namespace: str) -> None:
    """Bump a stamp in its own transaction (explicit flushes such as ``system/cache``)."""
    with db.engine.begin() as connection:
        bump(connection, namespace)
    forget_stamps()


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    touched = session.info.setdefault("df_tables_touched", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Record):
            touched.add(obj.__tablename__)


def _after_flush(session: Session, flush_context: Any) -> None:
    touched = session.info.pop("df_tables_touched", None)
    if touched:
        connection = session.connection()
        for table in sorted(touched):
            bump(connection, table)
        forget_stamps()


def install_listeners() -> None:
    """Bump the stamps of the tables every flush writes system records to (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)

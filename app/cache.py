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
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app import stamp_reader
from app.extensions import db
from app.models import CacheStamp, Record

T = TypeVar("T")

ALL = "all"
"""A namespace every cached entry depends on: bumping it flushes everything."""

MAX_ENTRIES = 10_000
"""Entries one process keeps (least recently used go first): unknown API keys are
cached as misses too, and must not grow memory without bound."""


_STAMPS = sa.select(CacheStamp.__table__.c.key, CacheStamp.__table__.c.version)


def read_stamps() -> dict[str, int]:
    """All namespace versions, read once per request (or app context)."""
    in_context = has_app_context()
    if in_context:
        stamps = g.get("cache_stamps")
        if stamps is not None:
            return stamps
    session = current_session()
    if session is not None and session.in_transaction():
        # Read in the session's snapshot (MariaDB and SQLite keep one per transaction):
        # records it loads next are then never older than the stamps they are kept under.
        stamps = dict(session.execute(_STAMPS).all())
    else:
        # Outside a transaction, on a small autocommit pool of its own: the session's
        # snapshot, if it takes one, starts later, so what it loads is at least as new
        # as these stamps.
        stamps = stamp_reader.read(current_app)
    if in_context:
        g.cache_stamps = stamps
    return stamps


def current_session() -> Session | None:
    """This context's ORM session if one was started (asking ``db.session`` would start one)."""
    if not has_app_context():
        return None
    registry = db.session.registry
    if not getattr(registry, "registry", True):  # no session in any context: nothing to ask
        return None
    return registry() if registry.has() else None


def forget_stamps() -> None:
    """Make the next ``read_stamps`` go to the store again (after this request's own writes)."""
    if has_app_context():
        g.pop("cache_stamps", None)


class StampedCache:
    """Per-process memory of loaded records, valid only under the stamps they were loaded with."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._entries: OrderedDict[tuple[tuple[str, ...], str], tuple[tuple[int, ...], Any]] = (
            OrderedDict()
        )

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, depends: tuple[str, ...], key: str, loader: Callable[[], T]) -> T:
        """The cached value for ``key``, loaded again when any namespace in ``depends`` moved.

        While this session has uncommitted writes to one of ``depends`` the
        value is loaded fresh and not kept: it may still be rolled back.
        Within one request (app context) a value is looked up once: the
        request's ``_View`` remembers it for as long as the stamps it read stay.
        """
        pending = pending_namespaces()
        if pending and (ALL in pending or not pending.isdisjoint(depends)):
            return loader()
        entry = (depends, key)
        view = _view(self)
        if view is not None:
            found = view.values.get(entry, _MISSING)
            if found is not _MISSING:
                return found
            version = view.versions.get(depends)
            if version is None:
                stamps = view.stamps
                version = view.versions[depends] = (
                    stamps.get(ALL, 0),
                    *(stamps.get(n, 0) for n in depends),
                )
        else:
            stamps = read_stamps()
            version = (stamps.get(ALL, 0), *(stamps.get(n, 0) for n in depends))
        value = self._lookup(entry, version, loader)
        if view is not None and len(view.values) < _VIEW_VALUES:
            view.values[entry] = value
        return value

    def _lookup(self, entry: tuple, version: tuple[int, ...], loader: Callable[[], T]) -> T:
        hit = self._entries.get(entry)
        if hit is not None and hit[0] == version:
            try:
                self._entries.move_to_end(entry)
            except KeyError:  # dropped by another thread meanwhile: the value is still good
                pass
            return hit[1]
        value = loader()
        with self._lock:
            self._entries[entry] = (version, value)
            self._entries.move_to_end(entry)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_MISSING = object()

_VIEW_VALUES = 256
"""Values one request remembers (a long-lived app context must not grow without bound)."""


class _View:
    """What one request (app context) knows about a cache: the stamps it read, the
    version each set of namespaces has under them, and the values it looked up."""

    __slots__ = ("cache", "stamps", "values", "versions")

    def __init__(self, cache: StampedCache, stamps: dict[str, int]) -> None:
        self.cache = cache
        self.stamps = stamps
        self.versions: dict[tuple[str, ...], tuple[int, ...]] = {}
        self.values: dict[tuple, Any] = {}


def _view(cache: StampedCache) -> _View | None:
    """This context's view of ``cache``; a new one whenever the stamps were read again
    (after the request's own commit, or a flush) or another cache is in use."""
    if not has_app_context():
        return None
    namespace = g._get_current_object()
    view = namespace.__dict__.get("_df_cache_view")
    stamps = namespace.__dict__.get("cache_stamps")
    if view is not None and view.stamps is stamps and view.cache is cache:
        return view
    if stamps is None:
        stamps = read_stamps()
    view = namespace._df_cache_view = _View(cache, stamps)
    return view


def get_cache() -> StampedCache:
    """This app's cache (each app object has its own, like each server process)."""
    extensions = current_app.extensions
    cache = extensions.get("df_cache")
    if cache is None:
        cache = extensions.setdefault("df_cache", StampedCache())
    return cache


def bump(connection: sa.Connection, namespace: str) -> None:
    """Increment a namespace's stamp on ``connection`` (inside the caller's transaction).

    One atomic upsert, so two transactions bumping a namespace that has no row
    yet do not race on the insert: the second waits for the first and then
    increments its row.
    """
    table = CacheStamp.__table__
    dialect = connection.dialect.name
    if dialect == "postgresql":
        pg = pg_insert(table).values(key=namespace, version=1)
        statement = pg.on_conflict_do_update(
            index_elements=[table.c.key], set_={"version": table.c.version + 1}
        )
    elif dialect in ("mysql", "mariadb"):
        my = mysql_insert(table).values(key=namespace, version=1)
        statement = my.on_duplicate_key_update(version=table.c.version + 1)
    elif dialect == "sqlite":
        lite = sqlite_insert(table).values(key=namespace, version=1)
        statement = lite.on_conflict_do_update(
            index_elements=[table.c.key], set_={"version": table.c.version + 1}
        )
    else:  # pragma: no cover - the three supported stores are handled above
        updated = connection.execute(
            table.update().where(table.c.key == namespace).values(version=table.c.version + 1)
        )
        if updated.rowcount == 0:
            connection.execute(table.insert().values(key=namespace, version=1))
        return
    connection.execute(statement)


def bump_now(namespace: str) -> None:
    """Bump a stamp in its own transaction (explicit flushes such as ``system/cache``)."""
    table = CacheStamp.__table__
    with db.engine.begin() as connection:
        bump(connection, namespace)
        version = connection.execute(
            sa.select(table.c.version).where(table.c.key == namespace)
        ).scalar_one()
    # Not ``forget_stamps``: on MariaDB and SQLite a session already in a transaction
    # would read the stamps again in its older snapshot, without this bump. Only this
    # namespace moves; nothing the session reads from the store changed with it.
    if has_app_context():
        if "cache_stamps" in g:
            g.cache_stamps = {**g.cache_stamps, namespace: version}
        else:
            g.cache_stamps = stamp_reader.read(current_app)


# Bumping on writes ----------------------------------------------------------------------
#
# Tables written in a session are collected in ``session.info[PENDING]``: by
# flushes (ORM unit of work) and by UPDATE/DELETE/INSERT statements executed
# through the session (``session.execute(sa.update(Service)...)``). Their
# stamps are bumped once, in sorted order, just before the transaction
# commits, so writers always lock stamp rows in the same order (no deadlock
# between two transactions bumping the same namespaces). Until then the
# session's own reads of those namespaces bypass the cache. Statements run on
# a bare connection (``db.engine.begin()``) are not seen: only tables without
# cached records (``token_map``, ``rate_counter``, ``cache_stamp``) are written
# that way, or the writer bumps explicitly (``bump_now``).

PENDING = "df_cache_pending"


def _record_tables() -> frozenset[str]:
    return frozenset(
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, Record)
    )


_NOTHING: frozenset[str] = frozenset()


def pending_namespaces() -> AbstractSet[str]:
    """Namespaces written in the current, uncommitted transaction of ``db.session``."""
    session = current_session()
    if session is None:
        return _NOTHING
    return session.info.get(PENDING, _NOTHING)


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    touched = session.info.setdefault(PENDING, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Record):
            touched.add(obj.__tablename__)


def _do_orm_execute(state: Any) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name in _record_tables():
        state.session.info.setdefault(PENDING, set()).add(name)


def _before_commit(session: Session) -> None:
    session.flush()
    touched = session.info.get(PENDING)
    if touched:
        connection = session.connection()
        for namespace in sorted(touched):
            bump(connection, namespace)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None and session.info.pop(PENDING, None):
        forget_stamps()


def install_listeners() -> None:
    """Bump the stamps of the tables each commit wrote system records to (idempotent)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _do_orm_execute)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)

"""Counters in the system store's ``rate_counter`` table, for installs without Redis.

Each increment is one atomic upsert in its own short transaction on a
connection of its own (never the request's session, whose transaction may
be long or hold a stale snapshot):

- SQLite and PostgreSQL: ``INSERT ... ON CONFLICT (key, window_start) DO
  UPDATE SET count = count + 1 RETURNING count``;
- MariaDB/MySQL: ``INSERT ... ON DUPLICATE KEY UPDATE count = count + 1``,
  then the row is read back inside the same transaction, which still holds
  its lock.

InnoDB may answer two concurrent first inserts of one key with a deadlock,
and SQLite a busy writer with "database is locked": such transient errors
are retried a few times, then the counter fails open (logged). Rows whose
window has passed are deleted at most every ``PRUNE_INTERVAL`` seconds per
process.

``take`` increments every counter in one transaction (in key order, so two
takes lock shared rows in the same order) and rolls it back when one of them
went over its limit: each upsert holds its row's lock until the end, so
concurrent takes queue on the row and see each other's counts. After the
retries it raises ``CounterStoreDown`` instead of failing open.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from app.counters import windows
from app.counters.protocol import Counter, CounterStoreDown
from app.extensions import db
from app.models import RateCounter

logger = logging.getLogger(__name__)

PRUNE_INTERVAL = 300
"""Seconds between two deletions of expired rows by one process."""

ATTEMPTS = 5
"""Tries of one increment before giving up on transient errors."""

TABLE = RateCounter.__table__


class SqlCounterStore:
    """``CounterStore`` on ``rate_counter`` in the system store (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_prune = 0

    def hit(self, key: str, window_start: int, expires_at: int, limit_id: int | None = None) -> int:
        self._maybe_prune()
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with db.engine.begin() as conn:
                    return _increment(conn, key, window_start, expires_at, limit_id)
            except sa.exc.IntegrityError:
                # the limit was deleted between loading it and counting: nothing to count
                logger.info("counter %s not counted: its limit is gone", key)
                return 0
            except sa.exc.OperationalError as exc:
                if attempt == ATTEMPTS:
                    logger.error("counter %s not counted (failing open): %s", key, exc.orig)
                    return 0
                logger.warning("counter %s: transient error, retrying: %s", key, exc.orig)
        return 0  # pragma: no cover - the loop always returns

    def take(
        self, keys: list[str], limits: list[int], window_start: int, expires_at: int
    ) -> list[int] | None:
        self._maybe_prune()
        order = sorted(range(len(keys)), key=lambda i: keys[i])
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with db.engine.connect() as conn, conn.begin() as transaction:
                    counts = [0] * len(keys)
                    for i in order:
                        counts[i] = _increment(conn, keys[i], window_start, expires_at, None)
                        if counts[i] > limits[i]:
                            transaction.rollback()
                            return None
                    return counts
            except sa.exc.OperationalError as exc:
                if attempt == ATTEMPTS:
                    raise CounterStoreDown(str(exc.orig)) from exc
                logger.warning("counters %s: transient error, retrying: %s", keys, exc.orig)
        return None  # pragma: no cover - the loop always returns or raises

    def give_back(self, keys: list[str], window_start: int) -> None:
        statement = (
            TABLE.update()
            .where(TABLE.c.key.in_(sorted(keys)), TABLE.c.window_start == window_start)
            .where(TABLE.c.count > 0)
            .values(count=TABLE.c.count - 1)
        )
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with db.engine.begin() as conn:
                    conn.execute(statement)
                return
            except sa.exc.OperationalError as exc:
                if attempt == ATTEMPTS:
                    raise CounterStoreDown(str(exc.orig)) from exc
                logger.warning("counters %s: transient error, retrying: %s", keys, exc.orig)

    def peek(self, key: str, window_start: int) -> int:
        query = sa.select(TABLE.c.count).where(
            TABLE.c.key == key, TABLE.c.window_start == window_start
        )
        with db.engine.connect() as conn:
            return conn.execute(query).scalar() or 0

    def reset(self, key: str, window_start: int) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                TABLE.delete().where(TABLE.c.key == key, TABLE.c.window_start == window_start)
            )

    def reset_prefix(self, prefix: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(TABLE.delete().where(TABLE.c.key.startswith(prefix, autoescape=True)))

    def counters(self, prefix: str) -> list[Counter]:
        query = (
            sa.select(TABLE.c.key, TABLE.c.window_start, TABLE.c.count)
            .where(TABLE.c.key.startswith(prefix, autoescape=True))
            .where(TABLE.c.expires_at > windows.now())
            .order_by(TABLE.c.key, TABLE.c.window_start)
        )
        with db.engine.connect() as conn:
            return [Counter(*row) for row in conn.execute(query)]

    def prune(self) -> int:
        """Delete the rows of windows that have ended; returns how many went."""
        with db.engine.begin() as conn:
            result = conn.execute(TABLE.delete().where(TABLE.c.expires_at <= windows.now()))
        return result.rowcount or 0

    def _maybe_prune(self) -> None:
        at = windows.now()
        with self._lock:
            if at < self._next_prune:
                return
            self._next_prune = at + PRUNE_INTERVAL
        try:
            removed = self.prune()
        except sa.exc.OperationalError as exc:
            logger.warning("pruning expired counters failed: %s", exc.orig)
            return
        if removed:
            logger.debug("pruned %d expired counters", removed)


def _increment(
    conn: sa.Connection, key: str, window_start: int, expires_at: int, limit_id: int | None
) -> int:
    values = {
        "key": key,
        "window_start": window_start,
        "count": 1,
        "expires_at": expires_at,
        "limit_id": limit_id,
    }
    kind = conn.dialect.name
    if kind in ("mysql", "mariadb"):
        conn.execute(
            mysql.insert(TABLE).values(**values).on_duplicate_key_update(count=TABLE.c.count + 1)
        )
        return conn.execute(
            sa.select(TABLE.c.count).where(TABLE.c.key == key, TABLE.c.window_start == window_start)
        ).scalar_one()
    insert = postgresql.insert if kind == "postgresql" else sqlite.insert
    statement = (
        insert(TABLE)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[TABLE.c.key, TABLE.c.window_start],
            set_={"count": TABLE.c.count + 1},
        )
        .returning(TABLE.c.count)
    )
    return conn.execute(statement).scalar_one()

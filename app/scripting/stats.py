"""Run count, errors and time of every script, totalled across processes.

Each process counts runs in memory (``record`` costs a dict update under a
lock) and adds what it counted to the shared totals ``SCRIPT_STATS_FLUSH``
seconds after the first run it has not yet added (a timer thread, so a burst
of runs followed by silence is not left behind), when the process exits
(``atexit``), and whenever the totals are read, so a process always reads
its own runs. A run therefore shows on every node, through every process, at
most ``SCRIPT_STATS_FLUSH`` seconds (plus the write) after it ended. The
shared totals live in Redis when ``REDIS_URL`` is set (one hash per script,
``HINCRBY``), else in the system store's ``script_stat`` table (one atomic
upsert per script per flush). A process that is killed loses at most its
last ``SCRIPT_STATS_FLUSH`` seconds of counts; a forked child starts with
none of its parent's. If the shared store cannot be reached the counts are
logged and dropped: statistics never fail a request.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import redis_errors
from app.extensions import db
from app.models.script import ScriptStat
from app.vocabulary.errors import ServiceUnavailable

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)

EXTENSION_KEY = "df_script_stats"
ERROR_CHARS = 255
"""Characters of the latest error message kept."""


@dataclass
class Delta:
    runs: int = 0
    errors: int = 0
    total_ms: float = 0.0
    last_run_at: int | None = None
    last_error: str | None = None


class StatsRecorder:
    """This process's uncounted runs, and the shared store they are added to."""

    def __init__(
        self, redis_url: str | None, prefix: str, interval: float, engine: sa.Engine
    ) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, Delta] = {}
        self._timer: threading.Timer | None = None
        self._interval = interval
        self._engine = engine
        self._redis = None
        self._prefix = prefix
        if redis_url:
            self._redis = redis.Redis.from_url(redis_url)
        _remember(self)

    def record(self, name: str, elapsed: float, error: str | None) -> None:
        with self._lock:
            delta = self._pending.setdefault(name, Delta())
            delta.runs += 1
            delta.total_ms += elapsed * 1000.0
            delta.last_run_at = int(time.time())
            if error is not None:
                delta.errors += 1
                delta.last_error = error[:ERROR_CHARS]
            now = self._interval <= 0
            if not now and self._timer is None:
                self._timer = threading.Timer(self._interval, self._flush_on_time)
                self._timer.daemon = True
                self._timer.start()
        if now:
            self.flush()

    def _flush_on_time(self) -> None:
        with self._lock:
            self._timer = None  # a run from now on starts the next delay
        self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        try:
            if self._redis is not None:
                self._flush_redis(pending)
            else:
                _flush_sql(self._engine, pending)
        except Exception:  # statistics must never fail the request that ran the script
            logger.exception("script stats not saved: %d script(s) dropped", len(pending))

    def forget_inherited(self) -> None:
        """In a forked child: the parent's counts and timer are the parent's to add."""
        self._lock = threading.Lock()
        self._pending = {}
        self._timer = None

    def _flush_redis(self, pending: dict[str, Delta]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for name, delta in pending.items():
            key = f"{self._prefix}script_stats:{name}"
            pipe.sadd(f"{self._prefix}script_stats", name)
            pipe.hincrby(key, "runs", delta.runs)
            pipe.hincrby(key, "errors", delta.errors)
            pipe.hincrbyfloat(key, "total_ms", delta.total_ms)
            pipe.hset(key, "last_run_at", delta.last_run_at or 0)
            if delta.last_error is not None:
                pipe.hset(key, "last_error", delta.last_error)
        pipe.execute()

    def totals(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every script's totals (or one script's), this process's counts included."""
        self.flush()
        if self._redis is not None:
            rows = self._on_redis(self._read_redis, name)
        else:
            table = ScriptStat.__table__
            query = sa.select(table).order_by(table.c.name)
            if name is not None:
                query = query.where(table.c.name == name)
            with self._engine.connect() as connection:
                rows = [dict(r._mapping) for r in connection.execute(query)]
        return [_shape(row) for row in rows]

    def _read_redis(self, name: str | None) -> list[dict[str, Any]]:
        names = (
            [name]
            if name is not None
            else sorted(n.decode() for n in self._redis.smembers(f"{self._prefix}script_stats"))
        )
        pipe = self._redis.pipeline(transaction=False)
        for item in names:
            pipe.hgetall(f"{self._prefix}script_stats:{item}")
        rows = []
        for item, raw in zip(names, pipe.execute(), strict=True):
            if not raw:
                continue
            values = {k.decode(): v.decode() for k, v in raw.items()}
            rows.append(
                {
                    "name": item,
                    "runs": int(values.get("runs", 0)),
                    "errors": int(values.get("errors", 0)),
                    "total_ms": float(values.get("total_ms", 0.0)),
                    "last_run_at": int(values.get("last_run_at") or 0) or None,
                    "last_error": values.get("last_error"),
                }
            )
        return rows

    def reset(self, name: str | None = None) -> None:
        """Forget the totals of one script, or of all."""
        self.flush()
        if self._redis is not None:
            self._on_redis(self._reset_redis, name)
            return
        statement = sa.delete(ScriptStat)
        if name is not None:
            statement = statement.where(ScriptStat.name == name)
        with self._engine.begin() as connection:
            connection.execute(statement)

    def _reset_redis(self, name: str | None) -> None:
        names = (
            [name]
            if name is not None
            else [n.decode() for n in self._redis.smembers(f"{self._prefix}script_stats")]
        )
        if names:
            self._redis.delete(*(f"{self._prefix}script_stats:{n}" for n in names))
            self._redis.srem(f"{self._prefix}script_stats", *names)

    def _on_redis(self, operation: Callable[[str | None], Any], name: str | None) -> Any:
        """``operation(name)`` on Redis; a 503 saying what is wrong when Redis fails."""
        try:
            return operation(name)
        except redis.RedisError as exc:
            message = redis_errors.describe("Script statistics", self._redis, exc)
            raise ServiceUnavailable(message) from None

    def close(self) -> None:
        """Add what is left to the totals and let go of Redis (an app's last act)."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join()  # a flush under way ends before its client is closed
        self.flush()
        if self._redis is not None:
            self._redis.close()


def _shape(row: dict[str, Any]) -> dict[str, Any]:
    runs = int(row["runs"] or 0)
    total = round(float(row["total_ms"] or 0.0), 3)
    last = row.get("last_run_at")
    return {
        "name": row["name"],
        "runs": runs,
        "errors": int(row["errors"] or 0),
        "total_ms": total,
        "avg_ms": round(total / runs, 3) if runs else 0.0,
        "last_run_at": (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(last)) if last else None),
        "last_error": row.get("last_error"),
    }


def _flush_sql(engine: sa.Engine, pending: dict[str, Delta]) -> None:
    """Add each script's counts with one atomic upsert, in name order (no deadlocks)."""
    table = ScriptStat.__table__
    with engine.begin() as connection:
        for name in sorted(pending):
            delta = pending[name]
            values = {
                "name": name,
                "runs": delta.runs,
                "errors": delta.errors,
                "total_ms": delta.total_ms,
                "last_run_at": delta.last_run_at,
                "last_error": delta.last_error,
            }
            connection.execute(_upsert(connection.dialect.name, table, values, delta))


def _upsert(dialect: str, table: sa.Table, values: dict[str, Any], delta: Delta) -> Any:
    changes: dict[str, Any] = {
        "runs": table.c.runs + delta.runs,
        "errors": table.c.errors + delta.errors,
        "total_ms": table.c.total_ms + delta.total_ms,
        "last_run_at": delta.last_run_at,
    }
    if delta.last_error is not None:
        changes["last_error"] = delta.last_error
    if dialect == "postgresql":
        return (
            pg_insert(table)
            .values(**values)
            .on_conflict_do_update(index_elements=[table.c.name], set_=changes)
        )
    if dialect in ("mysql", "mariadb"):
        return mysql_insert(table).values(**values).on_duplicate_key_update(**changes)

    return (
        sqlite_insert(table)
        .values(**values)
        .on_conflict_do_update(index_elements=[table.c.name], set_=changes)
    )


def get_recorder() -> StatsRecorder:
    """This app's recorder, built on first use."""
    recorder = current_app.extensions.get(EXTENSION_KEY)
    if recorder is None:
        config = current_app.config
        recorder = current_app.extensions.setdefault(
            EXTENSION_KEY,
            StatsRecorder(
                config.get("REDIS_URL"),
                config.get("REDIS_PREFIX", "df:"),
                float(config.get("SCRIPT_STATS_FLUSH", 2)),
                db.engine,
            ),
        )
    return recorder


def close_recorder(app: Flask) -> None:
    """Add an app's last counts to the totals and close its Redis client (the app is done)."""
    recorder = app.extensions.pop(EXTENSION_KEY, None)
    if recorder is not None:
        recorder.close()


def record(name: str, elapsed: float, error: str | None) -> None:
    """Count one run of ``name`` (``error`` is its message when it failed)."""
    get_recorder().record(name, elapsed, error)


# -- every recorder of this process ----------------------------------------------------

_RECORDERS: weakref.WeakSet[StatsRecorder] = weakref.WeakSet()


def _remember(recorder: StatsRecorder) -> None:
    _RECORDERS.add(recorder)
    _install_process_hooks()


@functools.cache
def _install_process_hooks() -> None:
    """Once per process: flush at exit, forget the parent's counts in a forked child."""
    atexit.register(flush_all)
    os.register_at_fork(after_in_child=forget_inherited_counts)


def flush_all() -> None:
    """Add every recorder's counts to the shared totals (at exit)."""
    for recorder in list(_RECORDERS):
        recorder.flush()


def forget_inherited_counts() -> None:
    """After a fork, in the child: counts of the parent are not ours to add."""
    for recorder in list(_RECORDERS):
        recorder.forget_inherited()

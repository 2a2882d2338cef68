"""SQLite with several writers at once: WAL, a busy timeout, write transactions that lock first.

SQLite lets one connection write at a time; the others wait for the write
lock in SQLite's busy handler, up to ``SQLITE_BUSY_TIMEOUT`` seconds. But a
connection waits only if it holds no read snapshot yet: a *deferred*
transaction that read first and then writes cannot wait (what it read may be
stale by then), so SQLite answers "database is locked" at once and the write
is lost. Hence, for the system store and every ``sqlite`` service:

- the WAL journal: readers never wait for a writer, nor a writer for readers;
- write transactions begin with ``BEGIN IMMEDIATE``, which takes the write
  lock (waiting for it) before the transaction's first read;
- "database is locked" after that means the wait ran out: a 503 (the
  database is busy), never a 400.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

logger = logging.getLogger(__name__)

SQLITE_BUSY = 5
"""SQLite's result code for a lock it could not get (extended codes keep it in the low byte)."""


def use_wal(dbapi_connection: Any) -> None:
    """Switch the database to the WAL journal (kept in the file; a no-op once it is WAL).

    A database that cannot switch (read-only, or locked past the timeout by
    a writer in the old journal mode) keeps working as it was; the next new
    connection tries again.
    """
    cursor = dbapi_connection.cursor()
    try:
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()
    except sqlite3.Error as exc:
        logger.warning("could not switch an SQLite database to WAL: %s", exc)
        return
    finally:
        cursor.close()
    if mode and mode[0] not in ("wal", "memory"):
        logger.warning("SQLite database stays in journal mode %s instead of WAL", mode[0])


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver error inside it) is SQLite's "database is locked"."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == SQLITE_BUSY
    return "database is locked" in str(orig)

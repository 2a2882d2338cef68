"""A test's seeded store put back from rows taken once, instead of seeded anew.

Every test starts from the same store: the defaults ``seed()`` inserts and the
one admin. Seeding through the ORM on each test's new engine recompiled every
statement and hashed the admin's password again, tens of milliseconds a test.
So the first test on a store seeds it the real way (``take`` then reads the
rows back); every later one empties the tables and inserts those rows again
(``put_back``) on one engine kept for the store, whose statements stay
compiled, and moves the id counters to where seeding left them: a test sees
the very rows, ids and counters a real seeding would have given it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from tests import dbservers


@dataclass
class Snapshot:
    engine: sa.Engine
    """The store's own engine for taking and putting back rows (kept for the session)."""
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Table name → its seeded rows; empty until ``take``."""
    counters: dict[str, Any] = field(default_factory=dict)
    """The id counters as seeding left them: PostgreSQL's sequences, MariaDB's tables'."""


_snapshots: dict[str, Snapshot] = {}


def track(url: str) -> None:
    """Put back seeded rows for ``url`` from now on (a store made for the session)."""
    options = {**dbservers.pool_options(url), "pool_pre_ping": True}
    _snapshots[url] = Snapshot(sa.create_engine(url, **options))


def forget(url: str) -> None:
    """Stop tracking ``url`` and close its connections (before the database is dropped)."""
    snapshot = _snapshots.pop(url, None)
    if snapshot is not None:
        snapshot.engine.dispose()


def _tables() -> list[sa.Table]:
    from app.extensions import db

    return db.metadata.sorted_tables


COUNTERS = {
    "postgresql": "SELECT sequencename, last_value FROM pg_sequences "
    "WHERE schemaname = current_schema()",
    "mysql": "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES "
    "WHERE TABLE_SCHEMA = DATABASE()",
}
"""How to read the id counters, by dialect (SQLite's are moved by the inserts themselves)."""


def _counters(conn: sa.Connection) -> dict[str, Any]:
    query = COUNTERS.get(conn.dialect.name)
    return dict(conn.execute(sa.text(query)).all()) if query else {}


def take(url: str) -> None:
    """Keep the rows and id counters of tracked store ``url`` as they are now (just seeded)."""
    snapshot = _snapshots.get(url)
    if snapshot is None:
        return
    with snapshot.engine.connect() as conn:
        for table in _tables():
            rows = [dict(row) for row in conn.execute(sa.select(table)).mappings()]
            snapshot.rows[table.name] = rows
        snapshot.counters = _counters(conn)


def put_back(url: str) -> bool:
    """Make tracked store ``url`` hold the kept rows again; False when none are kept."""
    snapshot = _snapshots.get(url)
    if snapshot is None or not snapshot.rows:
        return False
    tables = _tables()
    with snapshot.engine.begin() as conn:
        kind = conn.dialect.name
        if kind == "mysql":
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS=0"))
        for table in reversed(tables):
            conn.execute(table.delete())
        moved = {
            name: snapshot.counters.get(name)
            for name, value in _counters(conn).items()
            if value != snapshot.counters.get(name)
        }
        _restart_counters(conn, kind, moved)
        for table in tables:
            rows = snapshot.rows.get(table.name)
            if rows:
                conn.execute(table.insert(), rows)
        if kind == "mysql":
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS=1"))
    return True


def _restart_counters(conn: sa.Connection, kind: str, moved: dict[str, Any]) -> None:
    """Put back the id counters a test moved (``moved``: name → seeded value) of the now empty
    tables. Inserting the seeded rows with their ids moves SQLite's and MariaDB's counters to
    where seeding left them, not PostgreSQL's sequences: those are set to it here."""
    if kind == "postgresql":
        for sequence, seeded in moved.items():
            if seeded is None:
                conn.execute(sa.text(f'ALTER SEQUENCE "{sequence}" RESTART'))
            else:
                conn.execute(
                    sa.text("SELECT setval(:name, :value)"),
                    {"name": f'"{sequence}"', "value": seeded},
                )
    elif kind == "mysql":
        for table in moved:
            conn.execute(sa.text(f"ALTER TABLE `{table}` AUTO_INCREMENT = 1"))
    else:
        has_sequences = conn.execute(
            sa.text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
        ).first()
        if has_sequences:
            conn.execute(sa.text("DELETE FROM sqlite_sequence"))

"""Deleting a system record together with what depends on it, alike on every backend.

The schema declares ``ON DELETE CASCADE`` / ``SET NULL`` on its foreign keys,
but SQLite honours them only with ``PRAGMA foreign_keys=ON``, and rows the
database changes by itself never pass through the session, so the cache stamps
of their tables would not move. ``remove`` therefore applies each referencing
foreign key's rule through the session first — dependent rows are removed
(recursively) or have the reference cleared — and then deletes the record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from app.extensions import db


def _references(table: sa.Table) -> Iterator[tuple[type[Any], sa.Column, sa.Column, str]]:
    """(class, referencing column, referenced column, rule) per foreign key into ``table``."""
    for mapper in db.Model.registry.mappers:
        other = mapper.local_table
        if other is table or not isinstance(other, sa.Table):
            continue
        for fk in other.foreign_keys:
            if fk.column.table is table:
                yield mapper.class_, fk.parent, fk.column, (fk.ondelete or "").upper()


def remove(record: Any) -> None:
    """Delete ``record`` after cascading or nulling the rows that reference it."""
    table = record.__table__
    for cls, column, target, rule in _references(table):
        if rule not in ("CASCADE", "SET NULL"):
            continue
        value = getattr(record, sa.inspect(type(record)).get_property_by_column(target).key)
        attribute = sa.inspect(cls).get_property_by_column(column).key
        rows = db.session.scalars(sa.select(cls).where(column == value)).all()
        for row in rows:
            if rule == "CASCADE":
                remove(row)
            else:
                setattr(row, attribute, None)
    # Flush the dependents first: tables related only by a foreign key (no ORM
    # relationship) have no delete order in the unit of work, and a parent deleted first
    # lets the database's own ON DELETE CASCADE take the children the session still
    # means to delete ("expected to delete 2 rows; 0 were matched").
    db.session.flush()
    db.session.delete(record)

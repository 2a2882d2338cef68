"""A plan of changes to one table (``alter.plan_changes`` makes it) and the Alembic
operations that run it; ``alter`` applies it on PostgreSQL and MySQL/MariaDB,
``sqlite_rebuild`` on SQLite."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from app.services.sql.ddl import Reference
from app.services.sql.fieldspec import FieldSpec

UNCHANGED: Any = object()
"""An alteration that leaves the column's default as it is."""


@dataclass
class Alteration:
    name: str
    column: sa.Column
    type: sa.types.TypeEngine | None = None
    nullable: bool | None = None
    default: Any = UNCHANGED


@dataclass
class Plan:
    """What to change in ``table``, in the order the statements run."""

    table: sa.Table
    drop_fk: list[str] = field(default_factory=list)
    drop_unique: list[str] = field(default_factory=list)
    drop_index: list[str] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    alter: list[Alteration] = field(default_factory=list)
    add: list[sa.Column] = field(default_factory=list)
    add_unique: list[str] = field(default_factory=list)
    add_index: list[str] = field(default_factory=list)
    add_fk: list[tuple[FieldSpec, Reference]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(
            (self.drop_fk, self.drop_unique, self.drop_index, self.drop, self.alter)
            + (self.add, self.add_unique, self.add_index, self.add_fk)
        )


class _QuietContext(logging.Filter):
    """Drops the two lines Alembic logs whenever a migration context is made."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("Context impl", "Will assume"))


_QUIET = _QuietContext()


def operations(connection: sa.Connection) -> Operations:
    """Alembic's operations on the service connection (its per-call log lines muted)."""
    migration_logger = logging.getLogger("alembic.runtime.migration")
    if _QUIET not in migration_logger.filters:
        migration_logger.addFilter(_QUIET)
    return Operations(MigrationContext.configure(connection=connection))

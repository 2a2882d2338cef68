"""SQLite's way of altering a table: build the new one, copy the rows, swap the names.

SQLite cannot change a column's type, NULL-ness or default, nor drop keys,
in place. Following its documented procedure, the table is rebuilt in the
caller's transaction: the new definition (the reflected table with the
plan applied, keys and references included) is created under a temporary
name, the kept columns are copied, the old table is dropped, the new one
renamed, and its indexes created again. Foreign key enforcement must be off
meanwhile, which only works outside a transaction: ``foreign_keys_paused``
does that around the caller's transaction and checks the table's references
before it commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.services.sql.ddl import constraint_name, reflect
from app.services.sql.plan import UNCHANGED, operations
from app.vocabulary.errors import BadRequest

if TYPE_CHECKING:
    from app.services.sql.plan import Plan

TEMPORARY_PREFIX = "_df_new_"
"""Prefix of the table being built while a table is rebuilt."""


@contextmanager
def foreign_keys_paused(connection: sa.Connection) -> Iterator[None]:
    """SQLite: foreign keys off and the legacy rename (no rewriting of references) meanwhile."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        connection.commit()
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute("PRAGMA legacy_alter_table = ON")
    try:
        yield
    finally:
        raw.execute("PRAGMA legacy_alter_table = OFF")
        raw.execute("PRAGMA foreign_keys = ON")


def check_references(connection: sa.Connection, table: str) -> None:
    """Refuse a change that leaves rows of ``table`` pointing at nothing."""
    rows = connection.execute(sa.text("SELECT * FROM pragma_foreign_key_check(:t)"), {"t": table})
    if rows.first() is not None:
        raise BadRequest(f"The change leaves records of '{table}' referring to missing records.")


def _column(column: sa.Column, plan: Plan) -> sa.Column:
    change = next((c for c in plan.alter if c.name == column.key), None)
    default: Any = column.server_default.arg if column.server_default is not None else None
    kind, nullable = column.type, column.nullable
    if change is not None:
        kind = change.type if change.type is not None else kind
        nullable = change.nullable if change.nullable is not None else nullable
        default = default if change.default is UNCHANGED else change.default
    return sa.Column(
        column.key,
        kind,
        primary_key=column.primary_key,
        autoincrement=column.autoincrement,
        nullable=nullable,
        server_default=default,
    )


def rebuild(connection: sa.Connection, schema_name: str | None, plan: Plan) -> None:
    """Rebuild ``plan.table`` with the plan applied, inside the caller's transaction."""
    name = plan.table.name
    dialect = connection.dialect
    metadata = sa.MetaData()
    old = reflect(connection, name, schema_name, metadata, resolve_fks=True)
    dropped = set(plan.drop)
    kept = [c for c in old.c if c.key not in dropped]
    items: list[Any] = [_column(c, plan) for c in kept]
    items += [column._copy() for column in plan.add]
    for item in old.constraints:
        columns = [c.key for c in item.columns] if hasattr(item, "columns") else []
        if isinstance(item, sa.PrimaryKeyConstraint) or dropped & set(columns):
            continue
        if isinstance(item, sa.UniqueConstraint):
            if columns == [columns[0]] and columns[0] in plan.drop_unique:
                continue
            items.append(sa.UniqueConstraint(*columns, name=item.name))
        elif isinstance(item, sa.ForeignKeyConstraint):
            if len(columns) == 1 and columns[0] in plan.drop_fk:
                continue
            items.append(
                sa.ForeignKeyConstraint(
                    columns,
                    [e.target_fullname for e in item.elements],
                    name=item.name,
                    onupdate=item.onupdate,
                    ondelete=item.ondelete,
                )
            )
        elif isinstance(item, sa.CheckConstraint):
            text = str(item.sqltext)
            if not any(d in text for d in dropped):
                items.append(sa.CheckConstraint(item.sqltext, name=item.name))
    for column in plan.add_unique:
        items.append(sa.UniqueConstraint(column, name=constraint_name("uq", name, column, dialect)))
    for spec, reference in plan.add_fk:
        if reference.table not in metadata.tables:
            reflect(connection, reference.table, schema_name, metadata)
        items.append(
            sa.ForeignKeyConstraint(
                [spec.name],
                [f"{reference.table}.{reference.field}"],
                name=constraint_name("fk", name, spec.name, dialect),
                onupdate=spec.ref_on_update,
                ondelete=spec.ref_on_delete,
            )
        )
    indexes = _indexes(old, plan, dialect)
    new = sa.Table(f"{TEMPORARY_PREFIX}{name}", metadata, *items, schema=schema_name)
    new.create(connection)
    names = [c.key for c in kept]
    if names:
        connection.execute(new.insert().from_select(names, sa.select(*[old.c[n] for n in names])))
    old.drop(connection)
    ops = operations(connection)
    ops.rename_table(new.name, name, schema=schema_name)
    for index_name, columns, unique in indexes:
        ops.create_index(index_name, name, columns, unique=unique, schema=schema_name)
    check_references(connection, name)


def _indexes(old: sa.Table, plan: Plan, dialect: sa.Dialect) -> list[tuple[str, list[str], bool]]:
    """Indexes of the rebuilt table: the old ones still wanted, then the new ones."""
    dropped = set(plan.drop)
    found = []
    for index in old.indexes:
        columns = [c.key for c in index.columns]
        if not index.name or dropped & set(columns):
            continue
        single = columns[0] if len(columns) == 1 else None
        if single and (
            (index.unique and single in plan.drop_unique)
            or (not index.unique and single in plan.drop_index)
        ):
            continue
        found.append((index.name, columns, bool(index.unique)))
    for column in plan.add_index:
        found.append((constraint_name("ix", old.name, column, dialect), [column], False))
    return found

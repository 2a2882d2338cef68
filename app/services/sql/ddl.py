"""Creating and dropping tables from DreamFactory field definitions, with SQLAlchemy DDL.

``new_column`` and ``table_constraints`` turn ``FieldSpec``s into SQLAlchemy
columns, keys and indexes; names of constraints and indexes follow one
convention (``uq_<table>_<field>``, ``ix_...``, ``fk_...``, shortened with a
hash past the dialect's identifier length) so later changes can find them.
Every identifier is quoted by SQLAlchemy; no statement is built as text.

A reference (``ref_table``/``ref_field``) is checked against the database:
the referenced table must exist (or be the table being created) and the
field defaults to its one-column primary key; the new column takes the
referenced column's type unless the client named one.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, SAWarning

from app.services.sql.coltypes import server_default, sql_type
from app.services.sql.extras import TABLE_NAME as EXTRAS_TABLE
from app.services.sql.fieldspec import MAX_NAME, FieldSpec, check_name
from app.services.sql.schema import normalize
from app.vocabulary.errors import BadRequest, NotFound


def max_name(dialect: sa.Dialect) -> int:
    """Longest identifier accepted: ours, or the dialect's when shorter (PostgreSQL: 63)."""
    return min(MAX_NAME, dialect.max_identifier_length or MAX_NAME)


def check_table_name(name: Any, dialect: sa.Dialect) -> str:
    name = check_name(name, "Table", max_name(dialect))
    if name.lower() == EXTRAS_TABLE:
        raise BadRequest(f"The table name '{name}' is reserved.")
    return name


def constraint_name(prefix: str, table: str, column: str, dialect: sa.Dialect) -> str:
    """``<prefix>_<table>_<column>``, shortened with a stable hash when too long."""
    name = f"{prefix}_{table}_{column}"
    limit = max_name(dialect)
    if len(name) <= limit:
        return name
    digest = hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{name[: limit - 9]}_{digest}"


def reflect(
    connection: sa.Connection,
    name: str,
    schema_name: str | None,
    metadata: sa.MetaData | None = None,
    resolve_fks: bool = False,
) -> sa.Table:
    """The table as the database has it now (not the cached schema); 404 when missing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            table = sa.Table(
                name,
                metadata if metadata is not None else sa.MetaData(),
                autoload_with=connection,
                schema=schema_name,
                resolve_fks=resolve_fks,
            )
    except NoSuchTableError:
        raise NotFound(f'Table "{name}" does not exist in the database.') from None
    return normalize(table)


def table_names(connection: sa.Connection, schema_name: str | None) -> dict[str, str]:
    """Lower-cased name → name of every table and view, as the database has them now."""
    inspector = sa.inspect(connection)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        names = inspector.get_table_names(schema=schema_name)
        names += inspector.get_view_names(schema=schema_name)
    return {n.lower(): n for n in names if n != EXTRAS_TABLE}


@dataclass
class Reference:
    """A checked foreign key target."""

    table: str
    field: str
    type: sa.types.TypeEngine | None


def resolve_reference(
    connection: sa.Connection,
    schema_name: str | None,
    spec: FieldSpec,
    own: tuple[str, list[FieldSpec]] | None = None,
) -> Reference:
    """Where ``spec`` points, checked; ``own`` is the table being created (self references)."""
    assert spec.ref_table is not None
    if own is not None and spec.ref_table.lower() == own[0].lower():
        fields = {f.name.lower(): f for f in own[1]}
        name = spec.ref_field or next((f.name for f in own[1] if f.primary), None)
        target = fields.get(name.lower()) if name else None
        if target is None:
            raise BadRequest(f"Referenced field for '{spec.name}' not found in '{own[0]}'.")
        kind = sql_type(target, connection.dialect) if target.type or target.db_type else None
        return Reference(own[0], target.name, kind)
    names = table_names(connection, schema_name)
    real = names.get(spec.ref_table.lower())
    if real is None:
        raise BadRequest(
            f"Referenced table '{spec.ref_table}' of field '{spec.name}' does not exist."
        )
    table = reflect(connection, real, schema_name)
    if spec.ref_field:
        column = next((c for c in table.c if c.key.lower() == spec.ref_field.lower()), None)
    else:
        keys = list(table.primary_key.columns)
        column = keys[0] if len(keys) == 1 else None
    if column is None:
        raise BadRequest(
            f"Referenced field '{spec.ref_field or 'primary key'}' of field '{spec.name}' "
            f"not found in table '{real}'."
        )
    return Reference(real, str(column.key), column.type)


def new_column(
    spec: FieldSpec, dialect: sa.Dialect, reference: Reference | None = None
) -> sa.Column:
    """The column for ``spec`` (keys, uniqueness, indexes and references come separately)."""
    kind = sql_type(spec, dialect, reference.type if reference else None)
    autoincrement: Any = spec.autoincrement if spec.primary else False
    if spec.primary and not isinstance(kind, sa.Integer):
        autoincrement = False
    return sa.Column(
        spec.name,
        kind,
        primary_key=spec.primary,
        autoincrement=autoincrement,
        nullable=spec.nullable,
        server_default=server_default(spec, kind, dialect),
    )


def foreign_key(
    table: str, spec: FieldSpec, reference: Reference, dialect: sa.Dialect
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [spec.name],
        [f"{reference.table}.{reference.field}"],
        name=constraint_name("fk", table, spec.name, dialect),
        onupdate=spec.ref_on_update,
        ondelete=spec.ref_on_delete,
    )


def table_constraints(
    table: str,
    specs: list[FieldSpec],
    references: dict[str, Reference],
    dialect: sa.Dialect,
) -> list[Any]:
    """Unique keys, indexes and foreign keys of a new table's fields."""
    items: list[Any] = []
    for spec in specs:
        if spec.is_unique and not spec.primary:
            name = constraint_name("uq", table, spec.name, dialect)
            items.append(sa.UniqueConstraint(spec.name, name=name))
        elif spec.is_index and not spec.primary:
            items.append(sa.Index(constraint_name("ix", table, spec.name, dialect), spec.name))
        if spec.name in references:
            items.append(foreign_key(table, spec, references[spec.name], dialect))
    return items


def check_fields(specs: list[FieldSpec], table: str) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.name.lower() in seen:
            raise BadRequest(f"Field '{spec.name}' is given twice for table '{table}'.")
        seen.add(spec.name.lower())


def create_table(
    connection: sa.Connection, schema_name: str | None, name: str, specs: list[FieldSpec]
) -> None:
    """CREATE TABLE with its keys, indexes and references (one statement plus its indexes)."""
    if not specs:
        raise BadRequest(f"No fields given for table '{name}'.")
    check_fields(specs, name)
    dialect = connection.dialect
    metadata = sa.MetaData()
    references: dict[str, Reference] = {}
    for spec in specs:
        if spec.references:
            reference = resolve_reference(connection, schema_name, spec, (name, specs))
            references[spec.name] = reference
            if reference.table.lower() != name.lower():
                reflect(connection, reference.table, schema_name, metadata)
    columns = [new_column(spec, dialect, references.get(spec.name)) for spec in specs]
    keys = [c for c in columns if c.primary_key]
    if len(keys) > 1:
        for column in keys:
            column.autoincrement = False
    table = sa.Table(
        name,
        metadata,
        *columns,
        *table_constraints(name, specs, references, dialect),
        schema=schema_name,
    )
    table.create(connection)


def drop_table(connection: sa.Connection, schema_name: str | None, name: str) -> None:
    sa.Table(name, sa.MetaData(), schema=schema_name).drop(connection)

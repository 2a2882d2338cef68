"""Changing an existing table to match field definitions: a plan, then ALTER TABLE statements.

``plan_changes`` compares the client's ``FieldSpec``s with the table as the
database has it now and lists only real differences (a describe sent back
unchanged plans nothing): columns to add, alter (type, NULL, default) and
drop, unique keys, indexes and foreign keys to add or drop. Everything is
checked before the first statement runs.

``apply_plan`` runs it through Alembic's operations on PostgreSQL and
MySQL/MariaDB (names of existing keys come from reflection); SQLite, which
cannot alter or drop most things in place, rebuilds the table instead
(``sqlite_rebuild``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations

from app.services.sql.coltypes import server_default, sql_type
from app.services.sql.ddl import (
    Reference,
    check_fields,
    constraint_name,
    new_column,
    resolve_reference,
)
from app.services.sql.describe import default_value
from app.services.sql.fieldspec import FieldSpec
from app.services.sql.plan import UNCHANGED, Alteration, Plan, operations
from app.services.sql.schema import simple_type
from app.services.sql.sqlite_rebuild import rebuild
from app.vocabulary.errors import BadRequest

TYPE_KEYS = frozenset({"type", "db_type", "length", "precision", "scale", "fixed_length"})
"""Keys of a field definition that say something about its SQL type."""

SAME_ACTIONS = frozenset({None, "NO ACTION", "RESTRICT"})
"""Referential actions that behave alike (the databases' defaults)."""


def type_key(kind: sa.types.TypeEngine) -> tuple:
    """What makes two column types the same for us (not their spelling)."""
    length = getattr(kind, "length", None)
    numeric = isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float)
    return (
        simple_type(kind),
        isinstance(kind, sa.CHAR | sa.NCHAR),
        length if isinstance(kind, sa.String | sa.LargeBinary) else None,
        getattr(kind, "precision", None) if numeric else None,
        getattr(kind, "scale", None) if numeric else None,
        bool(getattr(kind, "timezone", False)),
    )


def _norm_default(value: Any) -> str | None:
    if value is None:
        return None
    text = str(getattr(value, "text", value))
    return "".join(text.split()).upper().removesuffix("()")


def foreign_key_of(table: sa.Table, name: str) -> sa.ForeignKeyConstraint | None:
    for item in table.foreign_key_constraints:
        if [str(k) for k in item.column_keys] == [name]:
            return item
    return None


def unique_of(table: sa.Table, name: str) -> sa.UniqueConstraint | sa.Index | None:
    """The one-column unique key (a constraint or a unique index) of a field."""
    for item in table.constraints:
        if isinstance(item, sa.UniqueConstraint) and not isinstance(item, sa.PrimaryKeyConstraint):
            if [c.key for c in item.columns] == [name]:
                return item
    for index in table.indexes:
        if index.unique and [c.key for c in index.columns] == [name]:
            return index
    return None


def plain_index_of(table: sa.Table, name: str) -> sa.Index | None:
    for index in table.indexes:
        if not index.unique and [c.key for c in index.columns] == [name]:
            return index
    return None


def _same_target(existing: sa.ForeignKeyConstraint, spec: FieldSpec, ref: Reference) -> bool:
    target = existing.elements[0].target_fullname.split(".")
    if [t.lower() for t in target[-2:]] != [ref.table.lower(), ref.field.lower()]:
        return False
    pairs = ((spec.ref_on_delete, existing.ondelete), (spec.ref_on_update, existing.onupdate))
    for given, actual in pairs:
        actual = actual.upper() if actual else None
        if given is not None and given != actual and not {given, actual} <= SAME_ACTIONS:
            return False
    return True


def plan_changes(
    connection: sa.Connection,
    schema_name: str | None,
    table: sa.Table,
    specs: list[FieldSpec],
    replace: bool,
) -> Plan:
    """The statements that bring ``table`` to ``specs`` (``replace``: drop unlisted fields)."""
    check_fields(specs, table.name)
    dialect = connection.dialect
    plan = Plan(table)
    columns = {c.key.lower(): c for c in table.c}
    for spec in specs:
        column = columns.get(spec.name.lower())
        reference = resolve_reference(connection, schema_name, spec) if spec.references else None
        if column is None:
            if spec.primary:
                raise BadRequest(
                    f"A primary key can only be set when a table is created (field '{spec.name}')."
                )
            plan.add.append(new_column(spec, dialect, reference))
            if spec.is_unique:
                plan.add_unique.append(spec.name)
            elif spec.is_index:
                plan.add_index.append(spec.name)
            if reference is not None:
                plan.add_fk.append((spec, reference))
            continue
        spec.name = str(column.key)
        _plan_column(plan, spec, column, reference, dialect)
    if replace:
        listed = {s.name.lower() for s in specs}
        plan.drop = [str(c.key) for c in table.c if c.key.lower() not in listed]
        if len(plan.drop) == len(table.c) and not plan.add:
            raise BadRequest(f"A table needs at least one field; '{table.name}' would have none.")
        for name in plan.drop:
            if foreign_key_of(table, name) is not None and name not in plan.drop_fk:
                plan.drop_fk.append(name)
    return plan


def _plan_column(
    plan: Plan,
    spec: FieldSpec,
    column: sa.Column,
    reference: Reference | None,
    dialect: sa.Dialect,
) -> None:
    name = spec.name
    given = spec.given
    if ("is_primary_key" in given or spec.is_id) and spec.primary != column.primary_key:
        raise BadRequest(f"The primary key of an existing table can not be changed ('{name}').")
    change = Alteration(name, column)
    if given & TYPE_KEYS and (spec.type or spec.db_type):
        desired = sql_type(spec, dialect, reference.type if reference else None)
        if type_key(desired) != type_key(column.type):
            change.type = desired
    if "allow_null" in given and not column.primary_key and spec.nullable != column.nullable:
        change.nullable = spec.nullable
    if "default" in given:
        wanted = server_default(spec, change.type or column.type, dialect)
        if _norm_default(wanted) != _norm_default(default_value(column)):
            change.default = wanted
    if change.type is not None or change.nullable is not None or change.default is not UNCHANGED:
        plan.alter.append(change)
    if "is_unique" in given and not column.primary_key:
        unique = unique_of(plan.table, name)
        if spec.is_unique and unique is None:
            plan.add_unique.append(name)
        elif not spec.is_unique and unique is not None:
            plan.drop_unique.append(name)
    if "is_index" in given and not column.primary_key and not spec.is_unique:
        indexed = any(name in [c.key for c in i.columns] for i in plan.table.indexes)
        plain = plain_index_of(plan.table, name)
        if spec.is_index and not indexed and unique_of(plan.table, name) is None:
            plan.add_index.append(name)
        elif not spec.is_index and plain is not None:
            plan.drop_index.append(name)
    existing = foreign_key_of(plan.table, name)
    if reference is not None:
        if existing is None or not _same_target(existing, spec, reference):
            if existing is not None:
                plan.drop_fk.append(name)
            plan.add_fk.append((spec, reference))
    elif "is_foreign_key" in given and spec.is_foreign_key is False and existing is not None:
        plan.drop_fk.append(name)


def apply_plan(connection: sa.Connection, schema_name: str | None, plan: Plan) -> None:
    """Run the plan on PostgreSQL or MySQL/MariaDB (SQLite goes through ``sqlite_rebuild``)."""
    if connection.dialect.name == "sqlite":
        rebuild(connection, schema_name, plan)
        return
    ops = operations(connection)
    table, name = plan.table, plan.table.name
    dialect = connection.dialect
    for column in plan.drop_fk:
        found = foreign_key_of(table, column)
        if found is not None and found.name:
            ops.drop_constraint(found.name, name, type_="foreignkey", schema=schema_name)
    for column in plan.drop_unique:
        unique = unique_of(table, column)
        if isinstance(unique, sa.Index):
            ops.drop_index(unique.name, table_name=name, schema=schema_name)
        elif unique is not None and unique.name:
            ops.drop_constraint(unique.name, name, type_="unique", schema=schema_name)
    for column in plan.drop_index:
        index = plain_index_of(table, column)
        if index is not None:
            ops.drop_index(index.name, table_name=name, schema=schema_name)
    for column in plan.drop:
        ops.drop_column(name, column, schema=schema_name)
    for change in plan.alter:
        _alter(ops, connection, schema_name, name, change)
    for column in plan.add:
        ops.add_column(name, column, schema=schema_name)
    for column in plan.add_unique:
        ops.create_unique_constraint(
            constraint_name("uq", name, column, dialect), name, [column], schema=schema_name
        )
    for column in plan.add_index:
        ops.create_index(
            constraint_name("ix", name, column, dialect), name, [column], schema=schema_name
        )
    for spec, reference in plan.add_fk:
        ops.create_foreign_key(
            constraint_name("fk", name, spec.name, dialect),
            name,
            reference.table,
            [spec.name],
            [reference.field],
            onupdate=spec.ref_on_update,
            ondelete=spec.ref_on_delete,
            source_schema=schema_name,
            referent_schema=schema_name,
        )


def _alter(
    ops: Operations,
    connection: sa.Connection,
    schema_name: str | None,
    table: str,
    change: Alteration,
) -> None:
    column = change.column
    existing_default = column.server_default.arg if column.server_default is not None else None
    options: dict[str, Any] = {
        "existing_type": column.type,
        "existing_nullable": column.nullable,
        "existing_server_default": existing_default,
        "schema": schema_name,
    }
    if connection.dialect.name in ("mysql", "mariadb"):  # MODIFY restates the whole column
        options["existing_autoincrement"] = column is column.table.autoincrement_column
    if change.type is not None:
        options["type_"] = change.type
        if connection.dialect.name == "postgresql":
            quoted = connection.dialect.identifier_preparer.quote(change.name)
            compiled = change.type.compile(dialect=connection.dialect)
            options["postgresql_using"] = f"{quoted}::{compiled}"
    if change.nullable is not None:
        options["nullable"] = change.nullable
    if change.default is not UNCHANGED:
        options["server_default"] = change.default
    ops.alter_column(table, change.name, **options)

"""Schema writes of ``_schema``: create, change and drop tables, fields and references.

Each write to one table runs in one transaction (PostgreSQL and SQLite undo
all of it on failure; MySQL commits each DDL statement itself, so every
definition is checked before the first one runs). Facts the database cannot
hold (DreamFactory types, labels, picklists, validation) are remembered in
the ``extras`` table in the same transaction. The caller refreshes the
service's cached schema afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa

from app.services.sql import extras
from app.services.sql.alter import apply_plan, foreign_key_of, plan_changes
from app.services.sql.ddl import (
    check_table_name,
    create_table,
    drop_table,
    max_name,
    reflect,
    table_names,
)
from app.services.sql.extras import TABLE_KEYS
from app.services.sql.fieldspec import MAX_TEXT, FieldSpec, check_name, parse_field
from app.services.sql.schema import TableInfo, column_df_type
from app.services.sql.sqlite_rebuild import check_references, foreign_keys_paused
from app.services.sql.virtual import FACT, KEY, is_virtual, merged, parse_virtual, stored_of
from app.services.sql.virtual import name_of as virtual_name
from app.vocabulary.errors import BadRequest, NotFound

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class TableSpec:
    """A checked table definition: its name, fields and the table facts the client sent."""

    name: str
    fields: list[FieldSpec]
    facts: dict[str, Any] = field(default_factory=dict)
    virtual: list[dict[str, Any]] | None = None
    """The virtual relationships of its ``related`` list (None when it has none)."""


def parse_table(
    data: Any, dialect: sa.Dialect, name: str | None = None, service_id: int | None = None
) -> TableSpec:
    """A ``TableSpec`` from a table object (``name`` from the path when given); relations of
    ``related`` that follow foreign keys are described by their fields, so only the virtual
    ones are read."""
    if not isinstance(data, dict):
        raise BadRequest("Each table must be a JSON object.")
    name = check_table_name(name if name is not None else data.get("name"), dialect)
    fields = data.get("field", data.get("fields")) or []
    if not isinstance(fields, list):
        raise BadRequest(f"The 'field' of table '{name}' must be an array of fields.")
    related = data.get("related")
    if related is not None and not isinstance(related, list):
        raise BadRequest(f"The 'related' of table '{name}' must be an array of relationships.")
    virtual = None
    if related is not None:
        virtual = [parse_virtual(r, service_id) for r in related if is_virtual(r)]
    facts = {}
    for key in TABLE_KEYS:
        if key in data:
            value = data[key]
            if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
                raise BadRequest(f"Invalid '{key}' for table '{name}': text expected.")
            facts[key] = value
    limit = max_name(dialect)
    return TableSpec(name, [parse_field(f, limit) for f in fields], facts, virtual)


class SchemaWriter:
    """Schema changes of one service database on one connection."""

    def __init__(self, connection: sa.Connection, schema_name: str | None) -> None:
        self.connection = connection
        self.schema_name = schema_name
        self.dialect = connection.dialect

    # -- plumbing ---------------------------------------------------------------------

    def run(self, table: str | None, work: Callable[[], T]) -> T:
        """``work`` in one transaction (SQLite: with foreign keys paused, then checked)."""
        connection = self.connection
        if connection.in_transaction():
            connection.commit()
        with foreign_keys_paused(connection):
            with connection.begin():
                result = work()
                if connection.dialect.name == "sqlite" and table and self.real_name(table):
                    check_references(connection, self.real_name(table) or table)
        return result

    def real_name(self, name: str) -> str | None:
        """The table's name as the database spells it, or None when there is none."""
        return table_names(self.connection, self.schema_name).get(name.lower())

    def require(self, name: str) -> str:
        real = self.real_name(name)
        if real is None:
            raise NotFound(f'Table "{name}" does not exist in the database.')
        return real

    def facts_of(self, table: str) -> dict[str, dict[str, Any]]:
        if not extras.exists(self.connection, self.schema_name):
            return {}
        return extras.load(self.connection, self.schema_name).get(table.lower(), {})

    def remember(self, table: str, specs: list[FieldSpec], table_facts: dict[str, Any]) -> None:
        """Store what the database cannot say about the table and the given fields."""
        known = self.facts_of(table)
        if table_facts:
            merged = {**known.get("", {}), **table_facts}
            if merged != known.get("", {}):
                extras.save(self.connection, self.schema_name, table, "", merged)
        if not specs:
            return
        info = TableInfo(table, reflect(self.connection, table, self.schema_name), False)
        for spec in specs:
            column = info.column(spec.name)
            if column is None:
                continue
            prior = known.get(spec.name.lower(), {})
            facts = dict(prior)
            for key, value in spec.facts().items():
                if key in spec.given:
                    facts[key] = value
            if spec.type is not None:
                derived = column_df_type(info, column)
                facts["type"] = spec.type if spec.type != derived else None
            facts = {k: v for k, v in facts.items() if v not in (None, "", [], {})}
            if facts != prior:
                extras.save(self.connection, self.schema_name, table, str(column.key), facts)

    # -- tables -------------------------------------------------------------------------

    def save_table(
        self, spec: TableSpec, *, replace: bool = False, create: bool = True, check: bool = False
    ) -> str:
        """Create the table, or change it to the definition (``replace`` drops other fields)."""
        real = self.real_name(spec.name)
        if real is not None and check:
            raise BadRequest(f"A table with name '{spec.name}' already exist in the database.")
        if real is None and not create:
            raise NotFound(f'Table "{spec.name}" does not exist in the database.')

        virtual = None
        if spec.virtual is not None:
            virtual = self.check_virtual(real or spec.name, spec.virtual, spec.fields)

        def work() -> str:
            if real is None:
                create_table(self.connection, self.schema_name, spec.name, spec.fields)
                name = spec.name
            else:
                name = real
                self.change(name, spec.fields, replace and bool(spec.fields))
            self.remember(name, spec.fields, spec.facts)
            if virtual is not None:
                self.remember_virtual(name, virtual, replace=replace)
            return name

        return self.run(spec.name, work)

    def change(self, table: str, specs: list[FieldSpec], replace: bool) -> None:
        existing = reflect(self.connection, table, self.schema_name)
        plan = plan_changes(self.connection, self.schema_name, existing, specs, replace)
        if not plan.is_empty():
            apply_plan(self.connection, self.schema_name, plan)
        for name in plan.drop:
            extras.forget(self.connection, self.schema_name, table, name)

    def drop_table(self, name: str) -> str:
        real = self.require(name)

        def work() -> str:
            drop_table(self.connection, self.schema_name, real)
            extras.forget(self.connection, self.schema_name, real)
            return real

        return self.run(None, work)

    # -- fields ---------------------------------------------------------------------------

    def save_fields(self, table: str, specs: list[FieldSpec]) -> list[str]:
        """Add or change fields of an existing table; the names written."""
        real = self.require(table)

        def work() -> list[str]:
            self.change(real, specs, replace=False)
            self.remember(real, specs, {})
            return [s.name for s in specs]

        return self.run(real, work)

    def drop_fields(self, table: str, names: list[str]) -> list[str]:
        real = self.require(table)
        existing = reflect(self.connection, real, self.schema_name)
        columns = {c.key.lower(): str(c.key) for c in existing.c}
        found = []
        for name in names:
            check_name(name)
            if name.lower() not in columns:
                raise NotFound(f"Field '{name}' not found in table '{real}'.")
            found.append(columns[name.lower()])
        kept = [FieldSpec(name=n) for n in columns.values() if n not in found]
        if not kept:
            raise BadRequest(f"A table needs at least one field; '{real}' would have none.")

        def work() -> list[str]:
            self.change(real, kept, replace=True)
            return found

        return self.run(real, work)

    def drop_foreign_key(self, table: str, column: str) -> None:
        """Remove the foreign key on ``table.column`` (deleting a relation)."""
        real = self.require(table)
        existing = reflect(self.connection, real, self.schema_name)
        if foreign_key_of(existing, column) is None:
            raise NotFound(f"No foreign key on field '{column}' of table '{real}'.")
        spec = FieldSpec(name=column, is_foreign_key=False, given={"is_foreign_key"})
        self.run(real, lambda: self.change(real, [spec], replace=False))

    # -- virtual relationships ----------------------------------------------------------------

    def columns_of(
        self, table: str, pending: tuple[str, list[FieldSpec]] | None = None
    ) -> tuple[str, dict[str, str]]:
        """(real name, column names by lower-cased name) of a table; ``pending`` is a table
        being written in the same request, with the fields it is given."""
        found: dict[str, str] = {}
        real = self.real_name(table)
        if real is not None:
            found = {
                c.key.lower(): str(c.key)
                for c in reflect(self.connection, real, self.schema_name).c
            }
        if pending is not None and table.lower() == pending[0].lower():
            real = real or pending[0]
            found.update({f.name.lower(): f.name for f in pending[1]})
        if real is None:
            raise BadRequest(f"Table '{table}' of a relationship does not exist in the database.")
        return real, found

    def check_virtual(
        self, table: str, relations: list[dict[str, Any]], fields: list[FieldSpec] | None = None
    ) -> list[dict[str, Any]]:
        """The relationships with every table and field checked and spelled as the database
        spells it (``fields``: those ``table`` is being given in the same request)."""
        pending = (table, fields or [])
        checked = []
        for relation in relations:
            out = dict(relation)
            pairs = [("", "field"), ("ref_table", "ref_field")]
            if relation["type"] == "many_many":
                pairs.append(("junction_table", "junction_field"))
                pairs.append(("junction_table", "junction_ref_field"))
            for table_key, field_key in pairs:
                real, columns = self.columns_of(relation.get(table_key) or table, pending)
                if table_key:
                    out[table_key] = real
                column = columns.get(str(relation[field_key]).lower())
                if column is None:
                    raise BadRequest(
                        f"Field '{relation[field_key]}' of a relationship not found in table "
                        f"'{real}'."
                    )
                out[field_key] = column
            checked.append(out)
        return checked

    def remember_virtual(
        self, table: str, relations: list[dict[str, Any]], *, replace: bool = False
    ) -> None:
        current = stored_of(self.facts_of(table))
        kept = merged(current, relations, replace=replace)
        if kept != current:
            extras.save(self.connection, self.schema_name, table, KEY, {FACT: kept})

    def save_virtual(self, table: str, relations: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Add or change virtual relationships of an existing table; those written."""
        real = self.require(table)
        checked = self.check_virtual(real, relations)
        self.run(None, lambda: self.remember_virtual(real, checked))
        return checked

    def drop_virtual(self, table: str, name: str) -> None:
        """Forget the virtual relationship ``name`` of ``table``."""
        real = self.require(table)
        current = stored_of(self.facts_of(real))
        kept = [r for r in current if virtual_name(r).lower() != name.lower()]
        if kept == current:
            raise NotFound(f"Relationship '{name}' not found in table '{real}'.")
        self.run(
            None, lambda: extras.save(self.connection, self.schema_name, real, KEY, {FACT: kept})
        )

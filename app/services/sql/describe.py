"""The table schema object of DreamFactory (reference 4.5) for a reflected table.

Used by ``include_schema`` on record reads and by the ``_schema`` resource.
Field types come from ``schema.field_df_type``, the one place that decides them;
labels, descriptions, picklists and validation rules remembered by ``_schema``
come from the table's ``extras`` (see ``extras``).
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from app.services.sql.relations import relations_for
from app.services.sql.schema import DbSchema, TableInfo, field_df_type, label_for, plural_for


def _db_type(column: sa.Column) -> str:
    try:
        return str(column.type.compile()).lower()
    except Exception:  # noqa: BLE001 - a dialect-only type without a generic spelling
        return type(column.type).__name__.lower()


_QUOTED = re.compile(r"^\(*'((?:[^']|'')*)'(?:::[a-z][a-z0-9_ ]*(?:\[\])?)?\)*$", re.IGNORECASE)
"""A quoted literal default, as PostgreSQL (``'x'::character varying``) and others show it."""


def default_value(column: sa.Column) -> Any:
    """The column's default as text: a literal unquoted, an expression as the database says."""
    default = column.server_default
    if default is None or not hasattr(default, "arg"):
        return None
    text = str(getattr(default.arg, "text", default.arg)).strip()
    if text.lower().startswith("nextval("):
        return None
    quoted = _QUOTED.match(text)
    if quoted:
        return quoted.group(1).replace("''", "'")
    return text


def _foreign_key(column: sa.Column) -> tuple[str | None, str | None, Any, Any]:
    for key in column.foreign_keys:
        table, _, field = key.target_fullname.rpartition(".")
        return table.rpartition(".")[2] or None, field or None, key.onupdate, key.ondelete
    return None, None, None, None


def describe_field(table: TableInfo, column: sa.Column) -> dict[str, Any]:
    facts = table.extras.get(column.key.lower(), {})
    unique = column.key in table.unique_columns() and not column.primary_key
    indexed = any(column.key in {c.key for c in index.columns} for index in table.table.indexes)
    ref_table, ref_field, on_update, on_delete = _foreign_key(column)
    kind = column.type
    auto = column is table.table.autoincrement_column
    df_type = field_df_type(table, column.key)
    required = (
        not column.nullable
        and column.server_default is None
        and column.default is None
        and not auto
        and df_type not in ("id",)
    )
    return {
        "alias": facts.get("alias"),
        "name": str(column.key),
        "label": facts.get("label") or label_for(column.key),
        "description": facts.get("description"),
        "native": [],
        "type": df_type,
        "db_type": _db_type(column),
        "length": getattr(kind, "length", None),
        "precision": getattr(kind, "precision", None),
        "scale": getattr(kind, "scale", None),
        "default": default_value(column),
        "required": required,
        "allow_null": bool(column.nullable),
        "fixed_length": isinstance(kind, sa.CHAR | sa.NCHAR),
        "supports_multibyte": isinstance(kind, sa.NCHAR | sa.NVARCHAR | sa.Unicode),
        "auto_increment": bool(auto),
        "is_primary_key": bool(column.primary_key),
        "is_unique": unique,
        "is_index": indexed,
        "is_foreign_key": ref_table is not None,
        "ref_table": ref_table,
        "ref_field": ref_field,
        "ref_on_update": on_update,
        "ref_on_delete": on_delete,
        "picklist": facts.get("picklist"),
        "validation": facts.get("validation"),
        "db_function": None,
        "is_virtual": False,
        "is_aggregate": False,
    }


def describe_table(
    schema: DbSchema, connection: sa.Connection, table: TableInfo, service_id: int
) -> dict[str, Any]:
    facts = table.extras.get("", {})
    label = facts.get("label") or label_for(table.name)
    relations = relations_for(schema, connection, table.name)
    return {
        "alias": facts.get("alias"),
        "name": table.name,
        "label": label,
        "description": facts.get("description"),
        "native": [],
        "plural": facts.get("plural") or plural_for(label),
        "is_view": table.is_view,
        "primary_key": list(table.primary_key),
        "name_field": facts.get("name_field"),
        "field": [describe_field(table, column) for column in table.table.c],
        "related": [relation.describe(service_id) for relation in relations.values()],
        "constraints": constraints(table),
    }


def constraints(table: TableInfo) -> dict[str, dict[str, Any]]:
    """The table's keys by lower-cased name: primary, unique and foreign (``constraints``)."""
    found: dict[str, dict[str, Any]] = {}

    def add(name: Any, kind: str, columns: list[str], **more: Any) -> None:
        key = str(name or f"{table.name}_{'_'.join(columns)}_{kind.split()[0]}").lower()
        found[key] = {
            "constraint_type": kind,
            "constraint_name": str(name) if name else key,
            "table_name": table.name,
            "column_name": columns if len(columns) > 1 else columns[0],
            **more,
        }

    if table.primary_key:
        add(table.table.primary_key.name, "PRIMARY KEY", list(table.primary_key))
    for item in table.table.constraints:
        if isinstance(item, sa.UniqueConstraint) and not isinstance(item, sa.PrimaryKeyConstraint):
            add(item.name, "UNIQUE", [str(c.key) for c in item.columns])
        elif isinstance(item, sa.ForeignKeyConstraint):
            targets = [key.target_fullname.rpartition(".") for key in item.elements]
            add(
                item.name,
                "FOREIGN KEY",
                [str(c) for c in item.column_keys],
                referenced_table_name=targets[0][0].rpartition(".")[2],
                referenced_column_name=[t[2] for t in targets]
                if len(targets) > 1
                else targets[0][2],
                update_rule=item.onupdate,
                delete_rule=item.ondelete,
            )
    for index in table.table.indexes:
        if index.unique:
            add(index.name, "UNIQUE", [str(c.key) for c in index.columns])
    return found

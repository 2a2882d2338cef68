"""The table schema object of DreamFactory (reference 4.5) for a reflected table.

Used by ``include_schema`` on record reads and by the ``_schema`` resource.
Field types come from ``schema.field_df_type``, the one place that decides them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.services.sql.relations import relations_for
from app.services.sql.schema import DbSchema, TableInfo, field_df_type, label_for, plural_for


def _db_type(column: sa.Column) -> str:
    try:
        return str(column.type.compile()).lower()
    except Exception:  # noqa: BLE001 - a dialect-only type without a generic spelling
        return type(column.type).__name__.lower()


def _default(column: sa.Column) -> Any:
    default = column.server_default
    if default is None or not hasattr(default, "arg"):
        return None
    text = str(getattr(default.arg, "text", default.arg))
    if text.lower().startswith("nextval("):
        return None
    return text.strip("'") if text.startswith("'") and text.endswith("'") else text


def _foreign_key(column: sa.Column) -> tuple[str | None, str | None, Any, Any]:
    for key in column.foreign_keys:
        table, _, field = key.target_fullname.rpartition(".")
        return table.rpartition(".")[2] or None, field or None, key.onupdate, key.ondelete
    return None, None, None, None


def describe_field(table: TableInfo, column: sa.Column) -> dict[str, Any]:
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
        "alias": None,
        "name": str(column.key),
        "label": label_for(column.key),
        "description": None,
        "native": [],
        "type": df_type,
        "db_type": _db_type(column),
        "length": getattr(kind, "length", None),
        "precision": getattr(kind, "precision", None),
        "scale": getattr(kind, "scale", None),
        "default": _default(column),
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
        "picklist": None,
        "validation": None,
        "db_function": None,
        "is_virtual": False,
        "is_aggregate": False,
    }


def describe_table(
    schema: DbSchema, connection: sa.Connection, table: TableInfo, service_id: int
) -> dict[str, Any]:
    label = label_for(table.name)
    relations = relations_for(schema, connection, table.name)
    return {
        "alias": None,
        "name": table.name,
        "label": label,
        "description": None,
        "native": [],
        "plural": plural_for(label),
        "is_view": table.is_view,
        "primary_key": list(table.primary_key),
        "name_field": None,
        "field": [describe_field(table, column) for column in table.table.c],
        "related": [relation.describe(service_id) for relation in relations.values()],
    }

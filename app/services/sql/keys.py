"""Record identifiers: from the path, ``ids``, or records, typed for their key columns.

An identifier that cannot be a value of its key column (``abc`` for an
integer key, ``1 OR 1=1``) names no record: it is answered like a missing
record, never placed in SQL text. ``id_type`` casts identifiers before the
column's own typecast, as DreamFactory's ``id_type`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.records.values import coerce_value
from app.vocabulary.errors import BadRequest, NotFound

if TYPE_CHECKING:
    from app.services.sql.context import TableContext
    from app.services.sql.schema import TableInfo

Key = dict[str, Any]
"""Key field name → typed value."""

NOT_AN_OBJECT = "Each record must be a JSON object."

ID_TYPES = {"int": int, "integer": int, "string": str, "str": str, "float": float}


def not_found(value: Any) -> NotFound:
    return NotFound(f"Record with identifier '{value}' not found.")


def _typed(ctx: TableContext, field: str, value: Any, shown: Any) -> Any:
    id_type = ctx.options.id_type
    if id_type is not None and value is not None:
        cast = ID_TYPES.get(id_type)
        if cast is not None:
            try:
                value = cast(value)
            except (TypeError, ValueError):
                raise not_found(shown) from None
    column = ctx.table.table.c[field]
    try:
        return coerce_value(value, column, field, ranged=ctx.table.ranged)
    except BadRequest:
        raise not_found(shown) from None


def key_from_id(ctx: TableContext, value: Any) -> Key:
    """The key for one identifier from the path or an ``ids`` list."""
    fields = ctx.key_fields()
    if len(fields) != 1:
        raise BadRequest(
            f"Table '{ctx.table.name}' has a composite key ({', '.join(fields)}); "
            "identify records with objects holding each key field."
        )
    if value is None or (isinstance(value, str) and not value.strip()):
        raise not_found(value)
    return {fields[0]: _typed(ctx, fields[0], value, value)}


def key_from_record(ctx: TableContext, record: Any) -> Key:
    """The key a record names; 400 when it names none."""
    fields = ctx.key_fields()
    if not isinstance(record, dict):
        if len(fields) == 1 and isinstance(record, str | int):
            return key_from_id(ctx, record)
        raise BadRequest(NOT_AN_OBJECT)
    key: Key = {}
    for name in fields:
        value = next((v for k, v in record.items() if k.lower() == name.lower()), None)
        if value is None:
            raise BadRequest(f"No value given for the identifying field '{name}' of a record.")
        key[name] = _typed(ctx, name, value, value)
    return key


def typed(table: TableInfo, key: Key) -> Key:
    """A key a record names, each value typed for its column (a 400 when it cannot be one)."""
    return {n: coerce_value(v, table.table.c[n], n, ranged=table.ranged) for n, v in key.items()}


def condition(table: TableInfo, key: Key) -> sa.ColumnElement[bool]:
    return sa.and_(*(table.table.c[name] == value for name, value in key.items()))


def shown(key: Key) -> Any:
    """The identifier as messages show it (``5``, or ``5,7`` for composite keys)."""
    values = list(key.values())
    return values[0] if len(values) == 1 else ",".join(str(v) for v in values)

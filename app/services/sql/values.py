"""Written record values: checked, typed and completed before any SQL runs.

A record's keys are matched to columns without regard to case; keys naming a
relation are nested writes; other keys are ignored, as DreamFactory does. Each
value is typecast to its column (``app.records.values.coerce_value``), must fit
the column (length, integer range, numeric precision) and may not be NULL in
a NOT NULL column; every failure is a 400 naming the field, in its message and
in its ``context`` (``{field: [message]}``, where a form shows it).

A field's validation rules remembered by ``_schema`` are applied first
(``validation``). ``{"expression": "NOW()"}`` writes an SQL expression, but
only one from a short whitelist (current time and date, NULL, a number):
anything else is refused with ``SQL expression 'x' is not permitted.``. Automatic fields
(``timestamp_on_create|update``, ``user_id_on_create|update``) are filled here
and ignore what the client sent.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.records.values import converter, integer_range, out_of_range, python_type
from app.services.sql import validation
from app.services.sql.schema import TableInfo, field_df_type
from app.vocabulary.errors import BadRequest

EXPRESSIONS: dict[str, Callable[[], Any]] = {
    "NOW()": sa.func.now,
    "CURRENT_TIMESTAMP": sa.func.current_timestamp,
    "CURRENT_TIMESTAMP()": sa.func.current_timestamp,
    "LOCALTIMESTAMP": sa.func.localtimestamp,
    "CURRENT_DATE": sa.func.current_date,
    "CURRENT_DATE()": sa.func.current_date,
    "CURRENT_TIME": sa.func.current_time,
    "CURRENT_TIME()": sa.func.current_time,
}
"""Expressions a client may write, normalized to upper case without spaces."""

NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$", re.ASCII)

NOW = "now"
"""Marker for automatic timestamps, replaced by the database's current time."""


def not_null(field: str) -> BadRequest:
    return BadRequest(f"Field '{field}' can not be NULL.")


def expression(value: Any, column: sa.Column, field: str) -> Any:
    """The SQL for an ``{"expression": ...}`` value, if it is on the whitelist."""
    params: Any = None
    if isinstance(value, dict):
        params = value.get("params")
        value = value.get("value")
    text = value if isinstance(value, str) else str(value)
    normalized = re.sub(r"\s+", "", text).upper()
    if not params:
        if normalized in EXPRESSIONS:
            return EXPRESSIONS[normalized]()
        if normalized == "NULL":
            if not column.nullable:
                raise not_null(field)
            return None
        if NUMBER.match(normalized) and python_type(column) not in (str, bytes):
            return write_value(column, text.strip(), field)
    raise BadRequest(f"SQL expression '{text}' is not permitted.")


def write_value(column: sa.Column, value: Any, field: str) -> Any:
    """``value`` typed for ``column`` and checked to fit; 400 naming the field otherwise."""
    return column_writer(column)(value, field)


def column_writer(column: sa.Column) -> Callable[[Any, str], Any]:
    """``write_value`` for one column, its type's facts worked out once (see ``WritePlan``)."""
    target = python_type(column)
    kind = column.type
    if target in (dict, list) or isinstance(kind, sa.JSON):
        return _as_given
    if isinstance(kind, sa.ARRAY):
        return _array
    coerce = converter(column)
    fits = _fits(kind)
    if target is bytes:

        def write_bytes(value: Any, field: str) -> Any:
            if isinstance(value, str):
                return _base64(value, field)
            typed = coerce(value, field)
            if fits is not None:
                fits(typed, field)
            return typed

        return write_bytes
    if fits is None:
        return coerce

    def write(value: Any, field: str) -> Any:
        typed = coerce(value, field)
        fits(typed, field)
        return typed

    return write


def _as_given(value: Any, field: str) -> Any:
    return value


def _base64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f"Invalid value for field '{field}': base64 expected.") from None


def _array(value: Any, field: str) -> Any:
    if not isinstance(value, list):
        raise BadRequest(f"Invalid value for field '{field}': an array is expected.")
    return value


def _fits(kind: sa.types.TypeEngine) -> Callable[[Any, str], None] | None:
    """The check that a typed value fits a column type, or None when anything fits."""
    enums = kind.enums if isinstance(kind, sa.Enum) and kind.enums else None
    listed = ", ".join(enums) if enums else ""
    length = getattr(kind, "length", None) or None
    bounds = integer_range(kind)
    limit = None
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float) and kind.precision:
        limit = Decimal(10) ** (kind.precision - (kind.scale or 0))
    if enums is None and length is None and bounds is None and limit is None:
        return None

    def fits(value: Any, field: str) -> None:
        if enums is not None and value not in enums:
            raise BadRequest(
                f"Invalid value for field '{field}': '{value}' is not one of {listed}."
            )
        if length is not None and isinstance(value, str | bytes) and len(value) > length:
            shown = f"({len(value)} characters; at most {length})"
            raise BadRequest(f"Value for field '{field}' is too long {shown}.")
        if (
            bounds is not None
            and isinstance(value, int)
            and not isinstance(value, bool)
            and not bounds[0] <= value <= bounds[1]
        ):
            raise out_of_range(field, value)
        if (
            limit is not None
            and isinstance(value, Decimal)
            and value.is_finite()
            and abs(value) >= limit
        ):
            raise out_of_range(field, value)

    return fits


def split_record(
    table: TableInfo, record: Any, relation_names: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(column key → raw value, relation name → nested value) of a record object."""
    if not isinstance(record, dict):
        raise BadRequest("Each record must be a JSON object.")
    values: dict[str, Any] = {}
    nested: dict[str, Any] = {}
    for key, value in record.items():
        column = table.column(key)
        if column is not None:
            values[column.key] = value
        elif str(key).lower() in relation_names:
            nested[relation_names[str(key).lower()]] = value
    return values, nested


@dataclass(frozen=True)
class WritePlan:
    """What every write to a table checks, worked out once per cached table."""

    automatic: tuple[tuple[str, str], ...]
    """(field, type) of the fields the service fills in."""
    skipped: frozenset[str]
    """Fields whose client values are ignored (the automatic ones)."""
    required: tuple[str, ...]
    """Fields a new record must give (NOT NULL without a default)."""
    writers: dict[str, Callable[[Any, str], Any]]
    """Column key → ``write_value`` for that column (``column_writer``)."""
    validated: frozenset[str]
    """Fields with validation rules remembered by ``_schema``."""
    plain: frozenset[str]
    """Record keys naming a column exactly, with no rules and not automatic: written as given."""


def write_plan(table: TableInfo) -> WritePlan:
    def build() -> WritePlan:
        automatic = tuple(
            (str(c.key), field_df_type(table, c.key))
            for c in table.table.c
            if field_df_type(table, c.key).endswith(("_on_create", "_on_update"))
        )
        skipped = frozenset(key for key, _ in automatic)
        validated = frozenset(c.key for c in table.table.c if table.extras.get(c.key.lower()))
        return WritePlan(
            automatic,
            skipped,
            tuple(str(c.key) for c in table.table.c if _required(table, c)),
            {c.key: column_writer(c) for c in table.table.c},
            validated,
            frozenset(
                c.key
                for c in table.table.c
                if table.column(c.key) is c and c.key not in skipped | validated
            ),
        )

    return table.memo("write_plan", build)


def prepare(
    table: TableInfo, raw: dict[str, Any], *, creating: bool, user_id: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(values to write, plain values to check against row filters) for one record."""
    values: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    plan = write_plan(table)
    for name, value in raw.items():
        if name in plan.skipped:
            continue
        try:
            _prepare_value(table, plan, name, value, values, plain, creating)
        except BadRequest as error:
            raise about_field(error, name) from None
    for key, df_type in plan.automatic:
        if df_type == "timestamp_on_update" or (creating and df_type == "timestamp_on_create"):
            values[key] = sa.func.current_timestamp()
        elif df_type == "user_id_on_update" or (creating and df_type == "user_id_on_create"):
            values[key] = plain[key] = user_id
    if creating:
        for key in plan.required:
            if key not in values:
                raise about_field(BadRequest(f"Required field '{key}' can not be NULL."), key)
    return values, plain


def _prepare_value(
    table: TableInfo,
    plan: WritePlan,
    name: str,
    value: Any,
    values: dict[str, Any],
    plain: dict[str, Any],
    creating: bool,
) -> None:
    """One field of ``prepare``: its rules checked, then its value typed into ``values``."""
    if name in plan.validated and not validation.check(
        name, value, table.extras[name.lower()], updating=not creating
    ):
        return  # a rule with on_fail "ignore_field"
    if value is None or isinstance(value, dict):
        column = table.table.c[name]
        if value is not None and "expression" in value and len(value) == 1:
            values[name] = expression(value["expression"], column, name)
            if not isinstance(values[name], sa.ClauseElement):
                plain[name] = values[name]
            return
        if value is None:
            if _generated(table, column):
                return  # the database fills it in
            if not column.nullable:
                raise not_null(name)
            values[name] = plain[name] = None
            return
    values[name] = plain[name] = plan.writers[name](value, name)


def about_field(error: BadRequest, field: str) -> BadRequest:
    """``error`` with ``context`` ``{field: [message]}`` (unless it has one), so a form can
    show the message under that field's input; the message itself is unchanged."""
    if error.context is None:
        error.context = {field: [error.message]}
    return error


def _generated(table: TableInfo, column: sa.Column) -> bool:
    return (
        column is table.table.autoincrement_column
        or column.server_default is not None
        or column.default is not None
        or column.computed is not None
        or column.identity is not None
    )


def _required(table: TableInfo, column: sa.Column) -> bool:
    return not column.nullable and not _generated(table, column)

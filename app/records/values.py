"""Typecast user-supplied filter values to their column's Python type.

Text from a filter is parsed by the column type's ``python_type``: int,
float, Decimal, bool (``true/false/1/0/yes/no/t/f/y/n/on/off``), date,
datetime and time in ISO format, UUID, bytes (UTF-8) and str. Values from
``params`` that already have the right type pass through (a ``bool`` is not
accepted as a number). Types without a Python type, or with one not listed,
get the value unchanged. Anything that does not fit raises ``BadRequest``
naming the field, before the database ever sees it.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from app.errors import BadRequest

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t", "on"})
"""Spellings read as true (compared lower-cased), as DreamFactory's ``to_bool``."""
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", "off"})

INT_RANGE = range(-(2**63), 2**63)
"""Integers every backend can bind (signed 64-bit); larger ones are refused, not overflowed."""

MAX_SHOWN_VALUE = 100
"""Characters of a rejected value quoted back in the error message."""

MAX_DECIMAL_EXPONENT = 1000
"""Largest decimal exponent accepted (``1e1000``), so absurd numbers fail as a 400."""


def python_type(column: sa.ColumnElement) -> type | None:
    """The column type's Python type, or None when the type does not declare one."""
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def is_text_column(column: sa.ColumnElement) -> bool:
    """Whether LIKE can be applied to the column directly, without a cast to text."""
    return isinstance(column.type, sa.String | sa.types.NullType)


def coerce_value(value: Any, column: sa.ColumnElement, field: str) -> Any:
    """Convert ``value`` for binding against ``column``; None passes (SQL NULL)."""
    if value is None:
        return None
    target = python_type(column)
    try:
        converted = _INVALID if _unsendable(value) else _convert(value, target, column)
    except (ValueError, TypeError, InvalidOperation, OverflowError):
        converted = _INVALID
    if converted is _INVALID:
        raise _invalid(value, column, field)
    return converted


def coerce_pattern(value: Any, column: sa.ColumnElement, field: str) -> str:
    """A LIKE operand as text: a string or number, never NULL or a list."""
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _invalid(value, column, field)
    if _unsendable(value):
        raise _invalid(value, column, field)
    return str(value)


def _invalid(value: Any, column: sa.ColumnElement, field: str) -> BadRequest:
    name = getattr(column, "key", None) or field
    shown = str(value)
    if len(shown) > MAX_SHOWN_VALUE:
        shown = shown[:MAX_SHOWN_VALUE] + "..."
    shown = shown.encode("utf-8", "backslashreplace").decode("utf-8")  # no lone surrogates
    return BadRequest(f"Invalid value for field '{name}': '{shown}'")


_INVALID = object()


def _unsendable(value: Any) -> bool:
    """Text no driver can send: NUL characters (PostgreSQL) or lone surrogates (not UTF-8)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\x00" in value


def _convert(value: Any, target: type | None, column: sa.ColumnElement) -> Any:
    if isinstance(value, list | tuple | dict | set):
        return _INVALID
    if target is None:
        return value
    if target in (dict, list):
        return _INVALID  # JSON and array columns cannot be compared with a scalar
    if target is bool:
        return _to_bool(value)
    if target is int:
        return _to_int(value)
    if target is float:
        number = value if isinstance(value, float) else float(_text(value))
        return number if math.isfinite(number) else _INVALID
    if target is Decimal:
        number = value if isinstance(value, Decimal) else Decimal(_text(value))
        if not number.is_finite() or abs(number.adjusted()) > MAX_DECIMAL_EXPONENT:
            return _INVALID
        return number
    if target is dt.datetime:
        return _to_datetime(value, getattr(column.type, "timezone", False))
    if target is dt.date:
        if isinstance(value, dt.datetime):
            return _INVALID
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(_text(value))
    if target is dt.time:
        return value if isinstance(value, dt.time) else dt.time.fromisoformat(_text(value))
    if target is uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(_text(value))
    if target is str:
        return value if isinstance(value, str) else _text(value)
    if target is bytes:
        return value if isinstance(value, bytes) else _text(value).encode()
    return value


def _text(value: Any) -> str:
    """The value as text for parsing; bools are refused so ``true`` never becomes 1."""
    if isinstance(value, bool):
        raise TypeError("bool is not a number or a string")
    return value.strip() if isinstance(value, str) else str(value)


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return _INVALID


def _to_int(value: Any) -> Any:
    if isinstance(value, bool):
        return _INVALID
    if isinstance(value, float | Decimal):
        number = int(value) if value == int(value) else None
    else:
        number = value if isinstance(value, int) else int(_text(value), 10)
    return number if number in INT_RANGE else _INVALID


def _to_datetime(value: Any, aware_column: bool) -> Any:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        moment = dt.datetime.fromisoformat(_text(value))
    if moment.tzinfo is not None and not aware_column:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment

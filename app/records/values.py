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
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from app.sendable import unsendable_reason
from app.vocabulary.errors import BadRequest
from app.vocabulary.flags import FALSE_WORDS, TRUE_WORDS

INT_RANGE = range(-(2**63), 2**63)
"""Integers every backend can bind (signed 64-bit); larger ones are refused, not overflowed."""

INTEGER_RANGES = [
    (sa.SmallInteger, -(2**15), 2**15 - 1),
    (sa.BigInteger, -(2**63), 2**63 - 1),
    (sa.Integer, -(2**31), 2**31 - 1),
]
"""Signed ranges of integer column types (checked most specific first)."""

TYPED_PARAMETER_DIALECTS = frozenset({"postgresql"})
"""Dialects that send each parameter as its column's type (psycopg writes ``$1::INTEGER``):
there an integer beyond that type's range fails the query instead of matching nothing."""

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


def integer_range(kind: sa.types.TypeEngine) -> tuple[int, int] | None:
    """The inclusive range of an integer column type; None for any other type."""
    return next(((low, high) for cls, low, high in INTEGER_RANGES if isinstance(kind, cls)), None)


def fits_column(number: int, kind: sa.types.TypeEngine) -> bool:
    """Whether an integer is a value a column of type ``kind`` can hold or be compared with."""
    bounds = integer_range(kind)
    return bounds is None or bounds[0] <= number <= bounds[1]


def out_of_range(field: str, value: Any) -> BadRequest:
    return BadRequest(f"Value for field '{field}' is out of range: {value}")


def coerce_value(value: Any, column: sa.ColumnElement, field: str, *, ranged: bool = False) -> Any:
    """Convert ``value`` for binding against ``column``; None passes (SQL NULL).

    ``ranged`` also refuses an integer beyond the column type's range: callers
    ask for it where the database would fail on one (``TYPED_PARAMETER_DIALECTS``)
    or where the declared types are the store's own.
    """
    if value is None:
        return None
    target = python_type(column)
    try:
        converted = _INVALID if unsendable_reason(value) else _convert(value, target, column)
    except (ValueError, TypeError, InvalidOperation, OverflowError):
        converted = _INVALID
    if converted is _INVALID:
        raise _invalid(value, column, field)
    if ranged and type(converted) is int and not fits_column(converted, column.type):
        raise out_of_range(getattr(column, "key", None) or field, converted)
    return converted


def converter(column: sa.ColumnElement) -> Callable[[Any, str], Any]:
    """``coerce_value`` for one column with its type looked up once, for many values."""
    parse = _parser(python_type(column), column)

    def coerce(value: Any, field: str) -> Any:
        if value is None:
            return None
        try:
            if isinstance(value, list | tuple | dict | set) or unsendable_reason(value):
                converted = _INVALID
            else:
                converted = parse(value)
        except (ValueError, TypeError, InvalidOperation, OverflowError):
            converted = _INVALID
        if converted is _INVALID:
            raise _invalid(value, column, field)
        return converted

    return coerce


def coerce_pattern(value: Any, column: sa.ColumnElement, field: str) -> str:
    """A LIKE operand as text: a string or number, never NULL or a list."""
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _invalid(value, column, field)
    if unsendable_reason(value):
        raise _invalid(value, column, field)
    return str(value)


def _invalid(value: Any, column: sa.ColumnElement, field: str) -> BadRequest:
    name = getattr(column, "key", None) or field
    reason = unsendable_reason(value)
    if reason is not None:  # not quoted back: a NUL in a message is no help to anyone
        return BadRequest(f"Invalid value for field '{name}': {reason}.")
    shown = str(value)
    if len(shown) > MAX_SHOWN_VALUE:
        shown = shown[:MAX_SHOWN_VALUE] + "..."
    shown = shown.encode("utf-8", "backslashreplace").decode("utf-8")  # no lone surrogates
    return BadRequest(f"Invalid value for field '{name}': '{shown}'")


_INVALID = object()


def _convert(value: Any, target: type | None, column: sa.ColumnElement) -> Any:
    if isinstance(value, list | tuple | dict | set):
        return _INVALID
    return _parser(target, column)(value)


def _parser(target: type | None, column: sa.ColumnElement) -> Callable[[Any], Any]:
    """How a scalar value is read for a column of Python type ``target``."""
    if target is None:
        return _same
    if target in (dict, list):
        return _refuse  # JSON and array columns cannot be compared with a scalar
    if target is dt.datetime:
        aware = getattr(column.type, "timezone", False)
        return lambda value: _to_datetime(value, aware)
    return _PARSERS.get(target, _same)


def _same(value: Any) -> Any:
    return value


def _refuse(value: Any) -> Any:
    return _INVALID


def _to_float(value: Any) -> Any:
    number = value if isinstance(value, float) else float(_text(value))
    return number if math.isfinite(number) else _INVALID


def _to_decimal(value: Any) -> Any:
    number = value if isinstance(value, Decimal) else Decimal(_text(value))
    if not number.is_finite() or abs(number.adjusted()) > MAX_DECIMAL_EXPONENT:
        return _INVALID
    return number


def _to_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _INVALID
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(_text(value))


def _to_time(value: Any) -> Any:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(_text(value))


def _to_uuid(value: Any) -> Any:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(_text(value))


def _to_str(value: Any) -> Any:
    return value if isinstance(value, str) else _text(value)


def _to_bytes(value: Any) -> Any:
    return value if isinstance(value, bytes) else _text(value).encode()


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
        number = int(value)
        if number != value:
            return _INVALID  # not a whole number
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


_PARSERS: dict[type, Callable[[Any], Any]] = {
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
    Decimal: _to_decimal,
    dt.date: _to_date,
    dt.time: _to_time,
    uuid.UUID: _to_uuid,
    str: _to_str,
    bytes: _to_bytes,
}
"""Readers by exact Python type (``dt.datetime`` needs the column; other types pass as given)."""

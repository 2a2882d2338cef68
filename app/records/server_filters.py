"""Role filters (``filters``/``filter_op`` on an access row) as SQL and as a record check.

Each filter is ``{"name", "operator", "value"}`` with one of the operators a
role row may carry (``= != > >= < <= IN NOT IN STARTS WITH ENDS WITH CONTAINS
LIKE IS NULL IS NOT NULL``), already lookup-substituted. Reads, updates and
deletes AND the resulting condition into their WHERE clause; creates and
updates check each written record with ``record_allowed`` (AND: every filter
passes; OR: at least one does), as DreamFactory's ``validateRecord`` does.
"""

from __future__ import annotations

import fnmatch
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from app.records.values import coerce_pattern, coerce_value, is_text_column
from app.vocabulary.errors import BadRequest

COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
PATTERN = {"STARTS WITH": "startswith", "ENDS WITH": "endswith", "CONTAINS": "contains"}


def _list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    text = str(value or "").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return [part.strip().strip("'\"") for part in text.split(",") if part.strip()]


def _condition(item: Mapping[str, Any], columns: Mapping[str, sa.ColumnElement]):
    name = str(item.get("name", ""))
    column = columns.get(name.lower())
    if column is None:
        raise BadRequest(f"Invalid field '{name}' in the role's record filters.")
    op = str(item.get("operator", "=")).upper()
    value = item.get("value")
    if op == "IS NULL":
        return column.is_(None)
    if op == "IS NOT NULL":
        return column.is_not(None)
    if op in COMPARE:
        if value is None:
            return column.is_(None) if op == "=" else column.is_not(None)
        return COMPARE[op](column, coerce_value(value, column, name))
    if op in ("IN", "NOT IN"):
        values = [coerce_value(v, column, name) for v in _list(value)]
        return column.in_(values) if op == "IN" else column.not_in(values)
    target = column if is_text_column(column) else sa.cast(column, sa.String)
    if op == "LIKE":
        return target.like(coerce_pattern(value, column, name))
    if op in PATTERN:
        return getattr(target, PATTERN[op])(coerce_pattern(value, column, name), autoescape=True)
    raise BadRequest(f"Invalid operator '{op}' in the role's record filters.")


def to_condition(
    filters: Sequence[Mapping[str, Any]], filter_op: str, columns: Mapping[str, sa.ColumnElement]
) -> sa.ColumnElement[bool] | None:
    """The filters as one SQL condition, or None when there are none."""
    parts = [_condition(item, columns) for item in filters]
    if not parts:
        return None
    return sa.or_(*parts) if filter_op.upper() == "OR" else sa.and_(*parts)


def _as_comparable(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(left, bool) or isinstance(right, bool):
        truthy = ("1", "true", "yes", "y", "t", "on")
        return str(left).lower() in truthy, str(right).lower() in truthy
    try:
        return float(left), float(right)
    except (TypeError, ValueError):
        return str(left), str(right)


def _equal(left: Any, right: Any) -> bool:
    a, b = _as_comparable(left, right)
    return a == b


def _passes(item: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    name = str(item.get("name", ""))
    actual = next((v for k, v in record.items() if k.lower() == name.lower()), None)
    op = str(item.get("operator", "=")).upper()
    expected = item.get("value")
    if op == "IS NULL":
        return actual is None
    if op == "IS NOT NULL":
        return actual is not None
    if actual is None:
        return (op == "=" and expected is None) or (op == "!=" and expected is not None)
    if op in ("IN", "NOT IN"):
        found = any(_equal(actual, v) for v in _list(expected))
        return found if op == "IN" else not found
    if op in COMPARE:
        if expected is None:
            return op == "!="
        left, right = _as_comparable(actual, expected)
        try:
            return bool(COMPARE[op](left, right))
        except TypeError:
            return False
    text, pattern = str(actual), str(expected or "")
    if op == "STARTS WITH":
        return text.startswith(pattern)
    if op == "ENDS WITH":
        return text.endswith(pattern)
    if op == "CONTAINS":
        return pattern in text
    if op == "LIKE":
        return fnmatch.fnmatchcase(text, pattern.replace("%", "*").replace("_", "?"))
    return False


def record_allowed(
    filters: Sequence[Mapping[str, Any]],
    filter_op: str,
    record: Mapping[str, Any],
    partial: bool = False,
) -> bool:
    """Whether a written record satisfies the filters (``partial``: only fields it sets)."""
    items = [
        f
        for f in filters
        if not partial or any(k.lower() == str(f.get("name", "")).lower() for k in record)
    ]
    if not items:
        return True
    results = [_passes(item, record) for item in items]
    return any(results) if filter_op.upper() == "OR" else all(results)

"""Parse the ``fields``, ``order``, ``group``, ``ids`` and flag parameters of record requests.

Every function takes ``columns``, a mapping of lower-cased field names to
column expressions, and resolves names case-insensitively against it; the
canonical name of a field is its column's ``key`` (else ``name``, else the
mapping key). No user text reaches SQL except as a looked-up column, so an
unknown or malformed name is a 400 rather than an expression.

``nulls first``/``nulls last`` are emitted natively only for dialects known to
support them (:data:`NATIVE_NULLS_ORDER`); for any other dialect, or when none
is given, they are emulated by ordering on ``column IS NULL`` first, which
works everywhere (MariaDB and MySQL have no ``NULLS FIRST``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from app.vocabulary.errors import BadRequest

NATIVE_NULLS_ORDER = frozenset({"postgresql", "sqlite", "oracle"})
"""Dialect names whose SQL has ``NULLS FIRST`` / ``NULLS LAST``."""

AGGREGATES = {
    "SUM": sa.func.sum,
    "COUNT": sa.func.count,
    "AVG": sa.func.avg,
    "MIN": sa.func.min,
    "MAX": sa.func.max,
}
"""Aggregate functions allowed in ``fields`` alongside ``group``."""

_AGGREGATE = re.compile(r"(?P<func>[A-Za-z]+)\s*\(\s*(?P<arg>[^()]*?)\s*\)")
_DIRECTIONS = {"ASC": "asc", "DESC": "desc"}
_NULLS = {"FIRST": "first", "LAST": "last"}


def canonical_name(key: str, column: sa.ColumnElement) -> str:
    """The name a field is reported under: the column's key, else its name, else ``key``."""
    return getattr(column, "key", None) or getattr(column, "name", None) or key


def _items(value: str | Iterable[Any] | None) -> list[str]:
    """Comma-separated text or a list of such texts as trimmed, non-empty items."""
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else [str(v) for v in value]
    items = [p.strip() for part in parts for p in str(part).split(",")]
    return [item for item in items if item]


def _lookup(columns: Mapping[str, sa.ColumnElement], field: str) -> sa.ColumnElement | None:
    column = columns.get(field.lower())
    if column is None:  # tolerate a mapping whose keys were not lower-cased
        column = next((c for k, c in columns.items() if k.lower() == field.lower()), None)
    return column


def parse_fields(
    text: str | Iterable[Any] | None, columns: Mapping[str, sa.ColumnElement]
) -> list[str] | None:
    """Canonical names of the requested fields, or ``None`` for all of them (``*`` or empty)."""
    items = _items(text)
    if not items or "*" in items:
        return None
    names: list[str] = []
    for field in items:
        column = _lookup(columns, field)
        if column is None:
            raise BadRequest(f"Invalid field requested: {field}")
        name = canonical_name(field, column)
        if name not in names:
            names.append(name)
    return names


def parse_order(
    text: str | Iterable[Any] | None,
    columns: Mapping[str, sa.ColumnElement],
    dialect_name: str | None = None,
) -> list[sa.ColumnElement]:
    """ORDER BY expressions for ``field [asc|desc] [nulls first|last]`` items."""
    if text is not None and ";" in (text if isinstance(text, str) else ",".join(map(str, text))):
        raise BadRequest("Invalid order by clause in request.")
    expressions: list[sa.ColumnElement] = []
    for item in _items(text):
        field, *words = item.split()
        column = _lookup(columns, field)
        if column is None:
            raise BadRequest(f"Invalid field '{field}' in order by clause.")
        direction, nulls = _order_words([w.upper() for w in words])
        ordered = column.desc() if direction == "desc" else column.asc()
        if nulls is None:
            expressions.append(ordered)
        elif dialect_name in NATIVE_NULLS_ORDER:
            expressions.append(ordered.nulls_first() if nulls == "first" else ordered.nulls_last())
        else:
            is_null = column.is_(None)
            expressions += [is_null.desc() if nulls == "first" else is_null.asc(), ordered]
    return expressions


def _order_words(words: list[str]) -> tuple[str, str | None]:
    """Read ``[ASC|DESC] [NULLS FIRST|LAST]`` into (direction, nulls)."""
    direction = "asc"
    if words and words[0] in _DIRECTIONS:
        direction = _DIRECTIONS[words.pop(0)]
    nulls = None
    if words[:1] == ["NULLS"] and len(words) == 2 and words[1] in _NULLS:
        nulls = _NULLS[words[1]]
        words = []
    if words:
        raise BadRequest("Invalid order by clause in request.")
    return direction, nulls


def parse_group(
    text: str | Iterable[Any] | None, columns: Mapping[str, sa.ColumnElement]
) -> list[sa.ColumnElement]:
    """GROUP BY columns for a comma list of existing fields."""
    grouped: list[sa.ColumnElement] = []
    for field in _items(text):
        column = _lookup(columns, field)
        if column is None:
            raise BadRequest(f"Invalid or unknown field '{field}' in group by clause.")
        grouped.append(column)
    return grouped


def parse_aggregate_fields(
    text: str | Iterable[Any] | None, columns: Mapping[str, sa.ColumnElement]
) -> list[sa.ColumnElement]:
    """Labelled select expressions for ``fields`` used with ``group``.

    Items are plain fields (labelled with their canonical name) or
    ``SUM|COUNT|AVG|MIN|MAX(field)``, labelled ``SUM_field``; ``COUNT(*)`` is
    ``COUNT_ALL``. ``*`` or nothing selects every column.
    """
    items = _items(text)
    if not items or items == ["*"]:
        unique = {canonical_name(k, c): c for k, c in columns.items()}
        return [column.label(name) for name, column in unique.items()]
    selected: list[sa.ColumnElement] = []
    for item in items:
        match = _AGGREGATE.fullmatch(item)
        if match is None:
            column = _lookup(columns, item)
            if column is None:
                raise BadRequest(f"Invalid field requested: {item}")
            selected.append(column.label(canonical_name(item, column)))
            continue
        func, arg = match["func"].upper(), match["arg"]
        if func not in AGGREGATES:
            raise BadRequest(f"Invalid aggregate function requested: {item}")
        if arg == "*" and func == "COUNT":
            selected.append(sa.func.count().label("COUNT_ALL"))
            continue
        column = _lookup(columns, arg)
        if column is None:
            raise BadRequest(f"Invalid field requested: {item}")
        selected.append(AGGREGATES[func](column).label(f"{func}_{canonical_name(arg, column)}"))
    return selected


def parse_ids(value: str | int | Iterable[Any] | None) -> list[str]:
    """Record ids from ``ids=1,2,3`` (trimmed, empties dropped) or a list (stringified)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, int | float):
        return [str(value)]
    return [str(item) for item in value if item is not None]


MAX_INT = 2**63 - 1
"""Largest ``limit``/``offset`` passed on: every backend's BIGINT holds it."""


def parse_int(value: Any, name: str) -> int | None:
    """A non-negative integer parameter such as ``limit`` or ``offset``; None when absent."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip(), re.ASCII):
        try:
            number = int(value.strip())
        except ValueError:  # more digits than int() will convert
            number = None
    if number is None:
        raise BadRequest(f"Invalid value for '{name}': must be an integer.")
    if number < 0:
        raise BadRequest(f"Invalid value for '{name}': must not be negative.")
    return min(number, MAX_INT)

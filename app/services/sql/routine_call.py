"""Calling a stored procedure or function: arguments in, result and OUT parameters out.

Arguments come, in this order of precedence, from the body's ``params``
(an array of values in parameter order, or of ``{"name", "value"}``
objects, or an object of names to values), from the path
(``/_proc/name(1,'a')``) or from query parameters named like the routine's
parameters. Every name is checked against the catalog and every value is
bound, never written into SQL; the only identifiers in the statement are
the catalog's own names, quoted by the dialect.

- PostgreSQL functions run as ``SELECT * FROM f(...)`` and procedures as
  ``CALL p(...)``, each argument cast to its catalog type; a scalar function
  answers its value, a set-returning one its rows, one with OUT parameters
  an object of them.
- MySQL/MariaDB functions run as ``SELECT f(...)``; procedures as ``CALL``
  with OUT/INOUT parameters in session variables read back afterwards. Rows
  of the procedure's result sets are the result; OUT values are merged in
  (with rows, the rows go under the ``wrapper`` key, default ``resource``).

``returns`` casts a single value to a simple type, ``schema`` (``{field:
type}``) casts fields of the rows and OUT values, ``wrapper`` wraps the
result under that key.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa

from app.services.sql.routines import Routine
from app.vocabulary.errors import BadRequest
from app.vocabulary.flags import to_bool

CALL_FORM = re.compile(r"^([A-Za-z_][A-Za-z0-9_$]*)\s*\((.*)\)$", re.DOTALL)
"""``name(arg, ...)`` in the path."""

RESERVED = frozenset(
    {"returns", "schema", "wrapper", "params", "api_key", "session_token", "refresh", "ids"}
)
"""Query parameters that are options, never routine arguments."""

MISSING: Any = object()

CASTS = {
    "integer": int,
    "int": int,
    "bigint": int,
    "smallint": int,
    "tinyint": int,
    "id": int,
    "float": float,
    "double": float,
    "decimal": Decimal,
    "money": Decimal,
    "boolean": to_bool,
    "bool": to_bool,
    "string": str,
    "text": str,
}
"""Simple types ``returns`` and ``schema`` can cast to."""


def split_call(segment: str) -> tuple[str, list[str] | None]:
    """``name(1,'a b')`` → (``name``, [``1``, ``a b``]); a bare name has no inline arguments."""
    match = CALL_FORM.match(segment.strip())
    if not match:
        return segment, None
    inner = match.group(2).strip()
    if not inner:
        return match.group(1), []
    reader = csv.reader([inner], skipinitialspace=True, quotechar="'")
    return match.group(1), [value.strip() for value in next(reader)]


def arguments(
    routine: Routine, body_params: Any, inline: list[str] | None, query: dict[str, str]
) -> dict[str, Any]:
    """Parameter name → value for the routine's IN/INOUT parameters that were given."""
    inputs = routine.inputs
    by_name = {p.name.lower(): p for p in inputs}
    given: dict[str, Any] = {}

    def put(name: Any, value: Any) -> None:
        param = by_name.get(str(name).lower())
        if param is None:
            raise BadRequest(f"Unknown parameter '{str(name)[:64]}' for '{routine.name}'.")
        given[param.name] = value

    def positional(values: list[Any]) -> None:
        if len(values) > len(inputs):
            raise BadRequest(f"'{routine.name}' takes {len(inputs)} parameter(s).")
        for param, value in zip(inputs, values, strict=False):
            given[param.name] = value

    if body_params not in (None, "", [], {}):
        if isinstance(body_params, dict):
            for name, value in body_params.items():
                put(name, value)
        elif isinstance(body_params, list) and all(
            isinstance(p, dict) and "name" in p for p in body_params
        ):
            for item in body_params:
                put(item["name"], item.get("value"))
        elif isinstance(body_params, list):
            positional(body_params)
        else:
            raise BadRequest("'params' must be an array of values or of {name, value} objects.")
    elif inline is not None:
        positional([None if v.lower() == "null" else v for v in inline])
    else:
        for key, value in query.items():
            if key.lower() in by_name and key.lower() not in RESERVED:
                put(key, value)
    for value in given.values():
        if isinstance(value, dict | list):
            raise BadRequest(f"Parameters of '{routine.name}' must be plain values.")
    return given


def _pg_argument_list(routine: Routine, given: dict[str, Any], procedure: bool) -> tuple:
    """(SQL argument list, bound values): each value cast to its parameter's type."""
    params = routine.params if procedure else routine.inputs
    wanted = [p for p in params if p.mode != "OUT" or procedure]
    # trailing parameters with defaults may be left out when not given
    while wanted and wanted[-1].name not in given and wanted[-1].default is not None:
        wanted.pop()
    parts, values = [], {}
    for index, param in enumerate(wanted):
        key = f"p{index}"
        values[key] = None if param.mode == "OUT" else given.get(param.name)
        parts.append(f"CAST(:{key} AS {param.cast})")
    return ", ".join(parts), values


def _fresh(connection: sa.Connection) -> sa.Connection:
    """End the implicit transaction of the catalog reads: the call gets its own."""
    if connection.in_transaction():
        connection.commit()
    return connection


def call_postgresql(connection: sa.Connection, schema_name: str | None, routine: Routine, given):
    preparer = connection.dialect.identifier_preparer
    name = preparer.quote(routine.name)
    if schema_name:
        name = f"{preparer.quote(schema_name)}.{name}"
    procedure = routine.kind == "PROCEDURE"
    args, values = _pg_argument_list(routine, given, procedure)
    # only the catalog's names, quoted, and bound placeholders reach the text
    sql = f"CALL {name}({args})" if procedure else f"SELECT * FROM {name}({args})"  # noqa: S608
    with _fresh(connection).begin():
        result = connection.execute(sa.text(sql), values)
        rows = [dict(r) for r in result.mappings()] if result.returns_rows else []
    if procedure:
        return (rows[0] if rows else None), {}
    if routine.returns_set:
        return rows, {}
    if not rows:
        return None, {}
    row = rows[0]
    if routine.outputs or len(row) > 1:
        return row, {}
    if (routine.return_type or "").lower() == "void":
        return None, {}
    return next(iter(row.values())), {}


def call_mysql(connection: sa.Connection, routine: Routine, given: dict[str, Any]):
    preparer = connection.dialect.identifier_preparer
    name = preparer.quote(routine.name)
    if routine.kind == "FUNCTION":
        keys = [f"p{i}" for i in range(len(routine.inputs))]
        sql = f"SELECT {name}({', '.join(':' + k for k in keys)})"
        values = {k: given.get(p.name) for k, p in zip(keys, routine.inputs, strict=True)}
        with _fresh(connection).begin():
            return connection.execute(sa.text(sql), values).scalar(), {}
    placeholders, values, variables = [], [], {}
    setup: list[tuple[str, Any]] = []
    for index, param in enumerate(routine.params):
        if param.mode == "IN":
            placeholders.append("%s")
            values.append(given.get(param.name))
            continue
        variable = f"@df_out_{index}"
        variables[param.name] = variable
        placeholders.append(variable)
        if param.mode == "INOUT":
            setup.append((f"SET {variable} = %s", given.get(param.name)))
        else:
            setup.append((f"SET {variable} = NULL", MISSING))
    with _fresh(connection).begin():
        cursor = connection.connection.cursor()
        try:
            for statement, value in setup:
                cursor.execute(statement, () if value is MISSING else (value,))
            cursor.execute(f"CALL {name}({', '.join(placeholders)})", tuple(values))
            rows: list[dict[str, Any]] = []
            while True:
                if cursor.description:
                    columns = [c[0] for c in cursor.description]
                    rows.extend(dict(zip(columns, r, strict=True)) for r in cursor.fetchall())
                if not cursor.nextset():
                    break
            outs: dict[str, Any] = {}
            if variables:
                cursor.execute("SELECT " + ", ".join(variables.values()))
                outs = dict(zip(variables, cursor.fetchone(), strict=True))
        finally:
            cursor.close()
    return rows, outs


def _cast(value: Any, kind: Any, what: str) -> Any:
    cast = CASTS.get(str(kind).lower())
    if cast is None:
        raise BadRequest(f"Unknown type '{str(kind)[:40]}' to cast {what} to.")
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    try:
        return cast(value) if cast is not Decimal else Decimal(str(value))
    except (TypeError, ValueError, ArithmeticError):
        raise BadRequest(f"Can not cast {what} '{str(value)[:40]}' to {kind}.") from None


def _schema_option(value: Any) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise BadRequest("'schema' must be an object of field names to types.") from None
    if not isinstance(value, dict):
        raise BadRequest("'schema' must be an object of field names to types.")
    return value


def shape(result: Any, outs: dict[str, Any], *, returns: Any, schema: Any, wrapper: Any) -> Any:
    """Apply ``schema`` casts, merge OUT values, cast with ``returns``, wrap with ``wrapper``."""
    casts = _schema_option(schema)
    if casts:
        for row in result if isinstance(result, list) else [result, outs]:
            if isinstance(row, dict):
                for key, kind in casts.items():
                    if key in row:
                        row[key] = _cast(row[key], kind, f"field '{key}'")
    if returns not in (None, "") and not isinstance(result, dict | list):
        result = _cast(result, returns, "the result")
    if outs:
        if isinstance(result, list) and result:
            return {str(wrapper or "resource"): result, **outs}
        result = {**(result if isinstance(result, dict) else {}), **outs}
    if wrapper not in (None, ""):
        return {str(wrapper): result}
    return result

"""Reads of ``_table`` records by key: by id, ``ids``, record lists, and re-reads after writes.

One query per chunk of keys, whatever their number; a read by one key reuses one
statement per table with the key as a bound parameter (``reader.template``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.records.clauses import parse_fields
from app.services.sql import keys, relations
from app.services.sql.reader import (
    attach_related,
    fetch,
    record_columns,
    related_queries,
    template,
)

if TYPE_CHECKING:
    from app.services.sql.context import TableContext


def read_keys(
    ctx: TableContext,
    key_list: Sequence[keys.Key],
    related_option: bool = True,
    verb: str = "GET",
) -> list[dict[str, Any] | None]:
    """The records for ``key_list`` (None where missing or filtered out), in that order.

    Each record has the request's ``fields`` (and ``related`` unless ``related_option`` is off).

    One query per chunk of keys, whatever their number; the caller's row
    filters for ``verb`` apply, so a record outside them is "missing".
    """
    related = related_queries(ctx) if related_option else []
    fields = parse_fields(ctx.options.fields, ctx.table.columns)
    columns, strip = record_columns(ctx, fields, related)
    key_names = list(key_list[0]) if key_list else []
    extra = [ctx.table.table.c[n] for n in key_names if all(c.key != n for c in columns)]
    server = ctx.condition(verb)
    found: dict[tuple, dict[str, Any]] = {}
    for start in range(0, len(key_list), relations.CHUNK):
        chunk = key_list[start : start + relations.CHUNK]
        params = None
        if len(key_names) == 1 and len(chunk) == 1:
            # one record by key: the same statement every time, the key a bound parameter
            name = key_names[0]
            params = {BY_KEY: chunk[0][name]}
            shape = ("key", name, tuple(c.key for c in columns), tuple(c.key for c in extra))
            select = template(
                ctx.table, shape, lambda name=name: _by_key_select(ctx, columns, extra, name)
            )
        else:
            select = sa.select(*columns, *[c.label(f"__df_key_{c.key}") for c in extra])
            if len(key_names) == 1:
                values = [k[key_names[0]] for k in chunk]
                column = ctx.table.table.c[key_names[0]]
                select = select.where(relations.key_in(column, values, ctx.connection.dialect.name))
            else:
                select = select.where(sa.or_(*(keys.condition(ctx.table, k) for k in chunk)))
        if server is not None:
            select = select.where(server)
        for row in fetch(ctx.connection, select, params=params):
            ident = tuple(
                _norm(row.pop(f"__df_key_{n}") if f"__df_key_{n}" in row else row[n])
                for n in key_names
            )
            found[ident] = row
    ordered = [found.get(tuple(_norm(k[n]) for n in key_names)) for k in key_list]
    present = [row for row in ordered if row is not None]
    attach_related(ctx, present, related, strip)
    return ordered


BY_KEY = "__df_key"
"""The bound parameter of a read by one key."""


def _by_key_select(ctx: TableContext, columns: list, extra: list, name: str) -> sa.Select:
    select = sa.select(*columns, *[c.label(f"__df_key_{c.key}") for c in extra])
    return select.where(ctx.table.table.c[name] == sa.bindparam(BY_KEY))


def _norm(value: Any) -> Any:
    """Key values compared across the round trip (MySQL may answer ``'A'`` for ``'a'``)."""
    return value.lower() if isinstance(value, str) else value


def read_one(ctx: TableContext, key: keys.Key, verb: str = "GET") -> dict[str, Any]:
    """One record by key, or the 404 DreamFactory gives for a missing identifier."""
    row = read_keys(ctx, [key], verb=verb)[0]
    if row is None:
        raise keys.not_found(keys.shown(key))
    return row

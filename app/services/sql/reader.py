"""The read path of ``_table``: pages, counts, related records, and reads by key.

Rows become plain dicts straight from the cursor, once; the page is then
serialized once by orjson (``app.responses``), so memory follows the page
size. Large pages are fetched with a server-side cursor in chunks.

``meta`` follows DreamFactory's ``Table::runQuery``: the count is computed
when ``include_count`` is set or when no limit (or one above the maximum) was
given; ``meta.count`` is shown when asked for or when the table holds more
rows than the maximum, and ``meta.next`` when rows remain after this page.
Without ``include_count`` one extra row is fetched instead of counting, so
the count query runs only when more rows than the maximum exist.

Reads by key (by id, ``ids``, record lists, and re-reads after writes) take one
query per chunk of keys, whatever their number; a read by one key reuses one
statement per table with the key as a bound parameter (``template``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa

from app.access.authz import verb_mask
from app.records.clauses import (
    parse_aggregate_fields,
    parse_fields,
    parse_group,
    parse_order,
)
from app.records.filters import parse_filter
from app.services.sql import keys, relations
from app.services.sql.describe import describe_table
from app.vocabulary.errors import BadRequest, Forbidden
from app.vocabulary.verbs import Verb

if TYPE_CHECKING:
    from app.records.options import RecordOptions
    from app.services.sql.context import TableContext
    from app.services.sql.schema import TableInfo

STREAM_ABOVE = 1000
"""Pages larger than this many rows are fetched through a server-side cursor."""

STREAM_CHUNK = 1000
"""Rows per fetch from a server-side cursor."""


def fetch(
    connection: sa.Connection,
    select: sa.Select,
    size: int | None = None,
    params: dict[str, Any] | None = None,
) -> list[dict]:
    """The rows of ``select`` as dicts, streamed from the server when the page is large."""
    if size is not None and size > STREAM_ABOVE:
        connection = connection.execution_options(stream_results=True, yield_per=STREAM_CHUNK)
        result = connection.execute(select, params)
        names = list(result.keys())
        return [dict(zip(names, row, strict=True)) for row in result]
    result = connection.execute(select, params)
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result.all()]


TEMPLATES = 256
"""Ready-built statements kept per table (see ``template``)."""


def template(table: TableInfo, key: tuple, build: Callable[[], sa.Select]) -> sa.Select:
    """The statement ``build`` makes for ``key``, built once per cached table.

    A busy API repeats the same few reads. Building a ``Select`` and working
    out SQLAlchemy's cache key for it costs more than running it; a statement
    object used again keeps its cache key, so the compiled form is found at
    once. ``key`` must name everything the statement depends on; values that
    change per call are bound parameters.
    """
    cache = table.__dict__.setdefault("_templates", {})
    found = cache.get(key)
    if found is None:
        found = build()
        if len(cache) >= TEMPLATES:
            cache.clear()
        cache[key] = found
    return found


def may_stream(options: RecordOptions, max_records: int) -> bool:
    """Whether a GET may fetch a page big enough for a server-side cursor (needs a transaction).

    Asked before the connection is opened, so a ``limit`` that is no integer
    counts as none here; the page itself reports it.
    """
    given = options.raw_limit
    try:
        limit = int(given) if given not in (None, "") else 0
    except (TypeError, ValueError):
        limit = 0
    page = limit if 0 < limit <= max_records else max_records
    return page > STREAM_ABOVE


FILTER_CACHE = 256
"""Parsed filters kept per table (a busy API repeats the same few filters)."""


def parsed_filter(table: TableInfo, text: str, params: dict | None) -> Any:
    """The condition for ``filter`` text and ``params``, parsed once per cached table.

    Lookups were substituted before the service saw the text, so the text and
    the params say everything the condition depends on; refused filters are
    not kept.
    """
    key = (text, orjson.dumps(params, option=orjson.OPT_SORT_KEYS, default=str) if params else b"")
    cache = table.__dict__.setdefault("_filters", {})
    found = cache.get(key)
    if found is None:
        found = parse_filter(text, table.columns, params, ranged=table.ranged)
        if len(cache) >= FILTER_CACHE:
            cache.clear()
        cache[key] = found
    return found


def where(ctx: TableContext, verb: str = "GET") -> sa.ColumnElement[bool] | None:
    """The client's ``filter`` AND-ed with the caller's row filters for ``verb``."""
    parts = []
    text = ctx.options.filter
    if text is not None:
        params = ctx.options.params
        if params is not None and not isinstance(params, dict):
            raise BadRequest("Filter parameters ('params') must be an object of names to values.")
        condition = parsed_filter(ctx.table, text, params)
        if condition is not None:
            parts.append(condition)
    server = ctx.condition(verb)
    if server is not None:
        parts.append(server)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else sa.and_(*parts)


def related_queries(ctx: TableContext) -> list[relations.RelatedQuery]:
    return relations.parse_related(ctx.options.related, ctx.query_option, ctx.relations())


def record_columns(
    ctx: TableContext, fields: list[str] | None, related: Sequence[relations.RelatedQuery]
) -> tuple[list[sa.Column], set[str]]:
    """Columns to select and the ones added only to join relations (stripped afterwards)."""
    if fields is None:
        return ctx.table.outputs(), set()
    names = list(fields)
    extra = set()
    for query in related:
        if query.relation.field not in names:
            names.append(query.relation.field)
            extra.add(query.relation.field)
    return ctx.table.outputs(names), extra


def attach_related(
    ctx: TableContext,
    rows: list[dict[str, Any]],
    related: Sequence[relations.RelatedQuery],
    strip: Iterable[str] = (),
) -> list[dict[str, Any]]:
    if related:  # also without rows: the relation options are checked all the same
        relations.attach(
            ctx.connection,
            ctx.schema,
            rows,
            related,
            lambda ref: related_condition(ctx, ref),
            ctx.max_records(),
        )
    strip = set(strip)
    if strip:
        for row in rows:
            for name in strip:
                row.pop(name, None)
    return rows


def related_condition(ctx: TableContext, ref):
    """Row filters the caller has on a related table; 403 when the role cannot read it."""
    actor = ctx.request.actor
    if actor is not None and not actor.is_sys_admin:
        if not verb_mask(actor, ctx.service.name, f"_table/{ref.name}") & Verb.GET:
            raise Forbidden(
                f"Access Forbidden. GET access to component '_table/{ref.name}' of service "
                f"'{ctx.service.name}' is not allowed by this user's role."
            )
    return ctx.condition("GET", ref)


# -- queries ---------------------------------------------------------------------


def query(ctx: TableContext) -> Any:
    """``GET _table/{t}`` without ids: the page, or a bare count with ``count_only``."""
    condition = where(ctx)
    options = ctx.options
    grouping = parse_group(options.group, ctx.table.columns) if options.group else []
    if options.count_only:
        return _count(ctx, grouping, condition)
    related = related_queries(ctx)
    if grouping and related:
        raise BadRequest("Related records can not be requested with 'group'.")
    order = options.order
    strip: set[str] = set()
    if not grouping:
        fields = parse_fields(options.fields, ctx.table.columns)
        strip = record_columns(ctx, fields, related)[1]
    if order:
        _check_order(ctx, order)  # before the page options, as their errors come in that order

    maximum = ctx.max_records()
    limit = options.limit
    offset = options.offset or 0
    needs_limit = not limit or limit > maximum
    if needs_limit:
        limit = maximum
    include_count = options.include_count
    probe = needs_limit and not include_count

    def build() -> sa.Select:
        page = limit + 1 if probe else limit
        select = _page_select(ctx, condition, grouping, related, order, page)
        return select.offset(offset) if offset else select

    if ctx.condition("GET") is None and not grouping:
        # the statement follows from the options alone: the client's filter text and params
        # (lookups already substituted), fields, the relations joined, order and page size
        key = (
            "page",
            _frozen(options.fields),
            tuple(query.relation.field for query in related),
            _frozen(order),
            options.filter,
            _frozen(options.params) if options.filter is not None else None,
            limit + 1 if probe else limit,
            offset,
        )
        select = template(ctx.table, key, build)
    else:
        select = build()
    rows = fetch(ctx.connection, select, limit)
    meta: dict[str, Any] = {}
    count = None
    if include_count or (probe and (len(rows) > limit or (not rows and offset))):
        count = _count(ctx, grouping, condition)
    elif probe:
        count = offset + len(rows)  # the last page: the count is known without a query
    del rows[limit:]
    if count is not None:
        if include_count or count > maximum:
            meta["count"] = count
        if count - offset > limit:
            meta["next"] = offset + limit
    attach_related(ctx, rows, related, strip)
    if options.include_schema:
        meta["schema"] = describe_table(ctx.schema, ctx.connection, ctx.table, ctx.service.id)
    body: dict[str, Any] = {"resource": rows}
    if meta:
        body["meta"] = meta
    return body


def _page_select(
    ctx: TableContext,
    condition: Any,
    grouping: list,
    related: Sequence[relations.RelatedQuery],
    order: Any,
    limit: int,
) -> sa.Select:
    table = ctx.table.table
    if grouping:
        select = sa.select(*parse_aggregate_fields(ctx.options.fields, ctx.table.columns))
        select = select.select_from(table).group_by(*grouping)
    else:
        fields = parse_fields(ctx.options.fields, ctx.table.columns)
        select = sa.select(*record_columns(ctx, fields, related)[0])
    if condition is not None:
        select = select.where(condition)
    ordering = parse_order(order, ctx.table.columns, ctx.connection.dialect.name) if order else []
    if not ordering and not grouping:
        ordering = [table.c[name] for name in ctx.table.primary_key]
    return select.order_by(*ordering).limit(limit)


def _check_order(ctx: TableContext, order: Any) -> None:
    """400 for an ``order`` naming no column; each accepted text is checked once per table."""
    known = ctx.table.__dict__.setdefault("_orders", set())
    key = _frozen(order)
    if key not in known:
        parse_order(order, ctx.table.columns, ctx.connection.dialect.name)
        if len(known) >= TEMPLATES:
            known.clear()
        known.add(key)


def _frozen(value: Any) -> Any:
    """An option value as part of a dict key: text as is, anything else as tagged JSON."""
    if value is None or isinstance(value, str):
        return value
    return (type(value).__name__, orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str))


def _count(ctx: TableContext, grouping: list, condition: Any) -> int:
    """Rows (or groups) the condition selects."""
    if grouping:
        inner = sa.select(*grouping).select_from(ctx.table.table)
        inner = inner.where(condition) if condition is not None else inner
        base = sa.select(sa.func.count()).select_from(inner.group_by(*grouping).subquery())
    else:
        base = sa.select(sa.func.count()).select_from(ctx.table.table)
        base = base.where(condition) if condition is not None else base
    return int(ctx.connection.execute(base).scalar_one())


# Reads by key ---------------------------------------------------------------


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

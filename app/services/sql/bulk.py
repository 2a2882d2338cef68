"""Creating many plain records at once, with the batch semantics of one record at a time.

A batch POST normally writes record by record, each in its own SAVEPOINT
(``batch.run_batch``): three round trips per record. When every record is a
plain one (no nested relations, no SQL expressions, the same fields in each,
each valid and inside the caller's row filters) and the database returns
generated keys in parameter order (``INSERT ... RETURNING`` through
SQLAlchemy's "insertmanyvalues"), the whole batch is tried as one
multi-row INSERT in one transaction instead. If that fails for any reason the
transaction is rolled back and the request takes the record-by-record path,
which reports each failure exactly as before; so the fast path only changes
how fast a batch that succeeds is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from app.records.server_filters import record_allowed
from app.services.sql.values import WritePlan, prepare, split_record, write_plan
from app.vocabulary.errors import ApiError, BadRequest

if TYPE_CHECKING:
    from app.services.sql import keys
    from app.services.sql.schema import TableInfo
    from app.services.sql.writer import Writer

MIN_RECORDS = 2
"""Batches smaller than this go record by record."""


def plain_rows(writer: Writer, records: list[Any]) -> list[tuple[dict, dict]] | None:
    """(values, plain values) per record, or None when a record needs the careful path."""
    ctx = writer.ctx
    table = ctx.table
    relation_names = {n.lower(): n for n in writer.relations(table)}
    plan = write_plan(table)
    simple = plan.plain if not plan.automatic else frozenset()
    try:
        row_filter = ctx.row_filter("POST", table.name)
    except ApiError:
        return None
    rows: list[tuple[dict, dict]] = []
    fields: set[str] | None = None
    for record in records:
        if not isinstance(record, dict):
            return None
        try:
            found = simple_values(plan, record) if simple.issuperset(record) else None
            if found is not None:
                values = plain = found
            else:
                raw, nested = split_record(table, record, relation_names)
                if nested or not raw:
                    return None
                values, plain = prepare(table, raw, creating=True, user_id=writer.user_id)
                if any(isinstance(v, sa.ClauseElement) for v in values.values()):
                    return None
            if row_filter is not None and not record_allowed(
                row_filter.filters, row_filter.filter_op, plain, False
            ):
                return None  # refused (403) on the careful path
        except ApiError:
            return None
        if fields is None:
            fields = set(values)
        elif values.keys() != fields:
            return None
        rows.append((values, plain))
    return rows


def simple_values(plan: WritePlan, record: dict[str, Any]) -> dict[str, Any] | None:
    """What ``prepare`` makes of a record of plain fields with plain values, else None.

    Every key names a column as spelled (``plan.plain``) and the table fills
    in no field itself, so the record's values are only typed and checked.
    """
    if not record:
        return None
    writers = plan.writers
    values = {}
    for key, value in record.items():
        if value is None or isinstance(value, dict):
            return None  # NULLs and expressions: prepare decides
        values[key] = writers[key](value, key)
    for key in plan.required:
        if key not in values:
            raise BadRequest(f"Required field '{key}' can not be NULL.")
    return values


def insert_table(table: TableInfo) -> sa.Table:
    """The table as inserts see it: a reflected ``nextval(...)`` key default is its SERIAL.

    SQLAlchemy orders the keys a multi-row INSERT returns by an auto-incremented
    key; a reflected PostgreSQL SERIAL looks like any server default to it, so
    a copy of the table without that default (kept with the table) says what it is.
    """
    found = table.__dict__.get("_insert_table")
    if found is None:
        found = table.table.to_metadata(sa.MetaData())
        for column in found.primary_key.columns:
            default = column.server_default
            text = str(getattr(getattr(default, "arg", None), "text", ""))
            if column.autoincrement is True and text.lower().startswith("nextval("):
                column.server_default = None
        table.__dict__["_insert_table"] = found
    return found


def create_many(writer: Writer, records: list[Any]) -> list[keys.Key] | None:
    """The keys of the records created in one statement, or None to take the careful path."""
    ctx = writer.ctx
    connection = ctx.connection
    dialect = connection.dialect
    table = ctx.table
    if len(records) < MIN_RECORDS or not table.primary_key:
        return None
    if not getattr(dialect, "insert_executemany_returning_sort_by_parameter_order", False):
        return None
    rows = plain_rows(writer, records)
    if rows is None:
        return None
    target = insert_table(table)
    key_columns = [target.c[n] for n in table.primary_key]
    statement = target.insert().returning(*key_columns, sort_by_parameter_order=True)
    if connection.in_transaction():
        connection.commit()
    try:
        with connection.begin():
            inserted = connection.execute(statement, [values for values, _ in rows]).all()
    except SQLAlchemyError:
        return None  # rolled back: the record-by-record path reports what failed
    fields = ctx.key_fields()
    found = []
    for (_, plain), row in zip(rows, inserted, strict=True):
        generated = dict(zip(table.primary_key, row, strict=True))
        found.append({name: generated.get(name, plain.get(name)) for name in fields})
    return found

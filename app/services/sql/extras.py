"""DreamFactory metadata of tables and fields, kept in a small table inside the service's database.

A database column cannot say that it is a ``timestamp_on_create`` field, a
``money`` value or a picklist, nor hold a label or validation rules. Like
DreamFactory's ``db_field_extras``, these facts live in a table, but here it
sits inside the service's own database (``df_schema_extras``), next to the
tables it describes: it survives edits of the service's config, moves with
a copy of the database, and is written in the same transaction as the DDL
where the database allows it. It is made on the first ``_schema`` write that
has something to remember, and hidden from ``_table`` and ``_schema``.

One row per field (``field_name`` empty for the table itself) holds a JSON
object of the keys in ``FIELD_KEYS``/``TABLE_KEYS``. A field's ``type`` is
stored only when the column's own type would describe it differently.
The service config's ``field_types`` still override a stored type.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
import sqlalchemy as sa

logger = logging.getLogger(__name__)

TABLE_NAME = "df_schema_extras"
"""The metadata table in each service database."""

FIELD_KEYS = ("type", "label", "description", "alias", "picklist", "validation")
"""Field facts kept here (the rest is read from the database's catalog)."""

TABLE_KEYS = ("label", "plural", "description", "alias", "name_field")
"""Table facts kept here, under an empty field name."""

metadata = sa.MetaData()
extras_table = sa.Table(
    TABLE_NAME,
    metadata,
    sa.Column("table_name", sa.String(128), primary_key=True),
    sa.Column("field_name", sa.String(128), primary_key=True),
    sa.Column("extras", sa.Text, nullable=False),
)

Extras = dict[str, dict[str, dict[str, Any]]]
"""Lower-cased table name → lower-cased field name (``""`` for the table) → facts."""


def _table(schema_name: str | None) -> sa.Table:
    if schema_name is None:
        return extras_table
    return extras_table.to_metadata(sa.MetaData(), schema=schema_name)


def load(connection: sa.Connection, schema_name: str | None) -> Extras:
    """Every stored fact, in one query (call only when the table exists)."""
    table = _table(schema_name)
    found: Extras = {}
    for table_name, field_name, text in connection.execute(sa.select(table)):
        try:
            facts = orjson.loads(text)
        except orjson.JSONDecodeError:
            logger.warning("table=%s field=%s unreadable schema extras", table_name, field_name)
            continue
        if isinstance(facts, dict):
            found.setdefault(table_name.lower(), {})[field_name.lower()] = facts
    return found


def ensure(connection: sa.Connection, schema_name: str | None) -> None:
    """Create the metadata table unless it exists."""
    _table(schema_name).create(connection, checkfirst=True)


def exists(connection: sa.Connection, schema_name: str | None) -> bool:
    return sa.inspect(connection).has_table(TABLE_NAME, schema=schema_name)


def save(
    connection: sa.Connection,
    schema_name: str | None,
    table_name: str,
    field_name: str,
    facts: dict[str, Any],
) -> None:
    """Store (or with empty ``facts`` forget) what is known of one field or table."""
    facts = {k: v for k, v in facts.items() if v not in (None, "", [], {})}
    present = exists(connection, schema_name)
    if not facts and not present:
        return
    if not present:
        ensure(connection, schema_name)
    table = _table(schema_name)
    where = sa.and_(table.c.table_name == table_name, table.c.field_name == field_name)
    connection.execute(table.delete().where(where))
    if facts:
        connection.execute(
            table.insert().values(
                table_name=table_name,
                field_name=field_name,
                extras=orjson.dumps(facts).decode(),
            )
        )


def forget(
    connection: sa.Connection,
    schema_name: str | None,
    table_name: str,
    field_name: str | None = None,
) -> None:
    """Drop the facts of a table (every field) or of one field."""
    if not exists(connection, schema_name):
        return
    table = _table(schema_name)
    where = table.c.table_name == table_name
    if field_name is not None:
        where = sa.and_(where, table.c.field_name == field_name)
    connection.execute(table.delete().where(where))

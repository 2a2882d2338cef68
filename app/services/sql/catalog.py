"""Every foreign key of a database in one catalog query per dialect.

SQLAlchemy's inspector asks SQLite and MySQL table by table; relations need
all keys pointing at a table, and a database may hold thousands of tables,
so the keys are read from the catalog at once: ``pg_constraint`` on
PostgreSQL, ``information_schema`` on MySQL/MariaDB, ``pragma_foreign_key_list``
joined with ``sqlite_master`` on SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

PG_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}

PG_FOREIGN_KEYS = sa.text(
    """
    SELECT con.conname, cl.relname, att.attname, rcl.relname, ratt.attname,
           con.confupdtype, con.confdeltype
    FROM pg_constraint con
    JOIN pg_class cl ON cl.oid = con.conrelid
    JOIN pg_namespace ns ON ns.oid = cl.relnamespace
    JOIN pg_class rcl ON rcl.oid = con.confrelid
    JOIN pg_namespace rns ON rns.oid = rcl.relnamespace
    CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)
    JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.attnum
    JOIN pg_attribute ratt ON ratt.attrelid = con.confrelid AND ratt.attnum = k.refnum
    WHERE con.contype = 'f' AND ns.nspname = :schema AND rns.nspname = :schema
    ORDER BY cl.relname, con.conname, k.ord
    """
)

MYSQL_FOREIGN_KEYS = sa.text(
    """
    SELECT k.CONSTRAINT_NAME, k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
           k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
    FROM information_schema.KEY_COLUMN_USAGE k
    JOIN information_schema.REFERENTIAL_CONSTRAINTS r
      ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
     AND r.TABLE_NAME = k.TABLE_NAME
    WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_SCHEMA = DATABASE()
      AND k.REFERENCED_TABLE_NAME IS NOT NULL
    ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION
    """
)

SQLITE_FOREIGN_KEYS = sa.text(
    """
    SELECT p.id, m.name, p."from", p."table", p."to", p.on_update, p.on_delete
    FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p
    WHERE m.type = 'table'
    ORDER BY m.name, p.id, p.seq
    """
)

SQLITE_PRIMARY_KEY = sa.text("SELECT name FROM pragma_table_info(:table) WHERE pk > 0 ORDER BY pk")


@dataclass(frozen=True)
class ForeignKey:
    """``table.columns`` → ``ref_table.ref_columns``."""

    name: str
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_update: str | None
    on_delete: str | None


def foreign_keys(connection: sa.Connection, schema_name: str | None) -> list[ForeignKey]:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        schema_name = schema_name or connection.execute(sa.text("SELECT current_schema()")).scalar()
        rows = connection.execute(PG_FOREIGN_KEYS, {"schema": schema_name}).all()
        rows = [(*r[:5], PG_ACTIONS.get(r[5]), PG_ACTIONS.get(r[6])) for r in rows]
    elif dialect in ("mysql", "mariadb"):
        rows = connection.execute(MYSQL_FOREIGN_KEYS).all()
    elif dialect == "sqlite":
        rows = _sqlite_rows(connection)
    else:
        rows = []
    return _group(rows)


def _sqlite_rows(connection: sa.Connection) -> list[tuple]:
    rows = [tuple(r) for r in connection.execute(SQLITE_FOREIGN_KEYS).all()]
    primary: dict[str, list[str]] = {}
    out = []
    for key_id, table, column, ref_table, ref_column, on_update, on_delete in rows:
        if ref_column is None:  # "REFERENCES parent" names the parent's primary key implicitly
            if ref_table not in primary:
                primary[ref_table] = list(
                    connection.execute(SQLITE_PRIMARY_KEY, {"table": ref_table}).scalars()
                )
            position = sum(1 for r in out if r[0] == f"{table}:{key_id}")
            keys = primary[ref_table]
            ref_column = keys[position] if position < len(keys) else None
        if ref_column is not None:
            out.append(
                (f"{table}:{key_id}", table, column, ref_table, ref_column, on_update, on_delete)
            )
    return out


def _group(rows: list[tuple]) -> list[ForeignKey]:
    """Rows of (constraint, table, column, ref_table, ref_column, on_update, on_delete) as keys."""
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for row in rows:
        grouped.setdefault((row[1], row[0]), []).append(row)
    keys = []
    for (table, name), items in grouped.items():
        first = items[0]
        keys.append(
            ForeignKey(
                name=str(name),
                table=table,
                columns=tuple(r[2] for r in items),
                ref_table=first[3],
                ref_columns=tuple(r[4] for r in items),
                on_update=first[5],
                on_delete=first[6],
            )
        )
    return keys

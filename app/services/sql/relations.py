"""Relations between tables, found from foreign keys and named as DreamFactory names them.

For a key ``child.parent_id → parent.id``:

- on ``child`` a ``belongs_to`` named ``parent_by_parent_id`` (``{ref_table}_by_{field}``);
- on ``parent`` a ``has_many`` named ``child_by_parent_id`` (``{ref_table}_by_{ref_field}``),
  a ``has_one`` when ``parent_id`` alone is unique in ``child``.

A junction table (exactly two one-column keys, to two different tables ``a``
and ``b``) adds a ``many_many`` on ``a`` named ``b_by_{junction}`` and one on
``b`` named ``a_by_{junction}``. Keys over several columns make no relation.

Virtual relationships declared on ``_schema`` (``virtual``) follow, unless a
relation found from the keys has their name already.

Reading: one query per relation per page (``WHERE key IN (...)``, in chunks),
never one per row; ``<rel>_limit`` limits the children of each parent with a
window function, inside the same query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from app.records.clauses import parse_fields, parse_int, parse_order
from app.services.sql.schema import DbSchema, TableInfo, label_for
from app.services.sql.virtual import name_of, stored_of
from app.vocabulary.errors import BadRequest, NotFound

CHUNK = 500
"""Keys per ``IN (...)`` list: a page may hold more keys than a driver binds at once."""

MAP = "__df_map"
"""Label of the column that says which parent a related row belongs to."""

RANK = "__df_rank"


@dataclass(frozen=True)
class Relation:
    name: str
    type: str
    """``belongs_to``, ``has_one``, ``has_many`` or ``many_many``."""
    field: str
    """The column of this table the relation joins on."""
    ref_table: str
    ref_field: str
    junction_table: str | None = None
    junction_field: str | None = None
    """The junction column pointing at this table."""
    junction_ref_field: str | None = None
    """The junction column pointing at the related table."""
    on_update: str | None = None
    on_delete: str | None = None
    is_virtual: bool = False
    """Declared on ``_schema`` (``virtual``) rather than found from a foreign key."""

    @property
    def is_list(self) -> bool:
        return self.type in ("has_many", "many_many")

    def describe(self, service_id: int) -> dict[str, Any]:
        """The relation as ``_schema`` shows it (reference 4.5)."""
        return {
            "alias": None,
            "name": self.name,
            "label": label_for(self.name),
            "description": None,
            "native": [],
            "type": self.type,
            "field": self.field,
            "is_virtual": self.is_virtual,
            "ref_service_id": service_id,
            "ref_table": self.ref_table,
            "ref_field": self.ref_field,
            "ref_on_update": self.on_update,
            "ref_on_delete": self.on_delete,
            "junction_service_id": service_id if self.junction_table else None,
            "junction_table": self.junction_table,
            "junction_field": self.junction_field,
            "junction_ref_field": self.junction_ref_field,
            "always_fetch": False,
            "flatten": False,
            "flatten_drop_prefix": False,
        }


def relations_for(schema: DbSchema, connection: sa.Connection, table: str) -> dict[str, Relation]:
    """The relations of ``table`` by name (computed once per cached schema)."""
    return schema.remember(f"relations:{table}", lambda: _discover(schema, connection, table))


def _discover(schema: DbSchema, connection: sa.Connection, table: str) -> dict[str, Relation]:
    keys = [k for k in schema.foreign_keys(connection) if len(k.columns) == 1]
    found: dict[str, Relation] = {}

    def add(relation: Relation) -> None:
        found.setdefault(relation.name, relation)

    for key in keys:
        if key.table == table:
            add(
                Relation(
                    f"{key.ref_table}_by_{key.columns[0]}",
                    "belongs_to",
                    key.columns[0],
                    key.ref_table,
                    key.ref_columns[0],
                    on_update=key.on_update,
                    on_delete=key.on_delete,
                )
            )
    for key in keys:
        if key.ref_table == table:
            kind = (
                "has_one"
                if key.columns[0] in _unique_columns(schema, connection, key.table)
                else "has_many"
            )
            add(
                Relation(
                    f"{key.table}_by_{key.columns[0]}",
                    kind,
                    key.ref_columns[0],
                    key.table,
                    key.columns[0],
                    on_update=key.on_update,
                    on_delete=key.on_delete,
                )
            )
    by_table: dict[str, list] = {}
    for key in keys:
        by_table.setdefault(key.table, []).append(key)
    for junction, pair in by_table.items():
        if junction == table or len(pair) != 2 or pair[0].ref_table == pair[1].ref_table:
            continue
        for mine, other in (pair, pair[::-1]):
            if mine.ref_table == table:
                add(
                    Relation(
                        f"{other.ref_table}_by_{junction}",
                        "many_many",
                        mine.ref_columns[0],
                        other.ref_table,
                        other.ref_columns[0],
                        junction_table=junction,
                        junction_field=mine.columns[0],
                        junction_ref_field=other.columns[0],
                    )
                )
    for relation in _virtual(schema, connection, table):
        add(relation)
    return found


def _virtual(schema: DbSchema, connection: sa.Connection, table: str) -> list[Relation]:
    """The table's virtual relationships whose tables and fields are all still there."""
    found = []
    for stored in stored_of(schema.extras.get(table.lower(), {})):
        wanted = [(table, stored["field"]), (stored["ref_table"], stored["ref_field"])]
        if stored["type"] == "many_many":
            wanted.append((stored["junction_table"], stored["junction_field"]))
            wanted.append((stored["junction_table"], stored["junction_ref_field"]))
        try:
            if any(schema.table(connection, t).column(f) is None for t, f in wanted):
                continue
        except NotFound:
            continue
        found.append(
            Relation(
                name_of(stored),
                stored["type"],
                stored["field"],
                stored["ref_table"],
                stored["ref_field"],
                junction_table=stored.get("junction_table"),
                junction_field=stored.get("junction_field"),
                junction_ref_field=stored.get("junction_ref_field"),
                is_virtual=True,
            )
        )
    return found


def _unique_columns(schema: DbSchema, connection: sa.Connection, table: str) -> set[str]:
    try:
        return schema.table(connection, table).unique_columns()
    except NotFound:
        return set()


def key_in(column: sa.ColumnElement, values: list[Any], dialect: str) -> sa.ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter.

    A list of many parameters makes a different, long statement for every
    list length, which the driver parses again each time; one array keeps the
    statement the same for every page.
    """
    if (
        dialect == "postgresql"
        and len(values) > 1
        and not isinstance(column.type, sa.types.NullType)
    ):
        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


@dataclass
class RelatedQuery:
    """What the client asked of one relation: fields, per-parent limit and order."""

    relation: Relation
    fields: list[str] | None
    limit: int | None
    order: str | None


def parse_related(
    names: Sequence[str] | None, option: Callable[[str], Any], relations: dict[str, Relation]
) -> list[RelatedQuery]:
    """The relations ``related`` names (``*``: all) with their ``<rel>_fields|_limit|_order``."""
    if not names:
        return []
    names = list(relations) if "*" in names else list(names)
    queries = []
    lowered = {name.lower(): relation for name, relation in relations.items()}
    for name in names:
        relation = lowered.get(name.lower())
        if relation is None:
            raise BadRequest(f"Invalid relationship requested: {name}")
        fields = option(f"{relation.name}_fields")
        queries.append(
            RelatedQuery(
                relation,
                fields=None if fields in (None, "", "*") else [f for f in str(fields).split(",")],
                limit=parse_int(option(f"{relation.name}_limit"), f"{relation.name}_limit"),
                order=option(f"{relation.name}_order"),
            )
        )
    return queries


RowCondition = Callable[[TableInfo], sa.ColumnElement[bool] | None]
"""The row-level access condition for reading a related table (raises when denied)."""


def attach(
    connection: sa.Connection,
    schema: DbSchema,
    rows: Sequence[dict[str, Any]],
    queries: Sequence[RelatedQuery],
    condition_for: RowCondition,
    max_records: int,
) -> None:
    """Add each requested relation to every row (objects, ``null``, lists or ``[]``)."""
    for query in queries:
        relation = query.relation
        ref = schema.table(connection, relation.ref_table)
        keys = sorted(
            {row[relation.field] for row in rows if row.get(relation.field) is not None}, key=str
        )
        grouped = _load(connection, schema, ref, query, keys, condition_for(ref), max_records)
        for row in rows:
            found = grouped.get(row.get(relation.field), [])
            row[relation.name] = found if relation.is_list else (found[0] if found else None)


def _load(
    connection: sa.Connection,
    schema: DbSchema,
    ref: TableInfo,
    query: RelatedQuery,
    keys: list[Any],
    condition: sa.ColumnElement[bool] | None,
    max_records: int,
) -> dict[Any, list[dict[str, Any]]]:
    relation = query.relation
    wanted = parse_fields(query.fields, ref.columns) if query.fields else None
    columns = ref.outputs(wanted)
    if relation.junction_table:
        junction = schema.table(connection, relation.junction_table)
        mapping = junction.table.c[relation.junction_field]
        source = ref.table.join(
            junction.table,
            junction.table.c[relation.junction_ref_field] == ref.table.c[relation.ref_field],
        )
    else:
        mapping = ref.table.c[relation.ref_field]
        source = ref.table
    ordering = parse_order(query.order, ref.columns, connection.dialect.name) if query.order else []
    ordering = ordering or [ref.table.c[k] for k in ref.primary_key] or [mapping]
    limit = query.limit if query.limit and query.limit <= max_records else None
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        select = sa.select(*columns, mapping.label(MAP)).select_from(source)
        select = select.where(key_in(mapping, chunk, connection.dialect.name))
        if condition is not None:
            select = select.where(condition)
        if limit is not None:
            rank = sa.func.row_number().over(partition_by=mapping, order_by=ordering)
            inner = select.add_columns(rank.label(RANK)).subquery()
            select = (
                sa.select(*[inner.c[c.key] for c in columns], inner.c[MAP])
                .where(inner.c[RANK] <= limit)
                .order_by(inner.c[MAP], inner.c[RANK])
            )
        else:
            select = select.order_by(*ordering)
        result = connection.execute(select)
        names = list(result.keys())
        for row in result.all():
            record = dict(zip(names, row, strict=True))
            grouped.setdefault(record.pop(MAP), []).append(record)
    if limit is None:
        for items in grouped.values():
            del items[max_records:]
    return grouped

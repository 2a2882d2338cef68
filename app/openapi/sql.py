"""A SQL service's document: every table the caller reaches, with its real fields.

For each table (or view) ``/_table/{name}`` queries and writes records and,
when the table has a one-column key, ``/_table/{name}/{id}`` addresses one.
Record schemas come from the same field descriptions ``_schema/{name}``
answers (``describe_field``): a field's DreamFactory type gives its JSON type,
``allow_null`` its nullability, ``required`` whether a create must carry it,
the column's length and enumeration bound what may be written. Tables the
caller's role cannot reach are not even reflected. ``_schema``, ``_proc`` and
``_func`` (when the service has them) are described generically.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlalchemy as sa

from app.openapi import builder
from app.openapi.document import (
    SUCCESS_SCHEMA,
    json_body,
    operation,
    path_param,
    records_of,
    ref,
)
from app.openapi.model import current_schema, patterns, reaches_table, relation_facts
from app.openapi.schemas import df_type_schema, record_input, record_output
from app.openapi.views import RELATIONSHIPS, RESOURCES
from app.services.sql.describe import describe_field
from app.services.sql.relations import relations_for
from app.services.sql.schema import DbSchema
from app.services.sql.service import SqlService

if TYPE_CHECKING:
    from app.openapi.access import Reach
    from app.openapi.document import Spec
    from app.services.sql.schema import TableInfo

OBJECT: dict[str, Any] = {"type": "object"}
NAMED: dict[str, Any] = {"anyOf": [{"type": "string"}, OBJECT]}
"""A listed table or routine: its name (``as_list``), or an object of its facts."""
META: dict[str, Any] = {
    "type": "object",
    "properties": {
        "count": {"type": "integer", "description": "Total matches (include_count)."},
        "next": {"type": "integer", "description": "Offset of the next page."},
        "schema": OBJECT,
    },
}
READ_PARAMS = ("fields", "related", "filter", "limit", "offset", "order", "include_count", "ids")
WRITE_PARAMS = ("fields", "related", "continue", "rollback")
TABLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A table's schema: name, label, plural, primary_key, field[], related[].",
    "properties": {
        "name": {"type": "string"},
        "label": {"type": ["string", "null"]},
        "plural": {"type": ["string", "null"]},
        "primary_key": {"type": "array", "items": {"type": "string"}},
        "field": {"type": "array", "items": OBJECT},
        "related": {"type": "array", "items": OBJECT},
    },
}
TABLE_DEFINITION: dict[str, Any] = {
    "type": "object",
    "description": "A table to create or change: name, field[] (name, type, ...), related[] "
    "(virtual relationships; see VirtualRelationship).",
    "properties": {
        "name": {"type": "string"},
        "label": {"type": "string"},
        "description": {"type": "string"},
        "field": {"type": "array", "items": OBJECT},
        "related": {"type": "array", "items": OBJECT},
    },
}
VIRTUAL_RELATIONSHIP: dict[str, Any] = {
    "type": "object",
    "description": "A relationship without a foreign key, between tables of this service; "
    "its name is {ref_table}_by_{field} (belongs_to), {ref_table}_by_{ref_field} (has_one, "
    "has_many) or {ref_table}_by_{junction_table} (many_many). Relationships that follow "
    "foreign keys come from a field's ref_table instead.",
    "required": ["type", "field", "ref_table", "ref_field", "is_virtual"],
    "properties": {
        "is_virtual": {"type": "boolean", "enum": [True]},
        "type": {"type": "string", "enum": ["belongs_to", "has_one", "has_many", "many_many"]},
        "field": {"type": "string", "description": "This table's field."},
        "ref_table": {"type": "string"},
        "ref_field": {"type": "string"},
        "junction_table": {"type": "string", "description": "many_many only."},
        "junction_field": {"type": "string", "description": "Its field matching field."},
        "junction_ref_field": {"type": "string", "description": "Its field matching ref_field."},
        "name": {"type": "string", "description": "Optional; must be the name above."},
    },
}
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class Names:
    """Component names (``[A-Za-z0-9_.-]``) for tables, distinct even when names differ
    only in characters that are replaced."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, table: str) -> str:
        base = "Table_" + _UNSAFE.sub("_", table)
        name, n = base, 1
        while name.lower() in self.used:
            n += 1
            name = f"{base}_{n}"
        self.used.add(name.lower())
        return name


def table_paths(spec: Spec, schema: DbSchema, connection, table: TableInfo, name: str) -> None:
    described = [describe_field(table, column) for column in table.table.c]
    enums = {
        str(c.key): list(c.type.enums)
        for c in table.table.c
        if isinstance(c.type, sa.Enum) and c.type.enums
    }
    record = spec.define(f"{name}Record", record_output(described))
    records = spec.define(
        f"{name}Records",
        {**records_of(record), "properties": {**records_of(record)["properties"], "meta": META}},
    )
    relations = ", ".join(relations_for(schema, connection, table.name)) or "none"
    tag = spec.tag(table.name, f"Records of {'view' if table.is_view else 'table'} {table.name}.")
    path = f"/_table/{quote(table.name, safe='')}"
    component = f"_table/{table.name}"
    operations: dict[str, Any] = {
        "get": operation(
            f"Query {table.name}",
            records,
            description=f"Relationships (related=): {relations}.",
            params=READ_PARAMS,
        )
    }
    keyed = len(table.primary_key) == 1 and not table.is_view
    if not table.is_view:
        create = spec.define(f"{name}Create", record_input(described, enums, partial=False))
        change = spec.define(f"{name}Change", record_input(described, enums, partial=True))
        written = records_of(record)
        operations.update(
            post=operation(
                f"Create {table.name} records",
                written,
                params=WRITE_PARAMS,
                body=json_body(records_of(create)),
            ),
            patch=operation(
                f"Update {table.name} records",
                written,
                description="By ids or filter (one change for each), else records with keys.",
                params=("ids", "filter", *WRITE_PARAMS),
                body=json_body(records_of(change)),
            ),
            put=operation(
                f"Update {table.name} records (same as PATCH)",
                written,
                params=("ids", "filter", *WRITE_PARAMS),
                body=json_body(records_of(change)),
            ),
            delete=operation(
                f"Delete {table.name} records",
                {"anyOf": [written, ref("Success")]},
                description="By ids, records in the body, filter, or all with force.",
                params=("ids", "filter", "force", *WRITE_PARAMS),
            ),
        )
    spec.add(path, component, operations, tag=tag)
    if not keyed:
        return
    key = next(f for f in described if f["name"] == table.primary_key[0])
    id_param = path_param("id", df_type_schema(key["type"]), f"The record's {key['name']}.")
    one = ("fields", "related")
    spec.add(
        f"{path}/{{id}}",
        f"{component}/{{id}}",
        {
            "get": operation(f"Read one {table.name} record", record, params=one),
            "patch": operation(
                f"Update one {table.name} record", record, params=one, body=json_body(change)
            ),
            "put": operation(
                f"Update one {table.name} record (same as PATCH)",
                record,
                params=one,
                body=json_body(change),
            ),
            "delete": operation(f"Delete one {table.name} record", record, params=one),
        },
        parameters=[id_param],
        tag=tag,
    )


def schema_paths(spec: Spec) -> None:
    tag = spec.tag("_schema", "Tables and their fields and relationships.")
    described = spec.define("TableSchema", TABLE_SCHEMA)
    definition = spec.define("TableDefinition", TABLE_DEFINITION)
    success = spec.define("Success", SUCCESS_SCHEMA)
    names = records_of(NAMED)
    tables = json_body(records_of(definition))
    table = path_param("table_name", {"type": "string"}, "The table's name.")
    spec.add(
        "/_schema",
        "_schema",
        {
            "get": operation(
                "Tables (names, or describes with ids)", names, params=("ids", "fields", "as_list")
            ),
            "post": operation("Create tables", names, status=201, params=("fields",), body=tables),
            "put": operation("Replace tables", names, params=("fields",), body=tables),
            "patch": operation("Change tables", names, params=("fields",), body=tables),
            "delete": operation("Drop the tables named in ids", names, params=("ids",)),
        },
        tag=tag,
    )
    one = json_body(definition)
    spec.add(
        "/_schema/{table_name}",
        "_schema/{table_name}",
        {
            "get": operation("A table's schema", described, params=("refresh",)),
            "post": operation("Add to a table", described, status=201, body=one),
            "put": operation("Replace a table's fields", described, body=one),
            "patch": operation("Change a table", described, body=one),
            "delete": operation("Drop a table", success),
        },
        parameters=[table],
        tag=tag,
    )
    virtual = spec.define("VirtualRelationship", VIRTUAL_RELATIONSHIP)
    for part, label in (("_field", "field"), ("_related", "relationship")):
        item = path_param(f"{label}_name", {"type": "string"}, f"The {label}'s name.")
        listed = {
            "get": operation(f"The table's {label} list", records_of(OBJECT), params=("ids",))
        }
        single = {
            "get": operation(f"One {label}", OBJECT),
            "delete": operation(f"Drop a {label}", success),
        }
        if part == "_related":
            many = json_body(records_of(virtual))
            for verb in ("post", "put", "patch"):
                listed[verb] = operation("Add or change virtual relationships", names, body=many)
                single[verb] = operation(
                    "Add or change a virtual relationship", NAMED, body=json_body(virtual)
                )
        spec.add(
            f"/_schema/{{table_name}}/{part}",
            f"_schema/{{table_name}}/{part}",
            listed,
            parameters=[table],
            tag=tag,
        )
        spec.add(
            f"/_schema/{{table_name}}/{part}/{{{label}_name}}",
            f"_schema/{{table_name}}/{part}/{{{label}_name}}",
            single,
            parameters=[table, item],
            tag=tag,
        )


def routine_paths(spec: Spec, resource: str, label: str) -> None:
    tag = spec.tag(resource, f"Stored {label}s: list, describe and call.")
    name = path_param(f"{label}_name", {"type": "string"}, f"The {label}'s name.")
    params = {
        "type": "object",
        "properties": {"params": {}, "returns": {}, "schema": {}, "wrapper": {}},
    }
    spec.add(
        f"/{resource}",
        resource,
        {
            "get": operation(
                f"Stored {label}s", records_of(NAMED), params=("ids", "fields", "as_list")
            )
        },
        tag=tag,
    )
    spec.add(
        f"/{resource}/{{{label}_name}}",
        f"{resource}/{{{label}_name}}",
        {
            "get": operation(f"Call a {label} (arguments from the query)", {}),
            "post": operation(f"Call a {label}", {}, body=json_body(params, required=False)),
        },
        parameters=[name],
        tag=tag,
    )


def add_extensions(spec: Spec, reached: dict[str, list[dict[str, Any]]]) -> None:
    """DreamFactory's extensions for language models: the tables, and how they join."""
    spec.extensions[RESOURCES] = {
        "type": "database",
        "tables": sorted(reached),
        "count": len(reached),
        "note": "Use these names with /_table/{table_name} endpoints.",
    }
    relationships = {table: found for table, found in reached.items() if found}
    if relationships:
        spec.extensions[RELATIONSHIPS] = {
            "description": "Foreign key relationships between tables: use a relationship's "
            "name with related= to read related records with each record.",
            "tables": relationships,
            **({"patterns": found} if (found := patterns(relationships)) else {}),
        }


@builder(SqlService)
def build_sql(service: SqlService, spec: Spec, reach: Reach) -> None:
    spec.add_root()
    names = Names()
    with service.connect(read_only=True) as connection:
        schema = current_schema(service, connection, spec.refresh)
        spec.add(
            "/_table",
            "_table",
            {
                "get": operation(
                    "Tables the caller can reach",
                    records_of(NAMED),
                    params=("fields", "ids", "as_list"),
                )
            },
            tag=spec.tag("_table", "The tables' list."),
        )
        reached: dict[str, list[dict[str, Any]]] = {}
        for table_name in schema.names:
            if not reaches_table(reach, table_name):
                continue
            table = schema.table(connection, table_name)
            table_paths(spec, schema, connection, table, names(table_name))
            relations = relations_for(schema, connection, table.name).values()
            reached[table.name] = [relation_facts(r) for r in relations]
    add_extensions(spec, reached)
    schema_paths(spec)
    if "_proc" in service.resources:
        routine_paths(spec, "_proc", "procedure")
    if "_func" in service.resources:
        routine_paths(spec, "_func", "function")

"""A database's condensed data model (``_spec?model=true``), as DreamFactory's MCP server reads it.

For each table the caller reaches through ``_table`` (as its document shows
them): its columns (``name``, ``type``, with ``pk``, ``required`` for a
column that may not be null, ``fk`` as ``table.field``), its relationships
(the names ``related=`` takes) and the patterns a client must know of:
``hierarchies`` (a table referring to itself) and ``junction_tables``
(many-to-many).

What DreamFactory adds and this does not: row counts, sample rows and the
distinct values of short text columns are read from the tables themselves,
past the record filters of the caller's role (what a role reads of a table
goes through ``_table``, where the filters apply), and its query templates
are advice for its own MCP tools. A service that is not a database answers
the same shape with no tables and an ``error`` saying so, as DreamFactory's
does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.services.sql.describe import describe_field
from app.services.sql.relations import Relation, relations_for
from app.services.sql.schema import DbSchema
from app.services.sql.service import SqlService

if TYPE_CHECKING:
    from app.openapi.access import Reach
    from app.services.base import BaseService

NOT_A_DATABASE = "This service does not support schema introspection."


def current_schema(service: SqlService, connection: sa.Connection, refresh: bool) -> DbSchema:
    """The service's cached schema, or (``refresh``) one read now: this request may not see
    its own bump of the cache stamp (a store with one snapshot per transaction, MariaDB)."""
    if not refresh:
        return service.schema(connection)
    config = service.config
    return DbSchema.load(connection, config.get("schema") or None, config.get("field_types") or {})


def reaches_table(reach: Reach, name: str) -> bool:
    """Whether the caller reaches the table's records (all, or one by one)."""
    return bool(reach.mask(f"_table/{name}") or reach.mask(f"_table/{name}/{{id}}"))


def relation_facts(relation: Relation) -> dict[str, Any]:
    return {
        "name": relation.name,
        "type": relation.type,
        "field": relation.field,
        "ref_table": relation.ref_table,
        "ref_field": relation.ref_field,
        "junction_table": relation.junction_table,
    }


def _column(field: dict[str, Any]) -> dict[str, Any]:
    column: dict[str, Any] = {"name": field["name"], "type": field["type"]}
    if field["is_primary_key"]:
        column["pk"] = True
    if not field["allow_null"]:
        column["required"] = True
    if field["ref_table"]:
        column["fk"] = f"{field['ref_table']}.{field['ref_field']}"
    return column


def patterns(relationships: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Self-references (trees to walk recursively) and many-to-many junctions."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table, relations in relationships.items():
        for relation in relations:
            if relation["type"] == "belongs_to" and relation["ref_table"] == table:
                found.setdefault("hierarchies", []).append(
                    {
                        "table": table,
                        "child_field": relation["field"],
                        "parent_field": relation["ref_field"],
                    }
                )
            if relation["type"] == "many_many" and relation["junction_table"]:
                found.setdefault("junction_tables", []).append(
                    {
                        "table": table,
                        "related_table": relation["ref_table"],
                        "junction": relation["junction_table"],
                    }
                )
    return found


def data_model(service: BaseService, reach: Reach, refresh: bool = False) -> dict[str, Any]:
    model: dict[str, Any] = {
        "service": service.name,
        "description": "Tables the caller reaches, their columns with types, keys and "
        "foreign keys, and their relationships (use a relationship's name with related=).",
        "tables": {},
        "relationships": {},
        "patterns": {},
    }
    if not isinstance(service, SqlService):
        model["error"] = NOT_A_DATABASE
        return model
    with service.connect(read_only=True) as connection:
        schema = current_schema(service, connection, refresh)
        for name in schema.names:
            if not reaches_table(reach, name):
                continue
            table = schema.table(connection, name)
            columns = [_column(describe_field(table, c)) for c in table.table.c]
            model["tables"][table.name] = {"columns": columns}
            relations = relations_for(schema, connection, table.name)
            if relations:
                model["relationships"][table.name] = [relation_facts(r) for r in relations.values()]
    model["patterns"] = patterns(model["relationships"])
    return model

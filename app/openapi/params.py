"""Query parameters shared by record resources (DreamFactory's ``ApiOptions``).

Each is a ``components.parameters`` entry, referred to by name from
operations (``document.param("filter")``). Booleans accept ``true/1/yes``.
"""

from __future__ import annotations

from typing import Any


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


BOOLEAN = {"type": "boolean"}
TEXT = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}

PARAMETERS: dict[str, dict[str, Any]] = {
    "fields": _query("fields", TEXT, "Comma-separated fields to return, or * for all."),
    "filter": _query(
        "filter",
        TEXT,
        "SQL-like condition, e.g. (last_name = 'Smith') AND (age > 21).",
    ),
    "limit": _query("limit", COUNT, "Records to return at most (0: the service's maximum)."),
    "offset": _query("offset", COUNT, "Records to skip first."),
    "order": _query("order", TEXT, "Sort order, e.g. last_name desc, id."),
    "related": _query(
        "related", TEXT, "Comma-separated relationships to include with each record, or *."
    ),
    "include_count": _query("include_count", BOOLEAN, "Add meta.count, the total of matches."),
    "ids": _query("ids", TEXT, "Comma-separated identifiers of the records to act on."),
    "id_field": _query("id_field", TEXT, "Field(s) identifying records instead of the key."),
    "as_list": _query("as_list", BOOLEAN, "Answer names only, as a list of strings."),
    "refresh": _query("refresh", BOOLEAN, "Bypass cached schema and results."),
    "force": _query("force", BOOLEAN, "Confirm acting on every record (DELETE)."),
    "continue": _query(
        "continue", BOOLEAN, "Keep going after a record fails (the batch still reports it)."
    ),
    "rollback": _query("rollback", BOOLEAN, "Undo the whole batch when a record fails."),
    "openapi": _query(
        "openapi",
        {"type": "string", "enum": ["3.0", "3.1"]},
        "The document's OpenAPI version: 3.0 (the default) or 3.1.",
    ),
    "compact": _query(
        "compact", BOOLEAN, "A summary instead: endpoints with their parameters, no schemas."
    ),
    "resource_name": _query(
        "resource_name", TEXT, "Only the paths of this resource (a table's name...)."
    ),
    "tables": _query("tables", BOOLEAN, "With compact: list the database's tables too."),
    "model": _query(
        "model", BOOLEAN, "A database's data model instead: tables, columns, relationships."
    ),
}

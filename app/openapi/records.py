"""Paths of a system record resource (DreamFactory's generic ``BaseSystemResource``).

``/{name}`` lists (``filter``, ``order``, ``limit``...), creates (201, wrapped
records), updates by ``ids``/``filter``/records and deletes; ``/{name}/{id}``
reads, updates and deletes one record. The record's output schema comes from
the model's visible columns (plus ``OUTPUT_OVERRIDES`` for values a resource
shows differently than it stores), its input schema from the resource's
marshmallow schema, with its writable child relations nested (a relation that is
no child table, such as a service's document, gives its own ``input_schema``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.openapi.document import json_body, operation, path_param, records_of
from app.openapi.schemas import column_schema, marshmallow_schema
from app.services.system.records.base import CHILD_RESOURCES
from app.services.system.records.relations import HasMany

if TYPE_CHECKING:
    from app.openapi.document import Spec
    from app.services.system.records.base import RecordBase

OUTPUT_OVERRIDES: dict[str, dict[str, dict[str, Any]]] = {
    "app": {"launch_url": {"type": "string"}},
    "cors": {"method": {"type": "array", "items": {"type": "string"}, "description": "Verbs."}},
    "custom": {"value": {"description": "Any JSON value."}},
    "limit": {"period": {"type": "string", "description": "minute, hour, day, 7-day or 30-day."}},
    "lookup": {"value": {"type": ["string", "null"], "description": "********** when private."}},
    "service": {"config": {"type": ["object", "null"], "description": "Secrets masked."}},
    "scheduler": {
        "service_id": {"type": ["integer", "null"]},
        "verb_mask": {"type": "integer"},
        "has_log": {"type": "boolean"},
    },
    "user": {"confirmed": {"type": "boolean"}, "expired": {"type": "boolean"}},
    "admin": {"confirmed": {"type": "boolean"}, "expired": {"type": "boolean"}},
}
"""Resource → properties its ``to_output`` shows differently from the stored column."""

LIST_PARAMS = ("fields", "related", "filter", "limit", "offset", "order", "include_count", "ids")
WRITE_PARAMS = ("fields", "related", "continue", "rollback")


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("/", "_").split("_") if part)


def output_schema(cls: type[RecordBase]) -> dict[str, Any]:
    visible = set(cls.visible_fields())
    properties = {str(c.key): column_schema(c) for c in cls.model.__table__.c if c.key in visible}
    properties.update(OUTPUT_OVERRIDES.get(cls.name, {}))
    for name, relation in cls.relations.items():
        many = relation.kind == "has_many"
        properties[name] = {"type": "array"} if many else {"type": ["object", "null"]}
    return {"type": "object", "properties": properties}


def input_schema(cls: type[RecordBase], partial: bool) -> dict[str, Any]:
    schema = marshmallow_schema(cls.schema(), partial=partial)
    for name, relation in cls.relations.items():
        child = CHILD_RESOURCES.get(relation.model) if isinstance(relation, HasMany) else None
        if child is not None:
            item = marshmallow_schema(child.schema(), partial=True)
            item["properties"] = {"id": {"type": "integer"}, **item["properties"]}
            schema["properties"][name] = {
                "type": "array",
                "items": item,
                "description": "Child records: listed ones are created or updated.",
            }
        elif (described := getattr(relation, "input_schema", None)) is not None:
            schema["properties"][name] = described
    return schema


def id_schema(cls: type[RecordBase]) -> dict[str, Any]:
    column = cls.model.__table__.c[cls.id_field]
    if isinstance(column.type, sa.Integer):
        return {"type": "integer", "minimum": 1}
    return {"type": "string", "minLength": 1}


def add_model_paths(spec: Spec, cls: type[RecordBase], tag: str) -> None:
    """The collection and the by-id paths of one record resource."""
    name = camel(cls.name)
    record = spec.define(f"{name}Record", output_schema(cls))
    create = spec.define(f"{name}Create", input_schema(cls, partial=False))
    change = spec.define(f"{name}Change", input_schema(cls, partial=True))
    records = records_of(record)
    label = cls.label or cls.name
    related = ", ".join(cls.relations) or "none"
    spec.add(
        f"/{cls.name}",
        cls.name,
        {
            "get": operation(
                f"List {label} records",
                records,
                description=f"Relationships (related=): {related}.",
                params=LIST_PARAMS,
            ),
            "post": operation(
                f"Create {label} records",
                records,
                status=201,
                params=WRITE_PARAMS,
                body=json_body(records_of(create)),
            ),
            "patch": operation(
                f"Update {label} records",
                records,
                description="By ids or filter (one change for each), else records with ids.",
                params=("ids", "filter", *WRITE_PARAMS),
                body=json_body(records_of(change)),
            ),
            "put": operation(
                f"Update {label} records (same as PATCH)",
                records,
                params=("ids", "filter", *WRITE_PARAMS),
                body=json_body(records_of(change)),
            ),
            "delete": operation(
                f"Delete {label} records",
                records,
                description="By ids, records in the body, filter, or every record with force.",
                params=("ids", "filter", "force", *WRITE_PARAMS),
            ),
        },
        tag=tag,
    )
    spec.add(
        f"/{cls.name}/{{{cls.id_field}}}",
        f"{cls.name}/{{{cls.id_field}}}",
        {
            "get": operation(f"Read one {label} record", record, params=("fields", "related")),
            "patch": operation(
                f"Update one {label} record",
                record,
                params=("fields", "related"),
                body=json_body(change),
            ),
            "put": operation(
                f"Update one {label} record (same as PATCH)",
                record,
                params=("fields", "related"),
                body=json_body(change),
            ),
            "delete": operation(f"Delete one {label} record", record, params=("fields", "related")),
        },
        parameters=[path_param(cls.id_field, id_schema(cls), f"The {label}'s {cls.id_field}.")],
        tag=tag,
    )

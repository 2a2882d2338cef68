"""JSON Schemas (OpenAPI 3.1 dialect) for what services read and write.

Three sources, one module: marshmallow schemas (system record input, service
configs), SQLAlchemy columns (system record output) and DreamFactory field
descriptions of a SQL table (``describe_field``: record input and output).

Output schemas never list ``required`` properties: ``fields=`` lets a client
pick any subset of a record. They do state each present property's type, so a
value of the wrong type is caught. Nullable values are ``[type, "null"]``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
"""Bounds (inclusive) of SQL integer types, stated on record inputs."""

INTEGER_TYPES = frozenset(
    {
        "id",
        "bigid",
        "smallid",
        "mediumid",
        "reference",
        "user_id",
        "user_id_on_create",
        "user_id_on_update",
        "integer",
        "tinyint",
        "smallint",
        "mediumint",
        "bigint",
    }
)
NUMBER_TYPES = frozenset({"float", "double", "decimal", "money"})
ANY_TYPES = frozenset({"json", "jsonb", "object"})
"""DreamFactory simple types by the JSON type their values take (others are strings)."""


def nullable(schema: dict[str, Any], allow_null: bool) -> dict[str, Any]:
    """``schema`` that also accepts ``null`` when ``allow_null`` (untyped schemas already do)."""
    if not allow_null or "type" not in schema:
        return schema
    kind = schema["type"]
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" in kinds:
        return schema
    out = dict(schema)
    out["type"] = [*kinds, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


# marshmallow ---------------------------------------------------------------------------


def _field_type(field: fields.Field) -> dict[str, Any]:
    if isinstance(field, fields.Boolean):
        return {"type": "boolean"}
    if isinstance(field, fields.Integer):
        return {"type": "integer"}
    if isinstance(field, fields.Float | fields.Decimal | fields.Number):
        return {"type": "number"}
    if isinstance(field, fields.Email):
        return {"type": "string", "format": "email"}
    if isinstance(field, fields.DateTime):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, fields.String):
        return {"type": "string"}
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_schema(field.inner)}
    if isinstance(field, fields.Nested):
        nested = field.schema
        return marshmallow_schema(nested if isinstance(nested, Schema) else nested())
    if isinstance(field, fields.Dict):
        return {"type": "object"}
    return {}


def _apply_validators(schema: dict[str, Any], field: fields.Field) -> dict[str, Any]:
    for rule in field.validators:
        if isinstance(rule, validate.Length):
            low, high = (
                ("minItems", "maxItems")
                if schema.get("type") == "array"
                else (
                    "minLength",
                    "maxLength",
                )
            )
            if rule.equal is not None:
                schema[low] = schema[high] = rule.equal
            if rule.min is not None:
                schema[low] = rule.min
            if rule.max is not None:
                schema[high] = rule.max
        elif isinstance(rule, validate.Range):
            if rule.min is not None:
                schema["minimum" if rule.min_inclusive else "exclusiveMinimum"] = rule.min
            if rule.max is not None:
                schema["maximum" if rule.max_inclusive else "exclusiveMaximum"] = rule.max
        elif isinstance(rule, validate.OneOf):
            schema["enum"] = list(rule.choices)
        elif isinstance(rule, validate.Regexp):
            schema["pattern"] = rule.regex.pattern
    return schema


def field_schema(field: fields.Field) -> dict[str, Any]:
    """One marshmallow field as JSON Schema: type, bounds, choices, pattern, description."""
    schema = _apply_validators(_field_type(field), field)
    description = field.metadata.get("description")
    if description:
        schema["description"] = description
    return nullable(schema, field.allow_none)


def marshmallow_schema(schema: Schema, partial: bool = False) -> dict[str, Any]:
    """An object schema for what ``schema.load`` accepts (``partial``: nothing required)."""
    properties = {name: field_schema(f) for name, f in schema.fields.items() if not f.dump_only}
    out: dict[str, Any] = {"type": "object", "properties": properties}
    required = [n for n, f in schema.fields.items() if f.required and not f.dump_only]
    if required and not partial:
        out["required"] = required
    return out


# SQLAlchemy columns (system records) ---------------------------------------------------


def column_schema(column: sa.Column) -> dict[str, Any]:
    """What a system record's column looks like in a response (timestamps as text)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        schema: dict[str, Any] = {"type": "boolean"}
    elif isinstance(kind, sa.Integer):
        schema = {"type": "integer"}
    elif isinstance(kind, sa.Float | sa.Numeric):
        schema = {"type": "number"}
    elif isinstance(kind, sa.DateTime | sa.Date):
        schema = {"type": "string"}
    elif isinstance(kind, sa.String):
        schema = {"type": "string"}
    else:
        schema = {}
    return nullable(schema, bool(column.nullable))


# SQL table fields (DreamFactory field descriptions) ------------------------------------


def df_type_schema(df_type: str) -> dict[str, Any]:
    """The JSON type of a DreamFactory simple type's values as the API answers them."""
    if df_type == "boolean":
        return {"type": "boolean"}
    if df_type in INTEGER_TYPES:
        return {"type": "integer"}
    if df_type in NUMBER_TYPES:
        return {"type": "number"}
    if df_type in ANY_TYPES:
        return {}
    if df_type == "array":
        return {"type": "array"}
    return {"type": "string"}


def record_output(fields_: list[dict[str, Any]]) -> dict[str, Any]:
    """A table's record as read (every property optional: ``fields=`` selects)."""
    properties = {}
    for item in fields_:
        schema = df_type_schema(item["type"])
        if item.get("description"):
            schema["description"] = item["description"]
        properties[item["name"]] = nullable(schema, bool(item["allow_null"]))
    return {"type": "object", "properties": properties}


def _integer_bounds(db_type: str) -> tuple[int, int]:
    return INT64 if "big" in db_type else INT32


def record_input(
    fields_: list[dict[str, Any]], enums: dict[str, list[Any]], partial: bool
) -> dict[str, Any]:
    """A table's record as written: types, lengths, enumerations, required fields."""
    properties = {}
    required = []
    for item in fields_:
        schema = df_type_schema(item["type"])
        if schema.get("type") == "integer":
            low, high = _integer_bounds(str(item.get("db_type") or ""))
            schema.update(minimum=low, maximum=high)
        if schema.get("type") == "string" and item.get("length"):
            schema["maxLength"] = int(item["length"])
        if item["name"] in enums:
            schema["enum"] = list(enums[item["name"]])
        properties[item["name"]] = nullable(schema, bool(item["allow_null"]))
        if item.get("required") and not partial:
            required.append(item["name"])
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


def resource_list(items: dict[str, Any]) -> dict[str, Any]:
    """DreamFactory's wrapper: ``{"resource": [...]}``."""
    return {
        "type": "object",
        "properties": {"resource": {"type": "array", "items": items}},
        "required": ["resource"],
    }

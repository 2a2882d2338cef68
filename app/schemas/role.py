"""Roles and their service access rows (verb and requestor masks, record filters)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import flag, ref, required_text, text

FILTER_OPERATORS = [
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "IN",
    "NOT IN",
    "STARTS WITH",
    "ENDS WITH",
    "CONTAINS",
    "IS NULL",
    "IS NOT NULL",
    "LIKE",
]


class RoleSchema(Schema):
    name = required_text(64)
    description = text(255)
    is_active = flag()


class ServerFilterSchema(Schema):
    name = required_text(255)
    operator = fields.String(
        required=True,
        validate=validate.OneOf(FILTER_OPERATORS + [o.lower() for o in FILTER_OPERATORS]),
    )
    value = fields.Raw(allow_none=True)


class RoleServiceAccessSchema(Schema):
    service_id = ref()
    component = text(255)
    verb_mask = fields.Integer(validate=validate.Range(min=0, max=1023))
    requestor_mask = fields.Integer(validate=validate.Range(min=0, max=3))
    filters = fields.List(fields.Nested(ServerFilterSchema), allow_none=True)
    filter_op = fields.String(validate=validate.OneOf(["AND", "OR", "and", "or"]))

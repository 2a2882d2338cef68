"""Lookups (system, app, role or user): a name, a text value, and whether it is private."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.schemas.common import flag, required_text, text


class LookupSchema(Schema):
    name = required_text(255)
    value = fields.Raw(allow_none=True)
    private = flag()
    description = text(255)

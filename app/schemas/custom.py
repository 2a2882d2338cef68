"""``system/custom`` settings: a name and any JSON value."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.schemas.common import required_text


class CustomSchema(Schema):
    name = required_text(255)
    value = fields.Raw(allow_none=True)

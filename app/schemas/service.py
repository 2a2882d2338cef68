"""Services: name rules and type; the config is validated by the type's own schema."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import flag, required_text, text

NAME_MESSAGE = "Service name should only contain letters, numbers, underscores and dashes."


class ServiceSchema(Schema):
    name = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=40),
            validate.Regexp(r"^[A-Za-z0-9_\-]+$", error=NAME_MESSAGE),
        ],
    )
    label = text(80)
    description = text(255)
    is_active = flag()
    type = required_text(40)
    config = fields.Raw(allow_none=True)

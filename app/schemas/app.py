"""``system/app`` records: name, API key (64+ letters and digits), launch settings, default role."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import flag, ref, required_text, text


class AppSchema(Schema):
    name = required_text(64)
    api_key = fields.String(
        validate=[
            validate.Length(min=64, max=255),
            validate.Regexp(
                r"^[A-Za-z0-9]+$", error="The api key may only contain letters and numbers."
            ),
        ]
    )
    description = text(255)
    is_active = flag()
    type = fields.Integer(validate=validate.Range(min=0, max=4))
    path = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    storage_service_id = ref()
    storage_container = text(255)
    requires_fullscreen = flag()
    allow_fullscreen_toggle = flag()
    toggle_location = fields.String(validate=validate.OneOf(["top", "bottom", "left", "right"]))
    role_id = ref()
    allow_mcp = flag()

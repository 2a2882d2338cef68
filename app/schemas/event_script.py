"""Event scripts: the event name, the engine type, the code (inline or linked) and flags."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.schemas.common import flag, ref, required_text, text


class EventScriptSchema(Schema):
    name = required_text(80)
    type = required_text(40)
    content = fields.String(allow_none=True)
    config = fields.Dict(allow_none=True)
    is_active = flag()
    allow_event_modification = flag()
    storage_service_id = ref()
    storage_path = text(255)

"""``system/custom``: free-form name/value settings, addressed by name.

A value may be any JSON value (text, number, boolean, object, list); it is
stored as JSON text and answered as the same JSON value it was sent as.
"""

from __future__ import annotations

from typing import Any

import orjson

from app.models import Record, SystemCustom
from app.schemas.custom import CustomSchema
from app.services.system import resource
from app.services.system.records import ModelResource
from app.vocabulary.errors import ValidationFailed


def decode_value(text: str | None) -> Any:
    """The stored JSON text as a value (text that is not JSON is returned as it is)."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


@resource
class CustomResource(ModelResource):
    name = "custom"
    label = "Custom Settings"
    description = "Instance-wide custom settings."
    model = SystemCustom
    schema = CustomSchema
    id_field = "name"
    hidden_fields = frozenset({"id"})
    private_columns = frozenset({"value"})

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if "value" in data:
            try:
                data["value"] = orjson.dumps(data["value"]).decode()
            except orjson.JSONEncodeError:
                raise ValidationFailed(
                    {"value": ["The value can not be stored as JSON."]}
                ) from None
        super().apply(record, data, creating)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = super().to_output(record, fields)
        if "value" in out:
            out["value"] = decode_value(record.value)
        return out

"""``system/custom``: free-form name/value settings, addressed by name."""

from __future__ import annotations

from typing import Any

import orjson

from app.models import Record, SystemCustom
from app.schemas.custom import CustomSchema
from app.services.system import resource
from app.services.system.records import ModelResource


@resource
class CustomResource(ModelResource):
    name = "custom"
    label = "Custom Settings"
    description = "Instance-wide custom settings."
    model = SystemCustom
    schema = CustomSchema
    id_field = "name"

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        value = data.get("value")
        if value is not None and not isinstance(value, str):
            data["value"] = orjson.dumps(value).decode()
        super().apply(record, data, creating)

"""``system/service``: the configured services, with per-type validated configs."""

from __future__ import annotations

from typing import Any

from app.errors import BadRequest, Forbidden
from app.models import Record, Service
from app.schemas.service import ServiceSchema
from app.services import SERVICE_TYPES
from app.services.base import ServiceRequest
from app.services.describe import mask_config, validate_config
from app.services.system import resource
from app.services.system.records import ModelResource


@resource
class ServiceResource(ModelResource):
    name = "service"
    label = "Service"
    description = "Configured services (APIs) of this instance."
    model = Service
    schema = ServiceSchema

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if not creating and not record.mutable:
            raise Forbidden(f"Service '{record.name}' is not mutable.")
        type_name = data.get("type", record.type)
        cls = SERVICE_TYPES.get(type_name)
        if cls is None:
            raise BadRequest(f"Service type '{type_name}' is not available on this instance.")
        if cls.singleton and creating:
            raise BadRequest(f"Only one service of type '{type_name}' is allowed.")
        if "config" in data or creating or type_name != record.type:
            data["config"] = validate_config(
                cls,
                data.get("config"),
                stored=record.config if not creating else None,
                partial=not creating and type_name == record.type,
            )
        if creating and not data.get("label"):
            data["label"] = data["name"]
        super().apply(record, data, creating)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = record.to_dict(fields)
        if "config" in out:
            if fields is not None and not {"id", "type"} <= set(fields):
                out.pop("config")
            else:
                out["config"] = mask_config(SERVICE_TYPES.get(record.type), record.config)
        return out

    def before_delete(self, record: Record) -> None:
        if not record.deletable:
            raise Forbidden(f"Service '{record.name}' can not be deleted.")

    def write(self, request: ServiceRequest, record: Record, data: Any, creating: bool):
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("mutable", "deletable")}
        return super().write(request, record, data, creating)

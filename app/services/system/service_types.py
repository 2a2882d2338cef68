"""``system/service_type``: the service types this instance can run (read-only).

Picklists' values are read from the store only when ``config_schema`` is among
the fields asked for (the console's service lists ask for ``fields=name``).
"""

from __future__ import annotations

from typing import Any

from app.services import SERVICE_TYPES
from app.services.base import Resource
from app.services.describe import describe_type, service_types
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import NotFound


@resource
class ServiceTypeResource(Resource):
    name = "service_type"
    label = "Service Type"
    description = "The service types available on this instance."
    read_only = True

    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        fields = request.param("fields")
        choices = not fields or fields == "*" or "config_schema" in fields
        if rest:
            cls = SERVICE_TYPES.get(rest[0].lower())
            if cls is None:
                raise NotFound(f"Service type '{rest[0]}' not found.")
            return _pick(describe_type(cls, choices), fields)
        items = service_types(request.param("group"), request.param("type"), choices)
        return {"resource": [_pick(i, fields) for i in items]}


def _pick(item: dict[str, Any], fields: str | None) -> dict[str, Any]:
    if not fields or fields == "*":
        return item
    wanted = [f.strip() for f in fields.split(",")]
    return {k: item[k] for k in wanted if k in item}

"""``system/service``: the configured services, with per-type validated configs.

A config is validated against its type's ``config_schema`` on every write;
secret values are answered as ``**********`` and a masked value sent back
keeps the stored one. ``config`` is shown only when ``id`` and ``type`` are
among the selected fields (as DreamFactory does) and can never be filtered
or ordered on, so a filter cannot probe a secret. A service's own OpenAPI
document is also its relation ``service_doc_by_service_id`` (``service_doc``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.access.authz import can_see_service
from app.extensions import db
from app.models import Record, Service
from app.schemas.service import ServiceSchema
from app.services import SERVICE_TYPES
from app.services.describe import mask_config, validate_config
from app.services.system import resource, service_doc
from app.services.system.records import ModelResource
from app.system_cache import all_services
from app.vocabulary.errors import BadRequest, Forbidden

PROTECTED_FIELDS = ("mutable", "deletable")
"""Set by seeding only; a client's values for them are ignored."""


@resource
class ServiceResource(ModelResource):
    name = "service"
    label = "Service"
    description = "Configured services (APIs) of this instance."
    model = Service
    schema = ServiceSchema
    private_columns = frozenset({"config"})
    relations = {service_doc.NAME: service_doc.ServiceDocRelation()}  # type: ignore[dict-item]

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if not creating and not record.mutable:
            raise Forbidden(f"Service '{record.name}' is not mutable.")
        type_name = data.get("type", record.type)
        cls = SERVICE_TYPES.get(type_name)
        if cls is None:
            raise BadRequest(f"Service type '{type_name}' is not available on this instance.")
        changing_type = not creating and type_name != record.type
        if cls.singleton and (creating or changing_type) and self._type_in_use(type_name):
            raise BadRequest(f"Only one service of type '{type_name}' is allowed.")
        if "config" in data or creating or changing_type:
            data["config"] = validate_config(
                cls,
                data.get("config"),
                stored=None if creating else record.config,
                partial=not creating and not changing_type,
            )
        if creating and not data.get("label"):
            data["label"] = data["name"]
        super().apply(record, data, creating)

    def scope(self, query: sa.Select) -> sa.Select:
        """Non-admins see only the services their role reaches (DreamFactory's selectByRequest)."""
        actor = getattr(self, "request", None) and self.request.actor
        if actor is None or actor.is_sys_admin:
            return query
        visible = [s.id for s in all_services() if can_see_service(actor, s.name)]
        return query.where(Service.id.in_(visible))

    def _type_in_use(self, type_name: str) -> bool:
        query = sa.select(Service.id).where(Service.type == type_name).limit(1)
        return db.session.execute(query).first() is not None

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = super().to_output(record, fields)
        if "config" in out:
            if fields is not None and not {"id", "type"} <= set(fields):
                out.pop("config")
            else:
                out["config"] = mask_config(SERVICE_TYPES.get(record.type), record.config)
        return out

    def force_delete_scope(self, query: sa.Select) -> sa.Select:
        return query.where(Service.deletable.is_(True))

    def before_delete(self, record: Record) -> None:
        if not record.deletable:
            raise Forbidden(f"Service '{record.name}' can not be deleted.")

    def write(self, record: Record, data: Any, creating: bool) -> Record:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in PROTECTED_FIELDS}
            if service_doc.NAME in data:
                data = service_doc.into_config(data, data.get("type", record.type))
        return super().write(record, data, creating)

"""``system/role``: roles with their service access rows and lookups, written nested."""

from __future__ import annotations

from typing import Any

from app.models import Lookup, Record, Role, RoleServiceAccess, UserAppRole
from app.schemas.role import RoleSchema, RoleServiceAccessSchema
from app.services.system import resource
from app.services.system.lookups import show_lookup
from app.services.system.records import ModelResource, child_resource
from app.services.system.records.relations import HasMany
from app.services.system.users import show_user_app_role


@child_resource
class RoleServiceAccessChild(ModelResource):
    name = "role_service_access"
    model = RoleServiceAccess
    schema = RoleServiceAccessSchema

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if data.get("filter_op") is not None:
            data["filter_op"] = data["filter_op"].upper()
        if data.get("component") is not None:
            data["component"] = data["component"].strip()
        for item in data.get("filters") or []:
            item["operator"] = item["operator"].upper()
        super().apply(record, data, creating)


@resource
class RoleResource(ModelResource):
    name = "role"
    label = "Role"
    description = "Roles granting access to services and their components."
    model = Role
    schema = RoleSchema
    relations = {
        "role_service_access_by_role_id": HasMany(RoleServiceAccess, "role_id"),
        "lookup_by_role_id": HasMany(Lookup, "role_id", show_lookup),
        "user_to_app_to_role_by_role_id": HasMany(UserAppRole, "role_id", show_user_app_role),
    }

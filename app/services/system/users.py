"""``system/user`` and ``system/admin``: people, split by ``is_sys_admin``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.access import passwords, tokens
from app.errors import Forbidden
from app.models import Lookup, Record, User, UserAppRole
from app.schemas.user import UserSchema
from app.services.base import ServiceRequest
from app.services.system import resource
from app.services.system.lookups import show_lookup
from app.services.system.records import ModelResource
from app.services.system.relations import HasMany


def display_name(data: dict[str, Any], record: User) -> str | None:
    first = data.get("first_name", record.first_name) or ""
    last = data.get("last_name", record.last_name) or ""
    full = f"{first} {last}".strip()
    if full:
        return full
    email = data.get("email", record.email) or ""
    return email.split("@")[0] or None


def apply_user_fields(record: User, data: dict[str, Any], creating: bool) -> None:
    """Hash secrets, derive the name and revoke sessions when access changes."""
    if "password" in data:
        password = data.pop("password")
        if password:
            record.password = passwords.hash_password(password)
            if not creating:
                tokens.revoke_user(record.id)
    if "security_answer" in data:
        answer = data.pop("security_answer")
        record.security_answer = passwords.hash_password(answer) if answer else None
    if data.get("is_active") is False and not creating:
        tokens.revoke_user(record.id)
    if creating and not data.get("name"):
        data["name"] = display_name(data, record)
    for key, value in data.items():
        setattr(record, key, value)


class PeopleResource(ModelResource):
    model = User
    schema = UserSchema
    admins: bool = False
    relations = {
        "lookup_by_user_id": HasMany(Lookup, "user_id", show_lookup),
        "user_to_app_to_role_by_user_id": HasMany(UserAppRole, "user_id"),
    }

    def scope(self, query: sa.Select) -> sa.Select:
        return query.where(User.is_sys_admin.is_(self.admins))

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if creating:
            record.is_sys_admin = self.admins
        apply_user_fields(record, data, creating)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = record.to_dict(fields)
        if fields is None:
            out["confirmed"] = record.confirm_code in (None, "y")
        return out

    def delete(self, request: ServiceRequest, rest: list[str]) -> Any:
        self._deleter = request.actor.user.id if request.actor and request.actor.user else None
        return super().delete(request, rest)

    def before_delete(self, record: Record) -> None:
        if record.id == getattr(self, "_deleter", None):
            raise Forbidden("Cannot delete your account.")


@resource
class UserResource(PeopleResource):
    name = "user"
    label = "User"
    description = "Non-admin users."


@resource
class AdminResource(PeopleResource):
    name = "admin"
    label = "Admin"
    description = "System administrators."
    admins = True

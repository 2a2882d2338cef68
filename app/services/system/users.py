"""``system/user`` and ``system/admin``: people, split by ``is_sys_admin``.

Passwords and security answers are stored hashed and never shown;
``is_sys_admin`` is implied by the resource, so it is neither shown nor
filterable. ``system/user`` refuses to change or delete an admin (403, as
DreamFactory) and shows none; ``system/admin`` shows no non-admin. Nobody
deletes their own account. Setting a password or deactivating someone ends
their sessions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.access import passwords, tokens
from app.extensions import db
from app.models import Lookup, Record, User, UserAppRole, utcnow
from app.schemas.user import UserAppRoleSchema, UserSchema
from app.services import mailer
from app.services.system import resource
from app.services.system.lookups import show_lookup
from app.services.system.records import ModelResource, child_resource
from app.services.system.records.relations import HasMany
from app.vocabulary.errors import BadRequest, Forbidden
from app.vocabulary.flags import to_bool


def show_user_app_role(row: UserAppRole) -> dict[str, Any]:
    """DreamFactory's shape for a user's per-app role: ids only."""
    return {"id": row.id, "user_id": row.user_id, "app_id": row.app_id, "role_id": row.role_id}


@child_resource
class UserAppRoleChild(ModelResource):
    name = "user_to_app_to_role"
    model = UserAppRole
    schema = UserAppRoleSchema

    def check_unique(self, record: Record, data: dict[str, Any]) -> None:
        """One role per user and app."""
        user_id = data.get("user_id", record.user_id)
        app_id = data.get("app_id", record.app_id)
        query = sa.select(UserAppRole.id).where(
            UserAppRole.user_id == user_id, UserAppRole.app_id == app_id
        )
        if record.id is not None:
            query = query.where(UserAppRole.id != record.id)
        if user_id is not None and db.session.execute(query.limit(1)).first() is not None:
            raise BadRequest("Duplicate entry: the user already has a role for this app.")


def display_name(data: dict[str, Any], record: User) -> str | None:
    """First and last name, else the e-mail's local part (DreamFactory's default ``name``)."""
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


def is_expired(record: User) -> bool:
    """Whether the user's pending confirmation code has outlived ``CONFIRM_CODE_TTL`` minutes."""
    if record.confirm_code in (None, "y") or record.confirm_code_date is None:
        return False
    ttl = int(current_app.config.get("CONFIRM_CODE_TTL", 1440))
    return utcnow() - record.confirm_code_date > dt.timedelta(minutes=ttl)


class PeopleResource(ModelResource):
    model = User
    schema = UserSchema
    admins: bool = False
    hidden_fields = frozenset({"is_sys_admin"})
    relations = {
        "lookup_by_user_id": HasMany(Lookup, "user_id", show_lookup),
        "user_to_app_to_role_by_user_id": HasMany(UserAppRole, "user_id", show_user_app_role),
    }

    def scope(self, query: sa.Select) -> sa.Select:
        return query.where(User.is_sys_admin.is_(self.admins))

    def force_delete_scope(self, query: sa.Select) -> sa.Select:
        me = self.actor_user_id()
        return query if me is None else query.where(User.id != me)

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if creating:
            record.is_sys_admin = self.admins
        apply_user_fields(record, data, creating)

    def write(self, record: Record, data: Any, creating: bool) -> Record:
        record = super().write(record, data, creating)
        if creating and to_bool(self.request.option("send_invite")):
            mailer.send_invite(record)
            db.session.flush()
        return record

    computed_fields = ("confirmed", "expired")

    def computed(self, record: Record, name: str) -> Any:
        if name == "confirmed":
            return record.confirm_code in (None, "y")  # type: ignore[attr-defined]
        return is_expired(record)  # type: ignore[arg-type]

    def before_delete(self, record: Record) -> None:
        if record.id == self.actor_user_id():
            raise Forbidden("Cannot delete your account.")
        tokens.revoke_user(record.id)


@resource
class UserResource(PeopleResource):
    name = "user"
    label = "User"
    description = "Non-admin users."

    def not_found(self, record_id: Any, action: str) -> Exception:
        """Changing or deleting an admin here is refused (403), not hidden."""
        if action in ("update", "delete"):
            key = self.cast_id(record_id)
            admin = key is not None and db.session.scalar(
                sa.select(User.id).where(User.id == key, User.is_sys_admin.is_(True))
            )
            if admin:
                verb = "change" if action == "update" else "delete"
                return Forbidden(f"Not allowed to {verb} an admin user.")
        return super().not_found(record_id, action)


@resource
class AdminResource(PeopleResource):
    name = "admin"
    label = "Admin"
    description = "System administrators."
    admins = True

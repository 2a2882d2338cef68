"""Cached, read-only views of the system records every request needs.

Services by name, apps by API key, roles with their access rows and users by
id are loaded as frozen plain values through ``app.cache``, so they are shared
safely between threads and never go stale across workers (see ``app.cache``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.cache import get_cache
from app.extensions import db
from app.models import App, Lookup, Role, RoleServiceAccess, Service, User, UserAppRole
from app.vocabulary.errors import NotFound


@dataclass(frozen=True)
class ServiceInfo:
    """A service row as plain values, safe to keep between requests."""

    id: int
    name: str
    label: str | None
    description: str | None
    type: str
    is_active: bool
    mutable: bool
    deletable: bool
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AppInfo:
    id: int
    name: str
    api_key: str
    is_active: bool
    role_id: int | None
    type: int
    allow_mcp: bool = False
    """Whether the app's key may reach the MCP endpoint."""


@dataclass(frozen=True)
class AccessRow:
    service_id: int | None
    service: str | None
    component: str
    verb_mask: int
    requestor_mask: int
    filters: tuple[dict[str, Any], ...]
    filter_op: str
    id: int | None = None
    """The ``role_service_access`` record's id, to name the row that took a decision."""


@dataclass(frozen=True)
class RoleInfo:
    id: int
    name: str
    is_active: bool
    accesses: tuple[AccessRow, ...]


@dataclass(frozen=True)
class UserInfo:
    id: int
    name: str | None
    first_name: str | None
    last_name: str | None
    email: str
    username: str | None
    is_active: bool
    is_sys_admin: bool
    last_login_date: Any
    password: str | None
    """The password hash, for HTTP Basic checks; never serialized."""


def _service_info(row: Service) -> ServiceInfo:
    return ServiceInfo(
        id=row.id,
        name=row.name,
        label=row.label,
        description=row.description,
        type=row.type,
        is_active=row.is_active,
        mutable=row.mutable,
        deletable=row.deletable,
        config=dict(row.config or {}),
    )


def all_services() -> tuple[ServiceInfo, ...]:
    def load() -> tuple[ServiceInfo, ...]:
        rows = db.session.scalars(sa.select(Service).order_by(Service.id)).all()
        return tuple(_service_info(r) for r in rows)

    return get_cache().get(("service",), "all", load)


def get_service_info(name: str) -> ServiceInfo | None:
    services = all_services()
    by_name = _by_name.get(id(services))
    if by_name is None or by_name[0] is not services:
        names: dict[str, ServiceInfo] = {}
        for info in services:
            names.setdefault(info.name.lower(), info)
        by_name = (services, names)
        _by_name.clear()  # only the newest list is asked for again
        _by_name[id(services)] = by_name
    return by_name[1].get(name.lower())


_by_name: dict[int, tuple[tuple[ServiceInfo, ...], dict[str, ServiceInfo]]] = {}
"""``id`` of a cached service list → (the list, its services by lower-cased name)."""


def get_service_by_id(service_id: int) -> ServiceInfo | None:
    for info in all_services():
        if info.id == service_id:
            return info
    return None


def require_service_info(name: str) -> ServiceInfo:
    info = get_service_info(name)
    if info is None:
        raise NotFound(f"Could not find a service for {name}")
    return info


def get_app_by_key(api_key: str) -> AppInfo | None:
    def load() -> AppInfo | None:
        row = db.session.scalar(sa.select(App).where(App.api_key == api_key))
        if row is None:
            return None
        return AppInfo(
            row.id, row.name, row.api_key, row.is_active, row.role_id, row.type, row.allow_mcp
        )

    return get_cache().get(("app",), f"key:{api_key}", load)


def get_role(role_id: int) -> RoleInfo | None:
    def load() -> RoleInfo | None:
        role = db.session.get(Role, role_id)
        if role is None:
            return None
        names = {s.id: s.name for s in all_services()}
        rows = db.session.scalars(
            sa.select(RoleServiceAccess)
            .where(RoleServiceAccess.role_id == role_id)
            .order_by(RoleServiceAccess.id)
        ).all()
        accesses = tuple(
            AccessRow(
                service_id=r.service_id,
                service=names.get(r.service_id) if r.service_id is not None else None,
                component=(r.component or "").strip("/"),
                verb_mask=r.verb_mask or 0,
                requestor_mask=r.requestor_mask or 0,
                filters=tuple(r.filters or ()),
                filter_op=(r.filter_op or "AND").upper(),
                id=r.id,
            )
            for r in rows
        )
        return RoleInfo(role.id, role.name, role.is_active, accesses)

    return get_cache().get(("role", "role_service_access", "service"), f"role:{role_id}", load)


def get_user(user_id: int) -> UserInfo | None:
    def load() -> UserInfo | None:
        row = db.session.get(User, user_id)
        return _user_info(row) if row is not None else None

    return get_cache().get(("user",), f"user:{user_id}", load)


def _user_info(row: User) -> UserInfo:
    return UserInfo(
        id=row.id,
        name=row.name,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        username=row.username,
        is_active=row.is_active,
        is_sys_admin=row.is_sys_admin,
        last_login_date=row.last_login_date,
        password=row.password,
    )


def get_user_app_role(user_id: int, app_id: int) -> int | None:
    """The role id a user has through an app, if one is assigned."""

    def load() -> dict[int, int]:
        rows = db.session.execute(
            sa.select(UserAppRole.app_id, UserAppRole.role_id).where(UserAppRole.user_id == user_id)
        ).all()
        return {a: r for a, r in rows if a is not None and r is not None}

    return get_cache().get(("user_to_app_to_role",), f"uar:{user_id}", load).get(app_id)


def user_has_app_roles(user_id: int) -> bool:
    def load() -> bool:
        return (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(UserAppRole)
                .where(UserAppRole.user_id == user_id)
            )
            or 0
        ) > 0

    return get_cache().get(("user_to_app_to_role",), f"has:{user_id}", load)


def lookups_for(app_id: int | None, role_id: int | None, user_id: int | None) -> tuple[dict, dict]:
    """(public, private) lookup values with precedence user > role > app > system."""

    def load() -> tuple[dict, dict]:
        rows = db.session.scalars(
            sa.select(Lookup).where(
                sa.or_(
                    sa.and_(
                        Lookup.app_id.is_(None), Lookup.role_id.is_(None), Lookup.user_id.is_(None)
                    ),
                    Lookup.app_id == app_id if app_id else sa.false(),
                    Lookup.role_id == role_id if role_id else sa.false(),
                    Lookup.user_id == user_id if user_id else sa.false(),
                )
            )
        ).all()

        def rank(row: Lookup) -> int:
            return 3 if row.user_id else 2 if row.role_id else 1 if row.app_id else 0

        public: dict[str, str] = {}
        private: dict[str, str] = {}
        for row in sorted(rows, key=rank):
            target = private if row.private else public
            (public if row.private else private).pop(row.name, None)
            target[row.name] = row.value or ""
        return public, private

    return get_cache().get(("lookup",), f"lk:{app_id}:{role_id}:{user_id}", load)


def instance_is_set_up() -> bool:
    """Whether an admin exists (cached until a write to ``user``)."""

    def load() -> bool:
        query = sa.select(User.id).where(User.is_sys_admin.is_(True)).limit(1)
        return db.session.scalar(query) is not None

    return get_cache().get(("user",), "set_up", load)

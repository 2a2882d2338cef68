"""What a package can hold (``GET system/package``), in DreamFactory's manifest shape.

The manifest names records, not their content: ``service.system.{resource}`` lists
names (users and admins as ``{username, email, first_name, last_name}``, CORS rules
by id, as DreamFactory does), and each database service the caller may see gets
``{"reachable": true, "_schema": [tables]}`` (``reachable`` false when its database
cannot be reached). A resource the caller may not read is left out, as is every
database service with ``system_only=true``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app import system_cache
from app.access.authz import can_see_service
from app.dispatch.calls import Caller
from app.services import SERVICE_TYPES
from app.version import __version__
from app.vocabulary.errors import ApiError

VERSION = "0.1"
"""The package format's version, DreamFactory's ``Package::VERSION``."""

SYSTEM_RESOURCES = (
    "role",
    "service",
    "app",
    "user",
    "admin",
    "custom",
    "cors",
    "email_template",
    "lookup",
    "limit",
    "event_script",
)
"""The ``system`` resources a package may hold, in DreamFactory's listing order."""

PEOPLE = ("user", "admin")
PERSON_FIELDS = ("username", "email", "first_name", "last_name")


def header(description: str = "") -> dict[str, Any]:
    """The manifest's header fields (never secured: see the package docstring)."""
    return {
        "version": VERSION,
        "df_version": __version__,
        "secured": False,
        "description": description,
        "created_date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }


def listing(caller: Caller, system_only: bool = False) -> dict[str, Any]:
    manifest = header()
    services: dict[str, Any] = {}
    system = {}
    for name in SYSTEM_RESOURCES:
        entries = _system_entries(caller, name)
        if entries is not None:
            system[name] = entries
    if system:
        services["system"] = system
    if not system_only:
        for info in database_services(caller):
            services[info.name] = _database_entry(caller, info.name)
    manifest["service"] = services
    return manifest


def database_services(caller: Caller) -> list[Any]:
    """The active database services the caller may see, by name."""
    found = []
    for info in system_cache.all_services():
        cls = SERVICE_TYPES.get(info.type)
        if cls is None or cls.group != "Database" or not info.is_active:
            continue
        if can_see_service(caller.actor, info.name):
            found.append(info)
    return sorted(found, key=lambda i: i.name)


def _system_entries(caller: Caller, name: str) -> list[Any] | None:
    fields = "id," + ",".join(PERSON_FIELDS) if name in PEOPLE else "*"
    try:
        records = caller.records("system", name, {"fields": fields})
    except ApiError:  # the caller may not read it
        return None
    if name in PEOPLE:
        return [{f: r.get(f) for f in PERSON_FIELDS} for r in records]
    if name == "cors":
        return [r.get("id") for r in records]
    return [r.get("name") for r in records]


def _database_entry(caller: Caller, service: str) -> dict[str, Any]:
    try:
        tables = caller.records(service, "_schema", {"as_list": "true"})
    except ApiError:
        return {"reachable": False}
    return {"reachable": True, "_schema": tables}

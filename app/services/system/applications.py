"""``system/app``: apps, their API keys and launch settings."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, has_request_context
from flask import request as http_request

from app.models import App, Lookup, Record, Role
from app.schemas.app import AppSchema
from app.services import SERVICE_TYPES
from app.services.files import FileService
from app.services.system import resource
from app.services.system.lookups import show_lookup
from app.services.system.records import ModelResource
from app.services.system.records.relations import BelongsTo, HasMany
from app.system_cache import get_service_by_id
from app.vocabulary.errors import ValidationFailed
from app.vocabulary.flags import to_bool


def new_api_key() -> str:
    """64 hex characters from the OS's secure random source."""
    return secrets.token_hex(32)


def launch_url(record: App) -> str:
    """Where the app opens: its URL, a path on this host, or a file of a file service.

    A storage app (type 1) opens through the public storage route,
    ``/<DF_STORAGE_ROUTE_PREFIX>/<service>/<storage_container>/<path>``.
    """
    base = http_request.host_url.rstrip("/") if has_request_context() else ""
    if record.type == 2:
        return record.url or ""
    if record.type == 3 and record.path:
        return f"{base}/{record.path.lstrip('/')}"
    if record.type == 1 and record.storage_service_id:
        info = get_service_by_id(record.storage_service_id)
        if info is not None:
            parts = [
                current_app.config.get("STORAGE_ROUTE_PREFIX", "").strip("/"),
                info.name,
                (record.storage_container or "").strip("/"),
                (record.path or "").lstrip("/"),
            ]
            return base + "/" + "/".join(p for p in parts if p)
    return ""


def storage_app_errors(record: App, data: dict[str, Any]) -> dict[str, list[str]]:
    """Why a storage app's settings cannot launch it: a file service, paths without ``..``."""
    errors: dict[str, list[str]] = {}
    service_id = data.get("storage_service_id", record.storage_service_id)
    info = get_service_by_id(service_id) if service_id else None
    cls = SERVICE_TYPES.get(info.type) if info is not None else None
    if cls is None or not issubclass(cls, FileService):
        errors["storage_service_id"] = ["An app of type storage needs a file service."]
    for field in ("storage_container", "path"):
        value = data.get(field, getattr(record, field)) or ""
        if "\x00" in value or ".." in value.replace("\\", "/").split("/"):
            errors[field] = [
                f"The {field.replace('_', ' ')} may not contain '..' segments or NUL bytes."
            ]
    return errors


@resource
class AppResource(ModelResource):
    name = "app"
    label = "App"
    description = "Client applications and their API keys."
    model = App
    schema = AppSchema
    relations = {
        "role_by_role_id": BelongsTo(Role, "role_id"),
        "lookup_by_app_id": HasMany(Lookup, "app_id", show_lookup),
    }

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        """A storage app must name a file service; a new app gets a fresh key unless it brings
        one; ``regenerate=true`` replaces it."""
        if data.get("type", record.type) == 1:
            errors = storage_app_errors(record, data)
            if errors:
                raise ValidationFailed(errors)
        if creating and not data.get("api_key"):
            data["api_key"] = new_api_key()
        elif not creating and to_bool(self.request.option("regenerate")):
            data["api_key"] = new_api_key()
        super().apply(record, data, creating)

    computed_fields = ("launch_url",)

    def computed(self, record: Record, name: str) -> Any:
        return launch_url(record)  # type: ignore[arg-type]

"""The active event scripts, found by event name at almost no cost per request.

All active scripts are loaded in one query into a ``ScriptIndex`` kept in the
stamped cache (``app.cache``) under the ``event_script`` and ``service``
namespaces: any write to ``system/event_script`` (or to a service) bumps a
stamp and every process loads the index again on its next request. A request
to a service that no active script names, and that no script loads its code
from, costs one set lookup (``watches``).

A script linked to a file service (``storage_service_id`` + ``storage_path``,
the UI's "Link to a service") has its code read through ``dispatch.call``
(``GET <path>?include_properties=true&content=true``, base64-decoded) as an
internal call of the server itself, not of the client that triggered the
event, and cached under the ``script_file`` namespace as well. Every write
through the API to a service some script loads from bumps that namespace
(``forget_linked_files``), as do ``DELETE system/cache`` and ``DELETE
system/cache/_event``; a file changed on disk behind the API's back is seen
after one of those.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app import system_cache
from app.cache import bump_now, get_cache
from app.extensions import db
from app.models import EventScript
from app.scripting import bridge
from app.system_cache import ServiceInfo
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import ApiError, InternalServerError

SCRIPT_TYPES = ("python", "python3", "nodejs", "php", "v8js")
"""Service types that are scripted services (their config may link code from a file)."""

DEPENDS = ("event_script", "service")
FILE_DEPENDS = ("event_script", "service", "script_file")


@dataclass(frozen=True)
class ScriptInfo:
    """One script as plain values: an event script, or a scripted service's code."""

    name: str
    type: str
    content: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    allow_event_modification: bool = False
    storage_service_id: int | None = None
    storage_path: str | None = None


@dataclass(frozen=True)
class ScriptIndex:
    scripts: dict[str, ScriptInfo]
    """Active event scripts by name."""
    services: frozenset[str]
    """Lower-case service names some active script's event belongs to."""
    storage_ids: frozenset[int]
    """Services some script (event script or scripted service) reads its code from."""


def _load_index() -> ScriptIndex:
    rows = db.session.scalars(sa.select(EventScript).where(EventScript.is_active.is_(True))).all()
    scripts = {
        row.name: ScriptInfo(
            name=row.name,
            type=row.type,
            content=row.content or "",
            config=dict(row.config or {}) if isinstance(row.config, dict) else {},
            allow_event_modification=bool(row.allow_event_modification),
            storage_service_id=row.storage_service_id,
            storage_path=row.storage_path,
        )
        for row in rows
    }
    storage = {s.storage_service_id for s in scripts.values() if s.storage_service_id}
    for info in system_cache.all_services():
        linked = (info.config or {}).get("storage_service_id")
        if info.type in SCRIPT_TYPES and isinstance(linked, int):
            storage.add(linked)
    return ScriptIndex(
        scripts=scripts,
        services=frozenset(name.split(".", 1)[0].lower() for name in scripts),
        storage_ids=frozenset(storage),
    )


def get_index() -> ScriptIndex:
    return get_cache().get(DEPENDS, "script_index", _load_index)


def watches(info: ServiceInfo) -> bool:
    """Whether a call to this service may fire a script or change a script's code."""
    index = get_index()
    return info.name.lower() in index.services or info.id in index.storage_ids


def forget_linked_files(info: ServiceInfo, method: str) -> None:
    """After a write to a service scripts load code from, make every process read it again."""
    if method != "GET" and info.id in get_index().storage_ids:
        bump_now("script_file")


def code_of(script: ScriptInfo) -> str:
    """The script's code: its own content, or the linked file's (cached)."""
    if not script.storage_service_id or not script.storage_path:
        return script.content
    key = f"script_file:{script.storage_service_id}:{script.storage_path}"
    return get_cache().get(FILE_DEPENDS, key, lambda: _read_linked(script))


def _read_linked(script: ScriptInfo) -> str:
    storage = system_cache.get_service_by_id(int(script.storage_service_id or 0))
    path = (script.storage_path or "").strip("/")
    if storage is None:
        raise InternalServerError(
            f"Script '{script.name}' links to service {script.storage_service_id}, "
            "which does not exist."
        )
    request = ServiceRequest.internal(
        "GET", storage.name, path, params={"include_properties": "true", "content": "true"}
    )
    where = f"'{storage.name}/{path}'"
    try:
        response = bridge.call(request)
    except ApiError as exc:
        raise InternalServerError(
            f"Script '{script.name}' could not be read from {where}: {exc.message}"
        ) from None
    content = response.content
    if isinstance(content, dict) and isinstance(content.get("content"), str):
        try:
            return base64.b64decode(content["content"], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return content["content"]
    if isinstance(content, bytes | bytearray):
        return bytes(content).decode("utf-8", "replace")
    raise InternalServerError(f"Script '{script.name}' could not be read from {where}.")

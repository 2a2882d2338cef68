"""Running a service request, whatever its origin, and shaping the answer.

``call`` is the one path into a service: the REST controller calls it after
the access pipeline; scripts and jobs call it after ``access.check_call``.
Event scripts run around the service here (``app.scripting.events``), so
they fire for every origin; a service no active script names pays one set
lookup for that.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from flask import Response

from app import directory
from app.extensions import release_failed_flush
from app.responses import render
from app.scripting import events, scripts
from app.services import SERVICE_TYPES, build_service
from app.services.base import BaseService
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import ApiError

if TYPE_CHECKING:
    from app.access.actor import Actor
    from app.directory import ServiceInfo

ROOT_FIELDS = ("id", "name", "label", "description", "type")

VERBATIM_CONFIG_KEYS = frozenset({"openapi", "content"})
"""Config keys never searched for lookups: an OpenAPI document's ``{id}`` are path templates,
and a scripted service's code (``content``) is code."""


def call(request: ServiceRequest) -> ServiceResponse:
    info = directory.require_service_info(request.service)
    info = substitute_lookups(request, info)
    service = build_service(info)
    if request.method == "GET" and request.segments == ["_spec"]:
        from app.openapi import spec_for  # every service answers its OpenAPI document

        return ServiceResponse(content=spec_for(service, request))
    if scripts.watches(info):
        return events.call_with_events(info, service, request, lambda r: _handle(service, r))
    return _handle(service, request)


def _handle(service: BaseService, request: ServiceRequest) -> ServiceResponse:
    """The service's answer; a refusal leaves the session usable for what runs next
    (post-process scripts, the rest of a script's calls)."""
    try:
        return _answer(service.handle(request))
    except ApiError:
        release_failed_flush()
        raise


def _answer(result: Any) -> ServiceResponse:
    if isinstance(result, ServiceResponse):
        return result
    return ServiceResponse(content=result)


def _has_lookup(value: Any) -> bool:
    if isinstance(value, str):
        return "{" in value
    if isinstance(value, dict):
        return any(_has_lookup(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_lookup(v) for v in value)
    return False


def substitute_lookups(request: ServiceRequest, info: ServiceInfo) -> ServiceInfo:
    """Lookups in the client's ``filter``/``params`` and (private ones too) in the config.

    Done once here, so every service sees resolved values; nothing is
    computed when no ``{...}`` appears.
    """
    from app.access import lookups

    payload = request.payload if isinstance(request.payload, dict) else {}
    client_parts = [request.params.get("filter"), payload.get("filter"), payload.get("params")]
    if any(_has_lookup(part) for part in client_parts):
        values = lookups.values_for(request.actor)
        if "filter" in request.params:
            request.params["filter"] = lookups.substitute(request.params["filter"], values)
        for key in ("filter", "params"):
            if key in payload:
                payload[key] = lookups.substitute_all(payload[key], values)
    if _config_has_lookups(info):
        config = info.config or {}
        values = lookups.values_for(request.actor, allow_private=True)
        config = {
            k: v if k in VERBATIM_CONFIG_KEYS else lookups.substitute_all(v, values)
            for k, v in config.items()
        }
        info = dataclasses.replace(info, config=config)
    return info


_config_checks: dict[int, tuple[ServiceInfo, bool]] = {}
"""``id(info)`` → (info, whether its config names a lookup): the cached ``ServiceInfo``
objects live across requests, so their configs are walked once, not on every call."""


def _config_has_lookups(info: ServiceInfo) -> bool:
    hit = _config_checks.get(id(info))
    if hit is not None and hit[0] is info:
        return hit[1]
    config = info.config or {}
    found = any(k not in VERBATIM_CONFIG_KEYS and _has_lookup(v) for k, v in config.items())
    if len(_config_checks) > 4096:
        _config_checks.clear()
    _config_checks[id(info)] = (info, found)
    return found


def to_http(response: ServiceResponse) -> Response:
    content = response.content
    if isinstance(content, Response):
        return content
    if response.is_raw:
        return Response(
            content,
            status=response.status,
            content_type=response.content_type or "application/octet-stream",
            headers=response.headers,
        )
    return render(content, response.status, response.headers)


def service_types(group: str | None = None, type_name: str | None = None) -> list[dict[str, Any]]:
    from app.services.describe import describe_type

    items = [describe_type(cls) for cls in SERVICE_TYPES.values()]
    if group:
        groups = {g.strip().lower() for g in group.split(",")}
        items = [i for i in items if i["group"].lower() in groups]
    if type_name:
        names = {t.strip().lower() for t in type_name.split(",")}
        items = [i for i in items if i["name"].lower() in names]
    return sorted(items, key=lambda i: i["name"])


def root_listing(actor: Actor, params: dict[str, str]) -> dict[str, Any]:
    """``GET /api/v2``: the services the caller may see and every service type."""
    from app.access.authz import can_see_service

    fields = params.get("fields")
    wanted = ROOT_FIELDS
    if fields and fields != "*":
        wanted = tuple(f.strip() for f in fields.split(",") if f.strip() in ROOT_FIELDS)
    group, type_name = params.get("group"), params.get("type")
    types = service_types(group, type_name)
    type_names = {t["name"] for t in types}
    services = []
    for info in directory.all_services():
        if not info.is_active or not can_see_service(actor, info.name):
            continue
        if (group or type_name) and info.type not in type_names:
            continue
        item = {f: getattr(info, f) for f in wanted}
        item["spec_url"] = f"/api/v2/{info.name}/_spec"
        services.append(item)
    return {
        "services": services,
        "service_types": [
            {k: t[k] for k in ("name", "label", "group", "description")} for t in types
        ],
    }

"""The dispatcher's calls: ``call``, ``call_internal``, the root listing and the HTTP answer.

``call`` runs an authorized request: lookups substituted (``access.lookups``),
``_spec`` answered with the service's document (``app.openapi``), event
scripts around the service (``app.scripting.events``; a service no active
script names pays one set lookup for that; a ``deferred`` call, queued and now
run on a worker, had its events when it was queued). The REST controller calls
it after the access pipeline; ``call_internal`` is the way in for calls without
HTTP (scripts' ``platform.api``, queued calls, scheduled tasks, packages): the
same access checks (``access.calls.check_call``), and the root listing for a
call naming no service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Response

from app import system_cache
from app.access.authz import can_see_service
from app.access.calls import check_call
from app.access.lookups import substitute_lookups
from app.extensions import release_failed_flush
from app.openapi import spec_for
from app.responses import render
from app.scripting import events, scripts
from app.services import build_service, event_paths
from app.services.base import BaseService
from app.services.describe import service_types
from app.vocabulary.calls import Requestor, ServiceRequest, ServiceResponse
from app.vocabulary.errors import ApiError

if TYPE_CHECKING:
    from app.access.actor import Actor

ROOT_FIELDS = ("id", "name", "label", "description", "type")


def call(request: ServiceRequest) -> ServiceResponse:
    info = system_cache.require_service_info(request.service)
    info = substitute_lookups(request, info)
    service = build_service(info)
    if request.method == "GET" and request.segments == ["_spec"]:
        return ServiceResponse(content=spec_for(service, request))
    if scripts.watches(info) and not request.deferred:
        target = event_paths.target_for(service, request)
        return events.call_with_events(info, target, request, lambda r: _handle(service, r))
    return _handle(service, request)


def call_internal(request: ServiceRequest) -> ServiceResponse:
    """A call from inside the server (no HTTP): checked as the access pipeline checks one."""
    check_call(request)
    if not request.service:
        return ServiceResponse(content=root_listing(request.actor, request.params))
    return call(request)


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


def root_listing(actor: Actor, params: dict[str, str]) -> dict[str, Any]:
    """``GET /api/v2``: the services the caller may see and every service type."""
    fields = params.get("fields")
    wanted = ROOT_FIELDS
    if fields and fields != "*":
        wanted = tuple(f.strip() for f in fields.split(",") if f.strip() in ROOT_FIELDS)
    group, type_name = params.get("group"), params.get("type")
    types = service_types(group, type_name, choices=False)  # config schemas are not listed
    type_names = {t["name"] for t in types}
    services = []
    for info in system_cache.all_services():
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


class Caller:
    """Someone making calls through the dispatcher: each checked as theirs (their role,
    their requestor), so work done on their behalf (packages...) reaches only what they may."""

    def __init__(self, actor: Any, requestor: Requestor = Requestor.API) -> None:
        self.actor = actor
        self.requestor = requestor

    @classmethod
    def of(cls, request: ServiceRequest) -> Caller:
        return cls(request.actor, request.requestor)

    def call(
        self,
        method: str,
        service: str,
        resource: str = "",
        *,
        params: dict[str, str] | None = None,
        payload: Any = None,
        content: bytes = b"",
        content_type: str | None = None,
    ) -> Any:
        """The answer's content; a refusal or failure raises its ``ApiError``."""
        request = ServiceRequest.internal(
            method,
            service,
            resource,
            params=params,
            payload=payload,
            content=content,
            content_type=content_type,
            actor=self.actor,
            requestor=self.requestor,
        )
        response = call_internal(request)
        if response.status >= 300:
            raise ApiError(f"{method} {service}/{resource} answered {response.status}.")
        return response.content

    def records(self, service: str, resource: str, params: dict[str, str] | None = None):
        """The records of a GET, unwrapped from ``resource``."""
        content = self.call("GET", service, resource, params=params)
        if isinstance(content, dict) and "resource" in content:
            return content["resource"]
        if isinstance(content, list):
            return content
        return [content]

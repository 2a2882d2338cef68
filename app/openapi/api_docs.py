"""The ``swagger`` service type: the live API documentation of every service (``api_docs``).

``GET /api/v2/api_docs`` lists the services the caller can see, each with
the URL of its document (``?as_list=true``: names only);
``GET /api/v2/api_docs/{service}`` answers that service's OpenAPI document,
the same one ``GET /api/v2/{service}/_spec`` answers (OpenAPI 3.0 unless
``openapi=3.1``, and the same options: ``app.openapi.views``), cut to the
caller's role (``app.openapi``), with DreamFactory's ``info.group``: the
service type's group (``Database``, ``File``...), which the admin console's
docs page reads to offer its quick start and health check. ``info.group`` is
not an OpenAPI field (extensions start with ``x-``): strict validators refuse
it, Swagger UI ignores it. A role that reaches ``api_docs`` can read the
documents of the services it reaches; one that does not reach a service is
refused with DreamFactory's 403 (the admin is told a missing service is 404).

DreamFactory's own ``GET api_docs`` merges every service into one document;
here each service keeps its own, which the docs page (``/docs``) offers as a
list.

Its own document (``build_api_docs``) describes the service list and each
service's document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import system_cache
from app.access.authz import can_see_service
from app.access.lookups import substitute_lookups
from app.openapi import builder, server_url, spec_for
from app.openapi.document import operation, path_param, records_of
from app.services import build_service
from app.services.base import BaseService, unsupported_verb
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import Forbidden, NotFound
from app.vocabulary.flags import to_bool

if TYPE_CHECKING:
    from app.openapi.access import Reach
    from app.openapi.document import Spec

LISTED: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "label": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"]},
        "type": {"type": "string"},
        "spec_url": {"type": "string"},
    },
}
DOCUMENT: dict[str, Any] = {
    "type": "object",
    "description": "An OpenAPI document (with compact or model, a summary of one).",
    "properties": {"openapi": {"type": "string"}, "info": {"type": "object"}},
}


class ApiDocsService(BaseService):
    type = "swagger"
    label = "API Docs"
    group = "API Doc"
    description = "API documenting and testing service."
    singleton = True

    def handle(self, request: ServiceRequest) -> Any:
        segments = request.segments
        if request.method != "GET":
            raise unsupported_verb(request, self.name)
        if not segments:
            return self.listing(request)
        if len(segments) > 1:
            raise NotFound(f"Resource '{request.resource}' not found for service '{self.name}'.")
        return self.document(request, segments[0])

    def listing(self, request: ServiceRequest) -> dict[str, Any]:
        actor = request.actor
        items = [
            {
                "name": info.name,
                "label": info.label,
                "description": info.description,
                "type": info.type,
                "spec_url": f"{server_url(self.name)}/{info.name}",
            }
            for info in system_cache.all_services()
            if info.is_active and (actor is None or can_see_service(actor, info.name))
        ]
        if to_bool(request.param("as_list")):
            return {"resource": [item["name"] for item in items]}
        return {"resource": items}

    def document(self, request: ServiceRequest, name: str) -> dict[str, Any]:
        actor = request.actor
        if actor is not None and not can_see_service(actor, name):
            raise Forbidden(f"You do not have access to API Docs for the requested service {name}.")
        info = system_cache.require_service_info(name)
        target = ServiceRequest(method="GET", service=info.name, actor=actor, params=request.params)
        service = build_service(substitute_lookups(target, info))
        document = spec_for(service, request)
        if isinstance(document.get("info"), dict):  # what the admin console's docs page reads
            document = {**document, "info": {**document["info"], "group": service.group}}
        return document


@builder(ApiDocsService)
def build_api_docs(service: ApiDocsService, spec: Spec, reach: Reach) -> None:
    tag = spec.tag(service.name, "Live documentation of the services.")
    spec.add(
        "/",
        "",
        {
            "get": operation(
                "Services with the URL of their document",
                {
                    "anyOf": [
                        records_of(spec.define("ListedService", LISTED)),
                        records_of({"type": "string"}),
                    ]
                },
                params=("as_list",),
            )
        },
        tag=tag,
    )
    spec.add(
        "/{service_name}",
        "{service_name}",
        {
            "get": operation(
                "A service's OpenAPI document",
                spec.define("Document", DOCUMENT),
                params=("openapi", "refresh", "compact", "resource_name", "tables", "model"),
            )
        },
        parameters=[path_param("service_name", {"type": "string"}, "The service's name.")],
        tag=tag,
    )

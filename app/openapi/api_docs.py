"""The ``api_docs`` service's own document: the service list and each service's document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.openapi import builder
from app.openapi.document import operation, path_param, records_of
from app.services.docs import ApiDocsService

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
    "description": "An OpenAPI document.",
    "properties": {"openapi": {"type": "string"}, "info": {"type": "object"}},
    "required": ["openapi", "info"],
}


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
                params=("refresh",),
            )
        },
        parameters=[path_param("service_name", {"type": "string"}, "The service's name.")],
        tag=tag,
    )

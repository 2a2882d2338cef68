"""MCP resources: each database table's schema and each service's OpenAPI document, by URI.

``dreamfactory://{service}/_schema/{table}`` is a table's columns and
relationships (as ``get_schema`` answers them); ``dreamfactory://{service}/_spec``
is the service's OpenAPI document. Both are what the caller reaches: the
document and the data model are built for their role, and only the services
they see and the tables they read are listed or read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import dispatch
from app.access import authz
from app.mcp import calls
from app.mcp.jsonrpc import INTERNAL_ERROR, RpcError
from app.mcp.reach import Reach
from app.mcp.tools import BY_NAME
from app.responses import dumps
from app.vocabulary.calls import Requestor, ServiceRequest
from app.vocabulary.errors import ApiError

if TYPE_CHECKING:
    from app.access.actor import Actor

SCHEME = "dreamfactory://"
JSON = "application/json"

TEMPLATES = [
    {
        "uriTemplate": SCHEME + "{service}/_schema/{table}",
        "name": "table-schema",
        "title": "A table's schema",
        "description": "Columns (type, pk, required, fk) and relationships of a table.",
        "mimeType": JSON,
    },
    {
        "uriTemplate": SCHEME + "{service}/_spec",
        "name": "openapi",
        "title": "A service's OpenAPI document",
        "description": "The service's OpenAPI 3.0 document, as your role reaches it.",
        "mimeType": JSON,
    },
]


def list_resources(actor: Actor) -> list[dict[str, Any]]:
    reach = Reach(actor)
    found = []
    for service, tables in reach.table_services("GET").items():
        for table in tables:
            found.append(
                {
                    "uri": f"{SCHEME}{service}/_schema/{table}",
                    "name": f"{service}.{table}",
                    "title": f"Schema of {table} ({service})",
                    "mimeType": JSON,
                }
            )
    for info in reach.services:
        found.append(
            {
                "uri": f"{SCHEME}{info.name}/_spec",
                "name": f"{info.name}.openapi",
                "title": f"OpenAPI document of {info.label or info.name}",
                "mimeType": JSON,
            }
        )
    return found


def _openapi(actor: Actor, service: str) -> Any:
    if not authz.can_see_service(actor, service):
        return None
    request = ServiceRequest.internal("GET", service, "_spec", actor=actor, requestor=Requestor.API)
    return dispatch.call(request).content


def read(actor: Actor, uri: str, not_found: int) -> dict[str, Any]:
    """The resource's contents; a URI naming nothing the caller reaches is the error
    ``not_found`` (its code differs between revisions), any other failure an internal error."""
    service, _, rest = uri.removeprefix(SCHEME).partition("/")
    parts = rest.split("/")
    try:
        if not uri.startswith(SCHEME) or not service:
            value = None
        elif parts == ["_spec"]:
            value = _openapi(actor, service)
        elif len(parts) == 2 and parts[0] == "_schema":
            get_schema = BY_NAME["get_schema"]
            value = get_schema.run(actor, {"service": service, "table": parts[1]})
        else:
            value = None
    except ApiError as exc:
        code = not_found if exc.status in (403, 404) else INTERNAL_ERROR
        raise RpcError(code, exc.message, {"error": exc.to_dict()}) from None
    if value is None:
        raise RpcError(not_found, f"Resource not found: {uri}")
    text = dumps(value).decode("utf-8")
    return {"contents": [{"uri": uri, "mimeType": JSON, "text": calls.truncate(text)}]}

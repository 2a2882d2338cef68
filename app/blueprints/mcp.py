"""``/mcp``: the Model Context Protocol over Streamable HTTP, stateless, JSON answers only.

Each POST carries one JSON-RPC message and REST's credentials
(``X-DreamFactory-API-Key``, ``X-DreamFactory-Session-Token`` or
``Authorization: Bearer``), checked anew each time (``app.access.authn``), so
any app server behind the proxy can answer any message: no session id is
issued and no SSE stream is offered (GET and DELETE answer 405). A request
is answered with ``application/json``; a notification with 202 and no body.
Both eras of revisions are spoken on this one URL (``app.mcp.revisions``):
a 2026-07-28 request brings its revision in its ``_meta`` and headers, an
older client its ``initialize`` handshake.

Who may connect: ``app.mcp.callers`` (a sys admin, or a client whose app's
``allow_mcp`` is on, off by default). A refused caller gets the HTTP status of REST's refusal
with a JSON-RPC error carrying its message, and DreamFactory's envelope as
the error's ``data``. An ``MCP-Protocol-Version`` header naming a revision
not spoken here is a 400 listing those that are. A 2026-07-28 request's
protocol errors take the HTTP status that revision gives them
(``ERROR_STATUS``: 400 for a malformed request, 404 for an unknown method);
the older revisions answer them with 200. A request from a web page (``Origin``)
of another origin is refused with 403 unless a ``system/cors`` rule for ``mcp``
allows that origin, as the transport asks of servers (against DNS rebinding); the
same rules answer the browser's preflight and decorate the answers
(``app.access.cors``), as for the REST API.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from app.access import authn, cors, cors_endpoint
from app.mcp import callers, protocol, revisions
from app.mcp.jsonrpc import (
    HEADER_MISMATCH,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
    RpcError,
)
from app.mcp.jsonrpc import error as error_message
from app.responses import dumps
from app.vocabulary.errors import ApiError, Forbidden

bp = Blueprint("mcp", __name__)

PATH = "/mcp"

ERROR_STATUS = {
    PARSE_ERROR: 400,
    INVALID_REQUEST: 400,
    INVALID_PARAMS: 400,
    HEADER_MISMATCH: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
    METHOD_NOT_FOUND: 404,
}
"""The HTTP status of a 2026-07-28 error answer, by its code (200 for any other)."""


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(body), status=status, mimetype="application/json", headers=headers)


def _refusal(message_id: Any, exc: ApiError) -> Response:
    return _json(error_message(message_id, callers.refusal(exc)), exc.status)


CROSS_ORIGIN = "Requests to /mcp from another origin are refused (see system/cors, path mcp)."


def is_allowed_origin(origin: str | None) -> bool:
    """No ``Origin`` (not a browser), this server's own, or one a CORS rule for mcp allows."""
    if not origin or origin == request.host_url.rstrip("/"):
        return True
    rule = cors.best_rule(PATH.lstrip("/"))
    return rule is not None and rule.allows_origin(origin)


def _status(answer: dict[str, Any], modern: bool) -> int:
    if not modern or "error" not in answer:
        return 200
    return ERROR_STATUS.get(answer["error"]["code"], 200)


@bp.route(PATH, methods=["POST"])
@cors_endpoint
def post():
    if not is_allowed_origin(request.headers.get("Origin")):
        return _refusal(None, Forbidden(CROSS_ORIGIN))
    message = request.get_json(silent=True)
    if message is None:
        return _json(error_message(None, RpcError(PARSE_ERROR, "Parse error: send JSON.")), 400)
    headers = request.headers
    modern = revisions.is_modern(message, headers)
    version = headers.get(revisions.VERSION_HEADER)
    if not modern and version is not None and version not in revisions.VERSIONS:
        return _json(error_message(None, revisions.unsupported(version)), 400)
    message_id = message.get("id") if isinstance(message, dict) else None
    try:
        creds = authn.read_credentials(request._get_current_object(), "mcp")
        actor = callers.require_caller(creds)
    except ApiError as exc:
        return _refusal(message_id, exc)
    answer = protocol.answer(actor, message, headers)
    if answer is None:
        return Response(status=202)
    return _json(answer, _status(answer, modern))


@bp.route(PATH, methods=["GET", "DELETE"])
@cors_endpoint
def not_offered():
    """No server-sent event stream and no session to end: 405, as the transport says."""
    return Response(status=405, headers={"Allow": "POST"})

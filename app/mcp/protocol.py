"""The MCP methods, answered for one authenticated caller, whatever the transport.

Stateless: every message stands alone (the caller is authenticated anew with
each one), so nothing is remembered between messages and any server may
answer any of them. Two eras of revisions (``revisions``), each with its own
methods:

- The handshake revisions (2025-03-26 to 2025-11-25): ``initialize`` only
  negotiates the revision (a client asking for another is offered the newest)
  and says what the server offers; ``ping`` answers. A tool that is unknown or
  out of the caller's reach is a tool error (``isError``) saying which, and a
  resource URI naming nothing is code -32002.
- 2026-07-28: no handshake (``initialize``, ``ping`` are unknown methods);
  ``server/discover`` says what is spoken and offered, each request carries its
  own revision (``revisions.require_modern``), and every result says it is
  complete (``resultType``), names this server (``_meta`` serverInfo) and, for
  the lists and reads, how long it may be cached and by whom (``ttlMs``,
  ``cacheScope``). A tool the caller's ``tools/list`` does not show is a
  protocol error (Invalid params, "Unknown tool"), and so is a resource URI
  naming nothing.

Notifications (``notifications/initialized``, ``notifications/cancelled``...)
need no answer and get none. Not offered: prompts (``prompts/list`` answers an
empty list to the handshake revisions, whose clients ask regardless),
subscriptions (``subscriptions/listen``), logging, sampling; batches (a JSON
array) are refused, as the revisions since 2025-06-18 do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from app.mcp import resources, revisions, tools
from app.mcp.jsonrpc import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    RESOURCE_NOT_FOUND,
    RpcError,
)
from app.mcp.jsonrpc import error as error_message
from app.mcp.jsonrpc import result as result_message
from app.version import __version__

if TYPE_CHECKING:
    from app.access.actor import Actor

SERVER_INFO = {"name": "dreamfactory-py", "title": "DreamFactory", "version": __version__}
INSTRUCTIONS = (
    "DreamFactory's services as tools, as your API key and role allow: list_services, then "
    "get_schema for a database's tables and relationships, then query_records (filter in "
    "DreamFactory's syntax, related for relationships). Results are the REST API's JSON."
)
CAPABILITIES = {
    "tools": {"listChanged": False},
    "resources": {"subscribe": False, "listChanged": False},
}

TTL_MS = 0
"""How long (milliseconds) a client may keep a list or a read (2026-07-28's ``ttlMs``): not at
all, since they follow the caller's role, which an admin may change at any time."""
CACHE_SCOPES = {
    "server/discover": "public",
    "resources/templates/list": "public",
    "tools/list": "private",
    "resources/list": "private",
    "resources/read": "private",
}
"""2026-07-28's cacheable methods and who may share their results: ``public`` for what every
caller gets alike, ``private`` (this caller's credentials only) for what their role cuts."""

Handler = Callable[["Actor", dict[str, Any]], dict[str, Any]]


def _initialize(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    asked = params.get("protocolVersion")
    return {
        "protocolVersion": asked if asked in revisions.HANDSHAKE else revisions.HANDSHAKE[0],
        "capabilities": CAPABILITIES,
        "serverInfo": SERVER_INFO,
        "instructions": INSTRUCTIONS,
    }


def _discover(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "supportedVersions": list(revisions.VERSIONS),
        "capabilities": CAPABILITIES,
        "instructions": INSTRUCTIONS,
    }


def _tool_call(modern: bool) -> Handler:
    def call(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("name")
        args = params.get("arguments") or {}
        if not isinstance(name, str) or not isinstance(args, dict):
            raise RpcError(INVALID_PARAMS, "tools/call takes a tool name and an arguments object.")
        return tools.call_tool(actor, name, args, unlisted_is_unknown=modern)

    return call


def _resource_read(not_found: int) -> Handler:
    def read(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        uri = params.get("uri")
        if not isinstance(uri, str):
            raise RpcError(INVALID_PARAMS, "resources/read takes a uri.")
        return resources.read(actor, uri, not_found)

    return read


def _list_tools(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    return {"tools": tools.list_tools(actor)}


def _list_resources(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    return {"resources": resources.list_resources(actor)}


def _list_templates(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    return {"resourceTemplates": resources.TEMPLATES}


HANDSHAKE_METHODS: dict[str, Handler] = {
    "initialize": _initialize,
    "ping": lambda actor, params: {},
    "tools/list": _list_tools,
    "tools/call": _tool_call(modern=False),
    "resources/list": _list_resources,
    "resources/templates/list": _list_templates,
    "resources/read": _resource_read(RESOURCE_NOT_FOUND),
    "prompts/list": lambda actor, params: {"prompts": []},
}
MODERN_METHODS: dict[str, Handler] = {
    "server/discover": _discover,
    "tools/list": _list_tools,
    "tools/call": _tool_call(modern=True),
    "resources/list": _list_resources,
    "resources/templates/list": _list_templates,
    "resources/read": _resource_read(INVALID_PARAMS),
}


def _complete(method: str, value: dict[str, Any]) -> dict[str, Any]:
    """A 2026-07-28 result: complete, signed with this server, with its cache hints."""
    shaped = {**value, "resultType": "complete", "_meta": {revisions.SERVER_INFO_KEY: SERVER_INFO}}
    if method in CACHE_SCOPES:
        shaped.update(ttlMs=TTL_MS, cacheScope=CACHE_SCOPES[method])
    return shaped


def is_request(message: Any) -> bool:
    """Whether the message wants an answer (a request has an ``id``; a notification none)."""
    return isinstance(message, dict) and "method" in message and "id" in message


def _result(actor: Actor, message: dict[str, Any], headers: Mapping[str, str] | None):
    method = message["method"]
    params = message.get("params") or {}
    if not isinstance(method, str):
        raise RpcError(INVALID_REQUEST, "method must be a string.")
    modern = revisions.is_modern(message, headers)
    handler = (MODERN_METHODS if modern else HANDSHAKE_METHODS).get(method)
    if not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, "params must be an object.")
    if modern:
        revisions.require_modern(message, headers)
    if handler is None:
        raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")
    value = handler(actor, params)
    return _complete(method, value) if modern else value


def answer(
    actor: Actor, message: Any, headers: Mapping[str, str] | None = None
) -> dict[str, Any] | None:
    """The answer to one JSON-RPC message (None for a notification or a client's response);
    ``headers`` are the HTTP request's, None over stdio."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return error_message(None, RpcError(INVALID_REQUEST, "Not a JSON-RPC 2.0 message."))
    if not is_request(message):
        return None
    try:
        return result_message(message["id"], _result(actor, message, headers))
    except RpcError as exc:
        return error_message(message["id"], exc)

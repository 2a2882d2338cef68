"""The MCP methods, answered for one authenticated caller, whatever the transport.

Stateless: every message stands alone (the caller is authenticated anew with
each one), so ``initialize`` only negotiates the protocol revision and says
what the server offers; nothing is remembered between messages and any
server may answer any of them. Revisions spoken are those of the
``initialize`` handshake (``VERSIONS``): a client asking for another is
offered the newest. Notifications (``notifications/initialized``,
``notifications/cancelled``...) need no answer and get none. Not offered:
prompts, subscriptions, sampling; batches (a JSON array) are refused, as the
revisions since 2025-06-18 do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.mcp import resources, tools
from app.mcp.jsonrpc import INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, RpcError
from app.mcp.jsonrpc import error as error_message
from app.mcp.jsonrpc import result as result_message
from app.version import __version__

if TYPE_CHECKING:
    from app.access.actor import Actor

VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26")
"""Protocol revisions spoken, newest first."""

SERVER_NAME = "dreamfactory-py"
INSTRUCTIONS = (
    "DreamFactory's services as tools, as your API key and role allow: list_services, then "
    "get_schema for a database's tables and relationships, then query_records (filter in "
    "DreamFactory's syntax, related for relationships). Results are the REST API's JSON."
)


def _initialize(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    asked = params.get("protocolVersion")
    return {
        "protocolVersion": asked if asked in VERSIONS else VERSIONS[0],
        "capabilities": {
            "tools": {"listChanged": False},
            "resources": {"subscribe": False, "listChanged": False},
        },
        "serverInfo": {"name": SERVER_NAME, "title": "DreamFactory", "version": __version__},
        "instructions": INSTRUCTIONS,
    }


def _call_tool(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    name = params.get("name")
    args = params.get("arguments") or {}
    if not isinstance(name, str) or not isinstance(args, dict):
        raise RpcError(INVALID_PARAMS, "tools/call takes a tool name and an arguments object.")
    return tools.call_tool(actor, name, args)


def _read_resource(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    uri = params.get("uri")
    if not isinstance(uri, str):
        raise RpcError(INVALID_PARAMS, "resources/read takes a uri.")
    return resources.read(actor, uri)


METHODS: dict[str, Callable[[Actor, dict[str, Any]], dict[str, Any]]] = {
    "initialize": _initialize,
    "ping": lambda actor, params: {},
    "tools/list": lambda actor, params: {"tools": tools.list_tools(actor)},
    "tools/call": _call_tool,
    "resources/list": lambda actor, params: {"resources": resources.list_resources(actor)},
    "resources/templates/list": lambda actor, params: {"resourceTemplates": resources.TEMPLATES},
    "resources/read": _read_resource,
    "prompts/list": lambda actor, params: {"prompts": []},
}


def is_request(message: Any) -> bool:
    """Whether the message wants an answer (a request has an ``id``; a notification none)."""
    return isinstance(message, dict) and "method" in message and "id" in message


def answer(actor: Actor, message: Any) -> dict[str, Any] | None:
    """The answer to one JSON-RPC message (None for a notification or a client's response)."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return error_message(None, RpcError(INVALID_REQUEST, "Not a JSON-RPC 2.0 message."))
    if not is_request(message):
        return None
    message_id = message["id"]
    method = message["method"]
    params = message.get("params") or {}
    handler = METHODS.get(method) if isinstance(method, str) else None
    try:
        if handler is None:
            raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method}")
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "params must be an object.")
        return result_message(message_id, handler(actor, params))
    except RpcError as exc:
        return error_message(message_id, exc)

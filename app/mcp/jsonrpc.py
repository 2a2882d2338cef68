"""JSON-RPC 2.0 messages as MCP uses them: error codes, the error exception, answer shapes."""

from __future__ import annotations

from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
REFUSED = -31001
"""Our code for a refused caller (its ``data`` is DreamFactory's envelope): outside JSON-RPC's
reserved range, which revision 2026-07-28 keeps for the specification's own codes."""
RESOURCE_NOT_FOUND = -32002
"""The code for a resource URI that names nothing, up to revision 2025-11-25 (since 2026-07-28
it is ``INVALID_PARAMS`` and this one is retired)."""
HEADER_MISMATCH = -32020
"""2026-07-28: an HTTP header disagrees with the body it mirrors, or is missing."""
UNSUPPORTED_PROTOCOL_VERSION = -32022
"""2026-07-28: the request's protocol version is not spoken here (``data`` says which are)."""


class RpcError(Exception):
    """A JSON-RPC error answer: its code, message and optional data."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


def result(message_id: Any, value: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message_id, "result": value}


def error(message_id: Any, exc: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message_id, "error": exc.to_dict()}

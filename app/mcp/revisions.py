"""The protocol revisions spoken, and how a message says which one it speaks.

Two eras. Up to 2025-11-25 (``HANDSHAKE``) a client opens with ``initialize``,
which negotiates the revision; nothing is remembered after it here, so each
later message is answered the same whoever sent the handshake. From 2026-07-28
(``MODERN``) there is no handshake: every request carries its revision and
the client's capabilities in ``params._meta`` and is accepted or refused on
its own, and ``server/discover`` tells a client what is spoken.

A message is of the modern era when its ``_meta`` carries the revision key, or
(over HTTP) when its ``MCP-Protocol-Version`` header names a modern revision;
``initialize`` always opens the handshake era. A modern request is checked in
the revision's order (``require_modern``): the envelope's required keys
(Invalid params), then over HTTP the headers that mirror the body
(``MCP-Protocol-Version``, ``Mcp-Method``, ``Mcp-Name``: Header mismatch, so a
client that disagrees with itself is told so first), then the revision itself
(Unsupported protocol version, naming those spoken here). Our tools declare no
``x-mcp-header`` parameter, so no ``Mcp-Param-*`` header is recognised or
checked.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

from app.mcp.jsonrpc import HEADER_MISMATCH, INVALID_PARAMS, UNSUPPORTED_PROTOCOL_VERSION, RpcError

MODERN = ("2026-07-28",)
"""Stateless revisions (per-request ``_meta``, ``server/discover``), newest first."""
HANDSHAKE = ("2025-11-25", "2025-06-18", "2025-03-26")
"""Revisions negotiated by ``initialize``, newest first."""
VERSIONS = MODERN + HANDSHAKE
"""Every revision spoken, newest first."""

PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
CLIENT_CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"
SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo"

VERSION_HEADER = "MCP-Protocol-Version"
METHOD_HEADER = "Mcp-Method"
NAME_HEADER = "Mcp-Name"
NAMED_BY = {"tools/call": "name", "resources/read": "uri", "prompts/get": "name"}
"""Methods whose ``Mcp-Name`` header mirrors a parameter, and that parameter."""

_BASE64 = re.compile(r"=\?base64\?(.*)\?=")


def _meta(message: Mapping[str, Any]) -> Any:
    params = message.get("params")
    return params.get("_meta") if isinstance(params, Mapping) else None


def is_modern(message: Any, headers: Mapping[str, str] | None = None) -> bool:
    """Whether ``message`` speaks a stateless revision (``headers``: HTTP's, None on stdio)."""
    if not isinstance(message, Mapping) or message.get("method") == "initialize":
        return False
    meta = _meta(message)
    if isinstance(meta, Mapping) and PROTOCOL_VERSION_KEY in meta:
        return True
    return headers is not None and headers.get(VERSION_HEADER) in MODERN


def unsupported(requested: Any) -> RpcError:
    """The refusal of a revision not spoken here, listing those that are (the client's retry)."""
    data = {"supported": list(VERSIONS), "requested": requested}
    return RpcError(UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", data)


def _decoded(value: str | None) -> str | None:
    """A header's value, its ``=?base64?...?=`` form (for text a header cannot carry) decoded."""
    found = _BASE64.fullmatch(value or "")
    if found is None:
        return value
    try:
        return base64.b64decode(found.group(1), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _check_headers(message: Mapping[str, Any], version: Any, headers: Mapping[str, str]) -> None:
    method = message.get("method")
    if headers.get(VERSION_HEADER) != version:
        raise RpcError(HEADER_MISMATCH, f"{VERSION_HEADER} does not match {PROTOCOL_VERSION_KEY}.")
    if headers.get(METHOD_HEADER) != method:
        raise RpcError(HEADER_MISMATCH, f"{METHOD_HEADER} does not match the method.")
    key = NAMED_BY.get(method)
    named = message["params"].get(key) if key else None
    if named is not None and _decoded(headers.get(NAME_HEADER)) != named:
        raise RpcError(HEADER_MISMATCH, f"{NAME_HEADER} does not match the request's {key}.")


def require_modern(message: Mapping[str, Any], headers: Mapping[str, str] | None) -> str:
    """The revision a modern request speaks; raises the revision's refusal when it is malformed,
    its headers disagree with it, or its revision is not spoken here."""
    meta = _meta(message)
    if not isinstance(meta, Mapping) or not {PROTOCOL_VERSION_KEY, CLIENT_CAPABILITIES_KEY} <= set(
        meta
    ):
        raise RpcError(
            INVALID_PARAMS,
            f"params._meta must carry {PROTOCOL_VERSION_KEY} and {CLIENT_CAPABILITIES_KEY}.",
        )
    version = meta[PROTOCOL_VERSION_KEY]
    if headers is not None:
        _check_headers(message, version, headers)
    if not isinstance(version, str):
        raise RpcError(INVALID_PARAMS, f"{PROTOCOL_VERSION_KEY} must be a string.")
    if version not in MODERN:
        raise unsupported(version)
    return version

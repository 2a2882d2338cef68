"""MCP over stdio for desktop agents: one JSON-RPC message a line in, one answer a line out.

The same protocol core as ``/mcp``, in-process: each message is answered in
its own app context, its caller authenticated anew from the credentials the
command was started with (a key turned off or a token expired stops working
at once), so every tool call takes the same path as over HTTP. Each message
says its own era (``revisions.is_modern``: its ``_meta``, as there are no
headers), so a client probing with ``server/discover`` talks 2026-07-28 and one
opening with ``initialize`` the revision it negotiates, on the same process.
Nothing but answers is written to stdout; logs go to stderr.
"""

from __future__ import annotations

import logging
from typing import IO, TYPE_CHECKING, Any

import orjson

from app.access.authn import Credentials
from app.mcp import callers, protocol
from app.mcp.jsonrpc import PARSE_ERROR, RpcError, error
from app.vocabulary.errors import ApiError

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)


def answer_line(app: Flask, creds: Credentials, line: str) -> dict[str, Any] | None:
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError:
        return error(None, RpcError(PARSE_ERROR, "Parse error: send one JSON message a line."))
    with app.app_context():
        try:
            actor = callers.require_caller(creds)
        except ApiError as exc:
            if not protocol.is_request(message):
                return None
            return error(message.get("id"), callers.refusal(exc))
        return protocol.answer(actor, message)


def serve(app: Flask, creds: Credentials, stdin: IO[str], stdout: IO[bytes]) -> None:
    """Answer messages from ``stdin`` until it closes."""
    for line in stdin:
        if not line.strip():
            continue
        reply = answer_line(app, creds, line)
        if reply is not None:
            stdout.write(orjson.dumps(reply) + b"\n")
            stdout.flush()

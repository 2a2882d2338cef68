"""A tool's call through the dispatcher, and its answer as an MCP tool result.

A call is checked as the access pipeline checks a REST call, in the same
order: the role (``access.calls.check_call``, requestor API), then the usage
limits (counted as for REST), then ``dispatch.call`` (lookups, event scripts,
the service, whose record filters apply). The answer is the JSON the REST API
would send (``responses.dumps`` of the wrapped result); a file's bytes are
its text, or base64 when they are not UTF-8. Past ``MCP_MAX_RESULT_BYTES`` the
text is cut, with a note saying so and how to ask for less. A refusal or a
failure is a tool error (``isError``) carrying DreamFactory's error envelope,
so the agent reads the same message a REST client would.
"""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING, Any

from flask import Response, current_app

from app import dispatch
from app.access.calls import check_call
from app.access.limiting import require_within_limits
from app.extensions import db
from app.responses import dumps
from app.vocabulary.calls import Requestor, ServiceRequest, ServiceResponse
from app.vocabulary.errors import ApiError
from app.wrapping import shape

if TYPE_CHECKING:
    from app.access.actor import Actor

logger = logging.getLogger(__name__)

INTERNAL = "An internal error occurred."


def call(actor: Actor, method: str, service: str, resource: str = "", **fields: Any):
    """One call as ``actor`` with requestor API (``fields``: ``ServiceRequest.internal``'s
    params, payload, content, content_type); a refusal or failure raises its ``ApiError``."""
    request = ServiceRequest.internal(
        method, service, resource, actor=actor, requestor=Requestor.API, **fields
    )
    check_call(request)
    if not service:
        return ServiceResponse(content=dispatch.root_listing(request.actor, request.params))
    require_within_limits(request.actor, request.method, request.service, request.resource)
    return dispatch.call(request)


def max_bytes() -> int:
    return int(current_app.config["MCP_MAX_RESULT_BYTES"])


def _read(chunks: Any) -> bytes:
    """Bytes from an iterable of chunks, up to one past what a result may carry."""
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > max_bytes():
            break
    return bytes(data)


def _bytes(content: Any) -> bytes:
    """A raw body's bytes (a file's, whatever shape it comes in), its file closed after."""
    if isinstance(content, bytes | bytearray):
        return bytes(content)
    try:
        if isinstance(content, Response):  # a file's body, made for HTTP
            return _read(content.iter_encoded())
        if hasattr(content, "read"):
            return content.read(max_bytes() + 1)
        return _read(content)
    finally:
        if hasattr(content, "close"):
            content.close()


def _body(response: ServiceResponse) -> str:
    """The answer as the REST API sends it, as text."""
    if not response.is_raw and not isinstance(response.content, Response):
        return dumps(shape(response.content)).decode("utf-8")
    data = _bytes(response.content)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(data).decode("ascii")


def _status(response: ServiceResponse) -> int:
    content = response.content
    return content.status_code if isinstance(content, Response) else response.status


def truncate(text: str) -> str:
    """``text``, cut past ``MCP_MAX_RESULT_BYTES`` (UTF-8) with a note saying so."""
    limit = max_bytes()
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[:limit].decode("utf-8", "ignore")
    return (
        f"{kept}\n[truncated: the result is {len(data)} bytes and only the first {limit} are "
        "shown (DF_MCP_MAX_RESULT_BYTES); ask for less: fewer fields, a smaller limit, an "
        "offset or a narrower filter]"
    )


def tool_result(text: str, *, is_error: bool = False) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": truncate(text)}], "isError": is_error}


def error_result(error: ApiError) -> dict[str, Any]:
    return tool_result(dumps({"error": error.to_dict()}).decode("utf-8"), is_error=True)


def answer(run: Any) -> dict[str, Any]:
    """The tool result of ``run()`` (a ``ServiceResponse`` or a value to send as JSON)."""
    try:
        response = run()
        if not isinstance(response, ServiceResponse):
            response = ServiceResponse(content=response)
        return tool_result(_body(response), is_error=_status(response) >= 400)
    except ApiError as exc:
        return error_result(exc)
    except Exception:
        logger.exception("MCP tool call failed")
        db.session.rollback()
        return error_result(ApiError(INTERNAL))

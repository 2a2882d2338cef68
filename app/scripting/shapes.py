"""Converting between a request/response and the ``event`` shapes scripts read and write.

- ``response_view``: a ``ServiceResponse`` as ``event.response``
  (``status_code``, ``content_type``, ``content``, ``headers``); data is
  plain JSON, raw bytes are text, a streamed body (a file download) is left
  out (``content`` null) rather than read into memory, its status and
  headers shown and changeable;
- ``response_from``: what a script answered, as a ``ServiceResponse``: a map
  with ``content`` is a full response (``status_code`` 200 by default), and
  anything else is raw content with status 200 (DreamFactory's
  ``ResponseFactory`` rule);
- ``merge_request`` / ``merge_response``: a script's changes applied to the
  live request or response, field by field, only where the script changed
  the field (reference 6.5).

Text content with a ``content_type`` is sent as it is (a JSON text too);
anything else is serialized as JSON. Headers a script sets pass through except
hop-by-hop and length/encoding headers (the server computes those), and a
header with a line break is refused.
"""

from __future__ import annotations

from typing import Any

import orjson
from werkzeug.wrappers import Response as WerkzeugResponse

from app.responses import dumps
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import ApiError, BadRequest, InternalServerError, error_body

DROPPED_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"}
)
MAX_VIEW_BYTES = 10 * 1024 * 1024
"""Bytes of a raw (non-streamed) body shown to a post-process script."""


def plain(data: Any) -> Any:
    """``data`` as JSON values only (decimals, dates... converted as the API sends them)."""
    if data is None or isinstance(data, str | int | float | bool):
        return data
    return orjson.loads(dumps(data))


def response_view(response: ServiceResponse) -> dict[str, Any]:
    content: Any = response.content
    if isinstance(content, WerkzeugResponse):  # a file download, streamed as it is
        return {
            "status_code": content.status_code,
            "content_type": content.mimetype,
            "content": None,
            "headers": {str(k): str(v) for k, v in content.headers.items()},
        }
    if isinstance(content, bytes | bytearray):
        raw = bytes(content)
        content = raw.decode("utf-8", "replace") if len(raw) <= MAX_VIEW_BYTES else None
    elif response.is_raw or hasattr(content, "get_data"):
        content = None
    else:
        content = plain(content)
    return {
        "status_code": response.status,
        "content_type": response.content_type,
        "content": content,
        "headers": {str(k): str(v) for k, v in (response.headers or {}).items()},
    }


def error_response(exc: ApiError) -> ServiceResponse:
    """An error as a response, so post-process scripts can see and change it."""
    headers = dict(getattr(exc, "headers", None) or {})
    return ServiceResponse(content=error_body(exc), status=exc.status, headers=headers)


def status_of(value: Any) -> int:
    try:
        status = int(value)
    except (TypeError, ValueError):
        status = 0
    if not 100 <= status <= 599:
        raise InternalServerError(f"A script set an invalid status code: {value!r}.")
    return status


def clean_headers(headers: Any) -> dict[str, str]:
    if not isinstance(headers, dict):
        return {}
    out = {}
    for name, value in headers.items():
        name, value = str(name), "" if value is None else str(value)
        if any(c in name + value for c in "\r\n") or not name.strip():
            raise InternalServerError(f"A script set an invalid header: {name.strip()!r}.")
        if name.lower() not in DROPPED_HEADERS:
            out[name] = value
    return out


def body(content: Any, content_type: str | None) -> tuple[Any, str | None]:
    """(content, content_type) of a response a script built."""
    if isinstance(content, str) and content_type:
        return content.encode("utf-8"), content_type
    return content, None


def response_from(result: Any) -> ServiceResponse:
    """A script's answer as a response (see the module docstring)."""
    if isinstance(result, dict) and "content" in result:
        content, content_type = body(result.get("content"), result.get("content_type"))
        return ServiceResponse(
            content=content,
            status=status_of(result.get("status_code", 200) or 200),
            content_type=content_type,
            headers=clean_headers(result.get("headers")),
        )
    return ServiceResponse(content=result)


def merge_response(
    response: ServiceResponse, before: dict[str, Any], after: Any
) -> ServiceResponse:
    """``response`` with what a post-process script changed in ``event.response``."""
    if not isinstance(after, dict):
        return response
    inner = response.content if isinstance(response.content, WerkzeugResponse) else None
    if inner is not None and not ("content" in after and after["content"] is not None):
        if "status_code" in after and after.get("status_code") != before.get("status_code"):
            inner.status_code = status_of(after.get("status_code"))
        if "headers" in after and after.get("headers") != before.get("headers"):
            for name, value in clean_headers(after.get("headers")).items():
                inner.headers[name] = value
        return response
    if inner is not None:
        inner.close()  # replaced by the script's content: release the file
    status = response.status
    if "status_code" in after and after.get("status_code") != before.get("status_code"):
        status = status_of(after.get("status_code"))
    headers = dict(response.headers or {})
    if "headers" in after and after.get("headers") != before.get("headers"):
        headers.update(clean_headers(after.get("headers")))
    content, content_type = response.content, response.content_type
    content_changed = "content" in after and after.get("content") != before.get("content")
    type_changed = "content_type" in after and after.get("content_type") != before.get(
        "content_type"
    )
    if content_changed or type_changed:
        new_type = after.get("content_type") if type_changed else None
        content, content_type = body(after.get("content"), new_type)
        if content_type is None and not content_changed:
            content_type = response.content_type
    return ServiceResponse(
        content=content, status=status, content_type=content_type, headers=headers
    )


REQUEST_FIELDS = ("parameters", "headers", "payload", "content", "content_type", "method")


def merge_request(request: ServiceRequest, before: dict[str, Any], after: Any) -> bool:
    """Apply what a pre-process script changed in ``event.request``; True if the verb changed."""
    if not isinstance(after, dict):
        return False
    changed = {f for f in REQUEST_FIELDS if f in after and after.get(f) != before.get(f)}
    if "parameters" in changed:
        params = after.get("parameters")
        if not isinstance(params, dict):
            raise BadRequest("A script set event.request.parameters to something not an object.")
        request.params = {str(k): _text(v) for k, v in params.items()}
    if "headers" in changed:
        request.headers = {
            str(k).lower(): v for k, v in clean_headers(after.get("headers")).items()
        }
    if "content_type" in changed:
        request.content_type = after.get("content_type") or None
    if "payload" in changed:
        request.payload = after.get("payload")
        request.content = dumps(request.payload) if request.payload is not None else b""
        request.stream = None
    elif "content" in changed:
        text = after.get("content")
        raw = text.encode("utf-8") if isinstance(text, str) else dumps(text)
        request.content = raw
        request.stream = None
        try:
            request.payload = orjson.loads(raw) if raw else None
        except orjson.JSONDecodeError:
            request.payload = None
    if "method" in changed and isinstance(after.get("method"), str):
        request.method = after["method"].upper()
        return True
    return False


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return "" if value is None else str(value)

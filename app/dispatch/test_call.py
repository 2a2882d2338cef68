"""``system/test_call``: make one API call as yourself; see its answer and its scripts' log.

``POST system/test_call`` with ``{"verb": "POST", "path": "db/_table/todo",
"params": {"fields": "name"}, "body": {...}}`` makes that call (verb ``GET``
unless given; a query in ``path`` joins ``params``) through
``call_internal`` as the caller, with requestor API: the same access checks,
lookups and event scripts as the call over HTTP. It answers 200 with
``status_code``, ``content_type``, ``headers`` and ``content`` of the call's
answer (an error as its envelope, a text body as text, a file or binary body
as null) and ``log``: what the event scripts and scripted services it ran
printed and how they failed (``{"script", "level", "message"}``, level
``info`` or ``error``, the first ``runner.CAPTURED_LINES``), which otherwise
reach only the server's log. Queued scripts run later, on a worker, so their
lines are not in it. This is the admin console's "run" of a script.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import Response

from app.dispatch.calls import call_internal
from app.scripting import runner
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import Requestor, ServiceRequest, ServiceResponse
from app.vocabulary.errors import ApiError, ValidationFailed
from app.vocabulary.verbs import DATA_VERB_NAMES

API_PREFIX = "api/v2/"
"""Stripped from a ``path`` pasted from a URL."""


@resource
class TestCallResource(Resource):
    name = "test_call"
    label = "Test Call"
    description = "Make one API call as yourself and see its answer and its scripts' log lines."

    def post(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        verb, service, path, params, body = read_call(request.payload)
        inner = ServiceRequest.internal(
            verb,
            service,
            path,
            params=params,
            payload=body,
            actor=request.actor,
            requestor=Requestor.API,
        )
        with runner.capture_log() as log:
            try:
                answer = call_internal(inner)
            except ApiError as exc:
                answer = ServiceResponse({"error": exc.to_dict()}, status=exc.status)
        return {**described(answer), "log": log}


def read_call(payload: Any) -> tuple[str, str, str, dict[str, str], Any]:
    """Verb, service, resource, params and body of the call asked for; a 400 by field."""
    data = payload if isinstance(payload, dict) else {}
    errors: dict[str, list[str]] = {}
    verb = str(data.get("verb") or "GET").upper()
    if verb not in DATA_VERB_NAMES:
        errors["verb"] = [f"The verb must be one of {', '.join(DATA_VERB_NAMES)}."]
    path, _, query = str(data.get("path") or "").strip().partition("?")
    path = path.strip("/").removeprefix(API_PREFIX)
    service, _, resource_path = path.partition("/")
    if not service:
        errors["path"] = ["The path is required: a service and its resource, e.g. db/_table/todo."]
    params = data.get("params") or {}
    if not isinstance(params, dict):
        errors["params"] = ["The params must be an object of names and values."]
        params = {}
    if errors:
        raise ValidationFailed(errors)
    merged = dict(parse_qsl(query, keep_blank_values=True))
    merged.update({str(k): v if isinstance(v, str) else str(v) for k, v in params.items()})
    return verb, service, resource_path, merged, data.get("body")


def described(answer: ServiceResponse) -> dict[str, Any]:
    """The answer as data: JSON content as it is, text as text, anything else as null."""
    content = answer.content
    content_type = answer.content_type
    if isinstance(content, Response):
        content_type = content.content_type
        content.close()  # a file download or a proxied stream: not read here
        content = None
    elif isinstance(content, bytes | bytearray):
        try:
            content = bytes(content).decode("utf-8")
        except UnicodeDecodeError:
            content = None
    elif answer.is_raw:
        close = getattr(content, "close", None)
        if callable(close):
            close()
        content = None
    return {
        "status_code": answer.status,
        "content_type": content_type or ("application/json" if content is not None else None),
        "headers": dict(answer.headers),
        "content": content,
    }

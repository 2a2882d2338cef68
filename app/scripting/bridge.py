"""How scripts reach services: the functions the dispatcher hands over (``app.dispatch``).

Scripting imports no service: ``platform.api`` calls and linked script files
go through ``call_internal`` (checked as the script's caller) and ``call``
(the app's own reads): ``app.dispatch.init_app`` connects them when the app is
built.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.vocabulary.calls import ServiceRequest, ServiceResponse

Call = Callable[[ServiceRequest], ServiceResponse]

_calls: dict[str, Any] = {}


def connect(*, call: Call, call_internal: Call) -> None:
    _calls["call"] = call
    _calls["call_internal"] = call_internal


def _get(name: str) -> Any:
    try:
        return _calls[name]
    except KeyError:
        raise RuntimeError(
            "scripting is not connected to services: app.dispatch.init_app"
        ) from None


def call(request: ServiceRequest) -> ServiceResponse:
    """An authorized request to a service (the app's own reads, e.g. a linked script file)."""
    return _get("call")(request)


def call_internal(request: ServiceRequest) -> ServiceResponse:
    """A script's call, checked against its caller's role like an API call."""
    return _get("call_internal")(request)

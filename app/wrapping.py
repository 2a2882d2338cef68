"""DreamFactory's resource wrapping: the key record lists travel under, and when it is used.

Inside the application a list answer is always ``{"resource": [...]}`` (with
``meta`` beside it when counts, paging or a schema were asked for): services
build it and event scripts see it. Only the final rendering (``app.responses``)
gives it the configured name (``RESOURCE_WRAPPER``) or answers the bare array
when wrapping is off (``ALWAYS_WRAP_RESOURCES`` false, or ``?wrap=false``).
A list carrying ``meta`` is wrapped anyway, as in DreamFactory; ``?wrap=true``
forces wrapping when the setting is off. A service marks a list DreamFactory
wraps whatever is asked (file services' folder listings) as ``AlwaysWrapped``.
Request bodies may carry their records under the configured name or under
``resource``.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context, has_request_context, request

from app.vocabulary.flags import to_bool

CANONICAL = "resource"
"""The key every list answer is built under, whatever the setting."""


class AlwaysWrapped(dict):
    """A list answer sent wrapped even when wrapping is off (it still takes the configured key)."""


def wrapper_name() -> str:
    """The configured wrapper (``DF_RESOURCE_WRAPPER``), ``resource`` by default."""
    if not has_app_context():
        return CANONICAL
    return str(current_app.config.get("RESOURCE_WRAPPER") or CANONICAL)


def wrapped_key(payload: Any) -> str | None:
    """The key a request body carries its records under (the configured one first), or None."""
    if not isinstance(payload, dict):
        return None
    name = wrapper_name()
    if name in payload:
        return name
    return CANONICAL if CANONICAL in payload else None


def wrapped_list(payload: Any) -> list[Any] | None:
    """The record list a body wraps, or None when it wraps no list."""
    key = wrapped_key(payload)
    if key is None or not isinstance(payload[key], list):
        return None
    return payload[key]


def wants_wrap() -> bool:
    """Whether this request's list answers are wrapped: ``?wrap=``, else the setting."""
    if has_request_context():
        asked = request.args.get("wrap")
        if asked not in (None, ""):
            return to_bool(asked)
    return to_bool(current_app.config.get("ALWAYS_WRAP_RESOURCES", True))


def shape(data: Any) -> Any:
    """The body a service result is sent as: list answers renamed or unwrapped, all else as is.

    A list answer is a dict holding a ``resource`` list and nothing else but
    ``meta``; error envelopes, single records and anything else pass untouched.
    """
    if not isinstance(data, dict) or not isinstance(data.get(CANONICAL), list):
        return data
    others = data.keys() - {CANONICAL}
    if others - {"meta"}:
        return data
    if not others and not isinstance(data, AlwaysWrapped) and not wants_wrap():
        return data[CANONICAL]
    name = wrapper_name()
    if name == CANONICAL:
        return data
    return {name if key == CANONICAL else key: value for key, value in data.items()}

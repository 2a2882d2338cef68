"""Lookup substitution: ``{user.id}``, ``{role.name}``, ``{app.api_key}``, lookup keys...

Values are resolved in this order: the session (``session.token``/``session.id``),
the user (``user.<field>``), the role (``role.id``/``role.name``), the app
(``app.id``/``app.name``/``app.api_key``), the instance (``df.host_url``,
``df.name``, ``df.version``, ``df.api_version``), then lookup keys with
precedence user > role > app > system. Private lookups are substituted only
where ``allow_private`` is set (service configs), never into client-visible
text. A modifier from a fixed list may wrap a name:
``{urlencode(user.email)}``. Anything unresolved is left as written.
"""

from __future__ import annotations

import base64
import dataclasses
import re
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import current_app, has_request_context, request

from app import system_cache
from app.version import __version__

if TYPE_CHECKING:
    from app.access.actor import Actor
    from app.system_cache import ServiceInfo
    from app.vocabulary.calls import ServiceRequest

USER_FIELDS = ("id", "name", "first_name", "last_name", "email", "username", "is_sys_admin")

MODIFIERS: dict[str, Callable[[str], str]] = {
    "strtoupper": str.upper,
    "strtolower": str.lower,
    "ucfirst": lambda s: s[:1].upper() + s[1:],
    "lcfirst": lambda s: s[:1].lower() + s[1:],
    "ucwords": lambda s: re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), s),
    "urlencode": lambda s: urllib.parse.quote_plus(s),
    "urldecode": lambda s: urllib.parse.unquote_plus(s),
    "rawurlencode": lambda s: urllib.parse.quote(s, safe="-_.~"),
    "rawurldecode": lambda s: urllib.parse.unquote(s),
    "base64_encode": lambda s: base64.b64encode(s.encode()).decode(),
    "base64_decode": lambda s: base64.b64decode(s.encode()).decode("utf-8", "replace"),
    "trim": str.strip,
}
"""DreamFactory's allowed lookup modifiers (``DF_LOOKUP_MODIFIERS``)."""

_PATTERN = re.compile(r"\{(?:([a-z_0-9]+)\()?([A-Za-z0-9_.\-]+)\)?\}")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def values_for(actor: Actor | None, allow_private: bool = False) -> dict[str, str]:
    """Every name a lookup may refer to, for this caller."""
    values: dict[str, str] = {}
    app_id = role_id = user_id = None
    if actor is not None:
        if actor.session_token:
            values["session.token"] = values["session.id"] = actor.session_token
        if actor.user is not None:
            user_id = actor.user.id
            for field in USER_FIELDS:
                values[f"user.{field}"] = _text(getattr(actor.user, field, None))
        if actor.role is not None:
            role_id = actor.role.id
            values["role.id"] = str(actor.role.id)
            values["role.name"] = actor.role.name
        if actor.app is not None:
            app_id = actor.app.id
            values["app.id"] = str(actor.app.id)
            values["app.name"] = actor.app.name
            values["app.api_key"] = actor.app.api_key
    if has_request_context():
        values["df.host_url"] = request.host_url.rstrip("/")
    values["df.name"] = current_app.config.get("INSTANCE_NAME", "DreamFactory-py")
    values["df.version"] = __version__
    values["df.api_version"] = current_app.config.get("API_VERSION", "2.0")
    public, private = system_cache.lookups_for(app_id, role_id, user_id)
    lookups = dict(public)
    if allow_private:
        lookups.update(private)
    for key, value in lookups.items():
        values.setdefault(key, value)
    return values


def substitute(text: str, values: dict[str, str]) -> str:
    """``text`` with every resolvable ``{name}`` / ``{modifier(name)}`` replaced."""
    if "{" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        modifier, name = match.group(1), match.group(2)
        if name not in values:
            return match.group(0)
        value = values[name]
        if modifier is None:
            return value
        function = MODIFIERS.get(modifier.lower())
        if function is None:
            return match.group(0)
        try:
            return function(value)
        except ValueError:
            return match.group(0)

    return _PATTERN.sub(replace, text)


def substitute_all(data: Any, values: dict[str, str]) -> Any:
    """Substitute lookups in every string inside a JSON-like structure."""
    if isinstance(data, str):
        return substitute(data, values)
    if isinstance(data, dict):
        return {key: substitute_all(item, values) for key, item in data.items()}
    if isinstance(data, list):
        return [substitute_all(item, values) for item in data]
    return data


VERBATIM_CONFIG_KEYS = frozenset({"openapi", "content"})
"""Config keys never searched for lookups: an OpenAPI document's ``{id}`` are path templates,
and a scripted service's code (``content``) is code."""


def _has_lookup(value: Any) -> bool:
    if isinstance(value, str):
        return "{" in value
    if isinstance(value, dict):
        return any(_has_lookup(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_lookup(v) for v in value)
    return False


def substitute_lookups(request: ServiceRequest, info: ServiceInfo) -> ServiceInfo:
    """Lookups in the client's ``filter``/``params`` and (private ones too) in the config.

    Done once here, so every service sees resolved values; nothing is
    computed when no ``{...}`` appears.
    """
    payload = request.payload if isinstance(request.payload, dict) else {}
    client_parts = [request.params.get("filter"), payload.get("filter"), payload.get("params")]
    if any(_has_lookup(part) for part in client_parts):
        values = values_for(request.actor)
        if "filter" in request.params:
            request.params["filter"] = substitute(request.params["filter"], values)
        for key in ("filter", "params"):
            if key in payload:
                payload[key] = substitute_all(payload[key], values)
    if _config_has_lookups(info):
        config = info.config or {}
        values = values_for(request.actor, allow_private=True)
        config = {
            k: v if k in VERBATIM_CONFIG_KEYS else substitute_all(v, values)
            for k, v in config.items()
        }
        info = dataclasses.replace(info, config=config)
    return info


_config_checks: dict[int, tuple[ServiceInfo, bool]] = {}
"""``id(info)`` → (info, whether its config names a lookup): the cached ``ServiceInfo``
objects live across requests, so their configs are walked once, not on every call."""


def _config_has_lookups(info: ServiceInfo) -> bool:
    hit = _config_checks.get(id(info))
    if hit is not None and hit[0] is info:
        return hit[1]
    config = info.config or {}
    found = any(k not in VERBATIM_CONFIG_KEYS and _has_lookup(v) for k, v in config.items())
    if len(_config_checks) > 4096:
        _config_checks.clear()
    _config_checks[id(info)] = (info, found)
    return found

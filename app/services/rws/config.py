"""The ``rws`` config schema, with DreamFactory's field names where it has them.

DreamFactory's ``rws_config`` gives ``base_url``, ``options`` (cURL options),
``parameters`` and ``headers`` (rows of ``rws_parameters_config`` /
``rws_headers_config``), ``cache_enabled``, ``cache_ttl`` and
``preserve_forward_trailing_slash``. We add ``timeout``, ``allowed_verbs``,
a per-item ``secret`` flag and ``openapi`` (the service's own document).
cURL options become the handful of transport options we support, under our
names or their ``CURLOPT_*`` names.

Values may hold lookups (``{name}``, private ones included): they are
substituted per request, so ``base_url`` is checked for its shape here and
again, substituted, when a call is made.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

import yaml
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from app.schemas.common import flag
from app.services.base import VERBS
from app.vocabulary import verbs

ALL_VERBS = verbs.SERVICE_VERBS
"""The verbs a parameter or header applies to unless its ``action`` says otherwise."""

DEFAULT_TIMEOUT = 30.0
"""Seconds to wait for the remote to connect, and then for each read of its answer."""

MAX_VALUE_LENGTH = 8192
"""Characters of one header or parameter value."""

TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
"""An HTTP header name (RFC 9110 token)."""

CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
"""Characters no header value may carry (CR and LF would inject headers)."""

OPTION_ALIASES = {
    "CURLOPT_SSL_VERIFYPEER": "verify_ssl",
    "CURLOPT_PROXY": "proxy",
    "CURLOPT_PROXYUSERPWD": "proxy_auth",
    "CURLOPT_CONNECTTIMEOUT": "connect_timeout",
    "CURLOPT_FOLLOWLOCATION": "follow_redirects",
}
"""DreamFactory's cURL option names for the transport options we support."""


def verb_mask(value: Any) -> int:
    """A verb mask from an integer, a verb list or comma text; ValidationError otherwise."""
    if isinstance(value, bool):
        raise ValidationError("Must be a verb mask or a list of verbs.")
    if isinstance(value, int):
        if 0 <= value <= ALL_VERBS:
            return value
        raise ValidationError(f"Must be a verb mask between 0 and {ALL_VERBS}.")
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in value.split(",")) if v]
    if isinstance(value, list):
        mask = 0
        for verb in value:
            bit = verbs.bit(verb) & ALL_VERBS
            if not bit:
                raise ValidationError(f"'{verb}' is not a verb.")
            mask |= bit
        return mask
    raise ValidationError("Must be a verb mask or a list of verbs.")


class VerbMask(fields.Field):
    """DreamFactory's ``action``: which verbs a header or parameter applies to."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        return verb_mask(value)


class Text(fields.Field):
    """A header or parameter value: text, or a number or flag written as text."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if not isinstance(value, str | int | float):
            raise ValidationError("Must be a string or a number.")
        text = str(value)
        if len(text) > MAX_VALUE_LENGTH:
            raise ValidationError(f"May not be longer than {MAX_VALUE_LENGTH} characters.")
        return text


class Verb(fields.String):
    """One HTTP verb, in any case."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        verb = super()._deserialize(value, attr, data, **kwargs).upper()
        if verb not in VERBS:
            raise ValidationError(f"'{value}' is not a verb.")
        return verb


class ParameterSchema(Schema):
    """A query parameter added to every call, or (``exclude``) a client parameter held back.

    For an added parameter, ``outbound`` sends it and ``cache_key`` makes it
    part of the response cache key. For an ``exclude`` item the flags say what
    to hold back of the client's parameter of that name: ``outbound`` keeps it
    from the remote, ``cache_key`` from the cache key (DreamFactory's meaning).
    """

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    value = Text(load_default="")
    exclude = flag(load_default=False)
    outbound = flag(load_default=True)
    cache_key = flag(load_default=True)
    action = VerbMask(load_default=ALL_VERBS, metadata={"type": "verb_mask", "label": "Verbs"})
    secret = flag(load_default=False, metadata={"description": "Mask the value in responses."})


class HeaderSchema(Schema):
    """A header sent on every call: a fixed value, or the client's (``pass_from_client``)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    value = Text(load_default="")
    pass_from_client = flag(load_default=False)
    action = VerbMask(load_default=ALL_VERBS, metadata={"type": "verb_mask", "label": "Verbs"})
    secret = flag(load_default=False, metadata={"description": "Mask the value in responses."})

    @validates("name")
    def check_name(self, value: str, **kwargs: Any) -> None:
        if not TOKEN.match(value):
            raise ValidationError(f"'{value}' is not a valid header name.")

    @validates("value")
    def check_value(self, value: str, **kwargs: Any) -> None:
        problem = header_value_problem(value)
        if problem:
            raise ValidationError(problem)


class OptionsSchema(Schema):
    """Transport options (DreamFactory's cURL options that mean something here)."""

    class Meta:
        unknown = EXCLUDE

    verify_ssl = flag(load_default=True)
    proxy = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2048))
    proxy_auth = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=1024)
    )
    connect_timeout = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0.001, max=3600)
    )
    follow_redirects = flag(load_default=True)

    @validates("proxy")
    def check_proxy(self, value: str | None, **kwargs: Any) -> None:
        if value and url_problem(value):
            raise ValidationError(url_problem(value))


class Options(fields.Field):
    """``options``: our option names or ``CURLOPT_*`` aliases; anything else is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise ValidationError("Must be an object.")
        known = set(OptionsSchema().fields)
        renamed = {}
        for key, item in value.items():
            name = OPTION_ALIASES.get(str(key).upper(), key)
            if name not in known:
                supported = ", ".join(sorted(known))
                raise ValidationError(f"Option '{key}' is not supported (supported: {supported}).")
            renamed[name] = item
        return OptionsSchema().load(renamed)


class OpenApiDocument(fields.Field):
    """The service's own OpenAPI document: an object, or JSON or YAML text of one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                try:
                    value = yaml.safe_load(value)
                except yaml.YAMLError:
                    raise ValidationError("Must be an OpenAPI document (JSON or YAML).") from None
        if not isinstance(value, dict):
            raise ValidationError("Must be an OpenAPI document: an object.")
        if "paths" in value and not isinstance(value["paths"], dict):
            raise ValidationError("The document's paths must be an object.")
        return value


def header_value_problem(value: str) -> str | None:
    """Why ``value`` cannot be sent as a header value (HTTP carries Latin-1 text), or None."""
    if CONTROL.search(value):
        return "Header values may not contain line breaks or control codes."
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return "Header values must be Latin-1 text (encode others, e.g. {urlencode(name)})."
    return None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a remote's address (http or https, with a host), or None."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "Must be an http or https URL."
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "Must be an http or https URL."
    if parts.fragment:
        return "May not have a fragment (#...)."
    if CONTROL.search(url) or " " in url:
        return "May not contain spaces or control characters."
    return None


class RwsConfigSchema(Schema):
    base_url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2048),
        metadata={
            "label": "Base URL",
            "description": "The root of the remote API; the resource path and query of each "
            "call are added to it. Private and loopback addresses are allowed: admins "
            "configure them deliberately.",
        },
    )
    options = Options(
        load_default=lambda: OptionsSchema().load({}),
        metadata={
            "type": "object",
            "label": "Options",
            "description": "verify_ssl, proxy, proxy_auth (user:password), connect_timeout, "
            "follow_redirects (same-origin only), or their CURLOPT_* names.",
        },
    )
    parameters = fields.List(
        fields.Nested(ParameterSchema),
        load_default=list,
        allow_none=False,
        metadata={
            "label": "Parameters",
            "description": "Supply additional parameters to pass to the remote service, "
            "or exclude parameters passed from client.",
        },
    )
    headers = fields.List(
        fields.Nested(HeaderSchema),
        load_default=list,
        metadata={
            "label": "Headers",
            "description": "Supply additional headers to pass to the remote service.",
        },
    )
    cache_enabled = flag(load_default=False, metadata={"label": "Data Retrieval Caching"})
    cache_ttl = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=31_536_000),
        metadata={
            "label": "Cache Time To Live",
            "description": "Seconds a cached GET answer lives (0: not cached).",
        },
    )
    timeout = fields.Float(
        load_default=DEFAULT_TIMEOUT,
        validate=validate.Range(min=0.001, max=3600),
        metadata={
            "label": "Timeout",
            "description": "Seconds to wait for the remote to connect and for each read "
            "of its answer; a remote that takes longer gets a 504.",
        },
    )
    allowed_verbs = fields.List(
        Verb(),
        load_default=lambda: list(VERBS),
        metadata={"label": "Allowed Verbs", "description": "Verbs passed on; others get a 405."},
    )
    preserve_forward_trailing_slash = flag(
        load_default=False,
        metadata={
            "label": "Preserve or add a forward trailing slash to your url",
            "description": "Add (or keep) a trailing '/' on the remote URL.",
        },
    )
    openapi = OpenApiDocument(
        load_default=None,
        allow_none=True,
        metadata={
            "type": "object",
            "label": "OpenAPI Document",
            "description": "The remote API's own OpenAPI document (object, JSON or YAML).",
        },
    )

    @validates("base_url")
    def check_base_url(self, value: str, **kwargs: Any) -> None:
        if "{" in value:  # lookups: the substituted URL is checked on each call
            problem = "May not contain control characters." if CONTROL.search(value) else None
        else:
            problem = url_problem(value)
        if problem:
            raise ValidationError(problem)

    @validates("allowed_verbs")
    def check_verbs(self, value: list[str], **kwargs: Any) -> None:
        if not value:
            raise ValidationError("Allow at least one verb.")

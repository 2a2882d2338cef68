"""CORS from ``system/cors`` records, live on every worker.

A rule's ``path`` is a glob (``api/*``, ``*``: ``*`` matches anything,
slashes included, as Laravel's ``Str::is``) or, when it starts with ``^``, a
case-insensitive regular expression, matched against the request path without
its leading slash. The longest matching rule wins; no match means no CORS
headers at all. Only API paths are considered, and the views outside them
marked with ``access.cors_endpoint`` (``/mcp``, which browser-based MCP
clients call from their own origin: a rule for the path ``mcp`` governs it).

A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``)
is answered here: 204 with the ``Access-Control-Allow-*`` headers when the
rule allows the method, 405 otherwise. Actual requests get
``Access-Control-Allow-Origin`` (and the exposed headers) after the view runs.

Rules are cached through ``app.cache`` (stamp of ``cors_config``), so a write
to ``system/cors`` takes effect on every worker and server at its next
request. flask-cors is not used: its configuration is fixed at start-up.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, current_app, g, request

from app.cache import get_cache
from app.extensions import db
from app.models import CorsConfig
from app.vocabulary import verbs
from app.vocabulary.errors import MethodNotAllowed

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CorsRule:
    path: str
    origins: tuple[str, ...]
    headers: tuple[str, ...]
    exposed_headers: tuple[str, ...]
    method_mask: int
    max_age: int
    supports_credentials: bool

    def matches(self, path: str) -> bool:
        if self.path.startswith("^"):
            try:
                return re.search(self.path, path, re.IGNORECASE) is not None
            except re.error:
                logger.warning("ignoring CORS rule with an invalid regex: %s", self.path)
                return False
        pattern = self.path.lstrip("/")
        return fnmatch.fnmatchcase(path, pattern) or path == pattern

    def allows_origin(self, origin: str) -> bool:
        return "*" in self.origins or origin.lower() in (o.lower() for o in self.origins)

    def allows_method(self, method: str) -> bool:
        method = method.upper()
        if method == "HEAD":
            method = "GET"
        return bool(self.method_mask & verbs.bit(method))

    @property
    def methods(self) -> list[str]:
        return verbs.names(self.method_mask)


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def load_rules() -> tuple[CorsRule, ...]:
    def load() -> tuple[CorsRule, ...]:
        rows = db.session.scalars(
            sa.select(CorsConfig).where(CorsConfig.enabled.is_(True)).order_by(CorsConfig.id)
        ).all()
        return tuple(
            CorsRule(
                path=row.path.strip(),
                origins=_split(row.origin),
                headers=_split(row.header),
                exposed_headers=_split(row.exposed_header),
                method_mask=row.method or 0,
                max_age=row.max_age or 0,
                supports_credentials=bool(row.supports_credentials),
            )
            for row in rows
        )

    return get_cache().get(("cors_config",), "rules", load)


def best_rule(path: str) -> CorsRule | None:
    """The longest rule path matching ``path`` (without leading slash), if any."""
    matching = [r for r in load_rules() if r.matches(path)]
    return max(matching, key=lambda r: len(r.path)) if matching else None


def _is_api_path(path: str) -> bool:
    prefix = current_app.config["API_ROUTE_PREFIX"].strip("/")
    return path == prefix or path.startswith(prefix + "/")


def _is_cors_view() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "cors", False))


def _allow_origin_value(rule: CorsRule, origin: str) -> str:
    if "*" in rule.origins and not rule.supports_credentials:
        return "*"
    return origin


def apply_cors() -> Response | None:
    """Answer a preflight, or remember the rule so ``add_cors_headers`` decorates the reply."""
    origin = request.headers.get("Origin")
    if not origin:
        return None
    path = request.path.lstrip("/")
    if not _is_api_path(path) and not _is_cors_view():
        return None
    rule = best_rule(path)
    if rule is None:
        return None
    wanted = request.headers.get("Access-Control-Request-Method")
    if request.method == "OPTIONS" and wanted:
        if not rule.allows_method(wanted):
            raise MethodNotAllowed("Method not allowed")
        response = Response(status=204)
        if rule.allows_origin(origin):
            headers = response.headers
            headers["Access-Control-Allow-Origin"] = _allow_origin_value(rule, origin)
            headers["Access-Control-Allow-Methods"] = ", ".join(rule.methods)
            asked = request.headers.get("Access-Control-Request-Headers")
            if "*" in rule.headers and asked:
                headers["Access-Control-Allow-Headers"] = asked
            elif rule.headers:
                headers["Access-Control-Allow-Headers"] = ", ".join(rule.headers)
            if rule.max_age:
                headers["Access-Control-Max-Age"] = str(rule.max_age)
            if rule.supports_credentials:
                headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
        return response
    g.cors_rule = rule
    return None


def add_cors_headers(response: Response) -> Response:
    """After the view (errors included): the headers an actual cross-origin request needs."""
    rule: CorsRule | None = g.pop("cors_rule", None)
    if rule is None:
        return response
    origin = request.headers.get("Origin")
    if not origin or not rule.allows_origin(origin):
        return response
    response.headers["Access-Control-Allow-Origin"] = _allow_origin_value(rule, origin)
    if rule.exposed_headers:
        response.headers["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
    if rule.supports_credentials:
        response.headers["Access-Control-Allow-Credentials"] = "true"
    response.vary.add("Origin")
    return response

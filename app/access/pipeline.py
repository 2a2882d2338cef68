"""The access-control pipeline run before every API request, in this order.

``PIPELINE`` lists the checks once: each returns ``None`` to continue, or
raises an ``ApiError`` (or returns a response) to stop the request there, as
DreamFactory's middleware does (status, CORS, verb override, authentication,
authorization). Only views marked ``api`` run the authentication and
authorization steps; the splash pages and ``/status`` have their own rules.
"""

from __future__ import annotations

from flask import current_app, g, request

from app import directory
from app.access import authn, authz
from app.access.actor import ANONYMOUS
from app.access.limits import enforce_limits
from app.errors import MethodNotAllowed, ServiceUnavailable
from app.services import SERVICE_TYPES
from app.services.base import parse_api_path

TUNNEL_HEADERS = ("X-HTTP-Method", "X-HTTP-Method-Override", "X-Method-Override")
KNOWN_VERBS = frozenset(authz.VERB_MASKS)


def is_api_request() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "api", False))


def api_path() -> str:
    return (request.view_args or {}).get("path", "")


def check_status() -> None:
    if current_app.config.get("MAINTENANCE") and is_api_request():
        raise ServiceUnavailable("This instance is in maintenance mode. Please try again later.")


def override_verb() -> None:
    """Effective verb in ``g.method``: POST may tunnel another verb; MERGE means PATCH."""
    method = request.method
    if method == "POST" and is_api_request():
        for header in TUNNEL_HEADERS:
            if request.headers.get(header):
                method = request.headers[header]
                break
        else:
            method = request.args.get("method") or method
    method = method.upper()
    if method == "MERGE":
        method = "PATCH"
    if method == "HEAD":
        method = "GET"  # answered as GET; the server drops the body
    if method not in KNOWN_VERBS:
        raise MethodNotAllowed(f"The method '{method}' is not allowed.")
    g.method = method


def authenticate() -> None:
    if not is_api_request():
        return
    g.actor = ANONYMOUS
    path = api_path()
    creds = authn.read_credentials(request, path)
    g.actor = authn.resolve_actor(creds, g.method, path)


def authorize() -> None:
    if not is_api_request():
        return
    _, service, resource = parse_api_path(api_path())
    if not service:
        return
    exceptions: dict[str, int] = {}
    info = directory.get_service_info(service)
    if info is not None and info.type in SERVICE_TYPES:
        exceptions = SERVICE_TYPES[info.type].access_exceptions
    authz.require(g.actor, g.method, service, resource, exceptions)


PIPELINE = [check_status, override_verb, authenticate, authorize, enforce_limits]
"""The checks, in the order they run."""

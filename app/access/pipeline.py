"""The access-control pipeline run before every API request, in this order.

``PIPELINE`` lists the checks once: each returns ``None`` to continue, or
raises an ``ApiError`` (or returns a response) to stop the request there, as
DreamFactory's middleware does (status, API version, CORS, verb override,
authentication, authorization, limits). Only views marked ``api`` run the authentication and
authorization steps; the splash pages and ``/status`` have their own rules.
CORS headers are added to every API response, errors included, by
``cors.add_cors_headers`` after the view (registered in ``access.init_app``).
"""

from __future__ import annotations

from flask import current_app, g, request

from app import system_cache
from app.access import authn
from app.access.actor import ANONYMOUS
from app.access.calls import normalize_verb, require_access
from app.access.cors import apply_cors
from app.access.limiting import enforce_limits
from app.vocabulary.errors import NotFound, ServiceUnavailable
from app.vocabulary.paths import is_supported_version, parse_api_path

TUNNEL_HEADERS = ("X-HTTP-Method", "X-HTTP-Method-Override", "X-Method-Override")
"""Headers a POST may carry another verb in, in order of precedence (then ``?method=``)."""


def is_api_request() -> bool:
    """Whether this request's view is an API endpoint (worked out once per request)."""
    found = g.get("df_is_api")
    if found is None:
        view = current_app.view_functions.get(request.endpoint or "")
        found = g.df_is_api = bool(getattr(view, "api", False))
    return found


def api_path() -> str:
    return (request.view_args or {}).get("path", "")


NOT_SET_UP = (
    "This instance is not set up yet: create the first admin at /setup "
    "or with `flask --app wsgi setup --email ... --password ...`."
)


def check_status() -> None:
    """Maintenance mode and a store without any admin both answer the API with 503."""
    if not is_api_request():
        return
    if current_app.config.get("MAINTENANCE"):
        raise ServiceUnavailable("This instance is in maintenance mode. Please try again later.")
    if not system_cache.instance_is_set_up():
        raise ServiceUnavailable(NOT_SET_UP)


def check_version() -> None:
    """A path naming an API version other than 2 (``/api/v3/...``) is a 404, whoever asks."""
    if not is_api_request():
        return
    version = parse_api_path(api_path())[0]
    if not is_supported_version(version):
        raise NotFound(f"API version '{version}' is not supported: this server speaks v2.")


TUNNEL_PARAM = "method"
"""The query parameter a POST may carry another verb in, when no tunnel header is sent."""


def override_verb() -> None:
    """Effective verb in ``g.method``: POST may tunnel another verb; MERGE means PATCH.

    Also sets ``g.asked_verb``, the verb asked for before normalizing (``HEAD`` for a
    real or tunnelled HEAD, which ``g.method`` holds as GET), and ``g.verb_tunnel``:
    the header or query parameter the verb came from, None without a tunnel. A
    ``method`` parameter is a tunnel only on a POST sent without a tunnel header.
    """
    method = request.method
    tunnel = None
    if method == "POST" and is_api_request():
        headers = request.headers
        for header in TUNNEL_HEADERS:
            if headers.get(header):
                method, tunnel = headers[header], header
                break
        else:
            asked = request.args.get(TUNNEL_PARAM)
            if asked:
                method, tunnel = asked, TUNNEL_PARAM
    state = g._get_current_object()
    state.asked_verb = method.upper()
    state.verb_tunnel = tunnel
    state.method = normalize_verb(method)


def authenticate() -> None:
    if not is_api_request():
        return
    state = g._get_current_object()
    state.actor = ANONYMOUS
    path = api_path()
    creds = authn.read_credentials(request._get_current_object(), path)
    state.actor = authn.resolve_actor(creds, state.method, path)


def authorize() -> None:
    if not is_api_request():
        return
    _, service, resource = parse_api_path(api_path())
    require_access(g.actor, g.method, service, resource)


PIPELINE = [
    check_status,
    check_version,
    apply_cors,
    override_verb,
    authenticate,
    authorize,
    enforce_limits,
]
"""The checks, in the order they run."""

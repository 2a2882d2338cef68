"""Authentication: turn the credentials of an HTTP request into an ``Actor``.

Sources, in DreamFactory's order: API key from ``api_key`` (query), the
``X-DreamFactory-API-Key`` header or the JSON body; session token from
``Authorization: Bearer``, ``X-DreamFactory-Session-Token`` or
``session_token``; HTTP Basic (e-mail and password) when there is no token.
An unknown API key is ignored (no app); a token or Basic credential that is
present but bad fails the request even if another credential is valid. Basic
credentials are a login each time: they go through the failed-login throttle,
counted under the client's address.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Request

from app import system_cache
from app.access import passwords, throttle, tokens
from app.access.actor import Actor
from app.extensions import db
from app.models import User
from app.vocabulary.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from app.system_cache import AppInfo, RoleInfo, UserInfo

LOGIN_PATHS = ("v2/user/session", "v2/system/admin/session")
"""Where ``POST`` ignores any token (login) and ``PUT`` refreshes it unvalidated."""


@dataclass
class Credentials:
    api_key: str | None = None
    session_token: str | None = None
    basic: tuple[str, str] | None = None
    address: str | None = None
    """The client's address (as trusted proxies report it), for the login throttle."""


SMALL_BODY = 1_000_000
"""Largest body (bytes) read for credentials before the caller is known (a JSON body's
``session_token``..., a form's ``session_token``): bigger ones (file uploads) carry their
credentials in headers or the query, so an anonymous client cannot make the server read and
spool big bodies before authorization."""


def _form_token(request: Request) -> str | None:
    """``session_token`` from a (small) form body, leaving the raw body readable afterwards."""
    length = request.content_length
    limit = min(SMALL_BODY, request.max_content_length or SMALL_BODY)
    if length is None or length > limit:
        return None
    if request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True)  # form parsing then reads the cached bytes
        return request.form.get("session_token")
    if request.mimetype == "multipart/form-data":
        return request.form.get("session_token")
    return None


def _arg(args: Any, name: str) -> str | None:
    """A query parameter's first value (a miss costs no exception, unlike ``args.get``)."""
    return args[name] if name in args else None


def read_credentials(request: Request, api_path: str) -> Credentials:
    body = None
    if request.is_json and (request.content_length or 0) < SMALL_BODY:
        body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = {}
    # headers straight from the WSGI environ: what ``request.headers.get`` reads, minus the
    # exception each missing header costs there
    environ = request.environ
    args = request.args
    api_key = _arg(args, "api_key") or environ.get("HTTP_X_DREAMFACTORY_API_KEY")
    if not api_key and "system/app" not in api_path:
        api_key = body.get("api_key") if isinstance(body.get("api_key"), str) else None

    token = None
    basic = None
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if "Bearer" in authorization:
        token = authorization[7:].strip() or None
    token = (
        token
        or environ.get("HTTP_X_DREAMFACTORY_SESSION_TOKEN")
        or _arg(args, "session_token")
        or (body.get("session_token") if isinstance(body.get("session_token"), str) else None)
        or _form_token(request)
    )
    if not token and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise Unauthorized("Unauthorized. User credentials did not match.") from None
        email, _, password = decoded.partition(":")
        basic = (email, password)
    return Credentials(api_key or None, token or None, basic, request.remote_addr)


def resolve_actor(creds: Credentials, method: str, api_path: str) -> Actor:
    """The actor for these credentials; raises for a credential that is present but bad."""
    actor = Actor(api_key=creds.api_key)
    if creds.api_key:
        actor.app = system_cache.get_app_by_key(creds.api_key)
        check_app(actor.app)

    path = api_path.strip("/").lower()
    is_login = path in LOGIN_PATHS
    if creds.session_token and not (is_login and method in ("POST", "PUT")):
        claims = tokens.decode(creds.session_token)
        user = system_cache.get_user(int(claims["user_id"]))
        if user is None or claims.get("sub") != tokens.subject_for(user.email):
            raise Unauthorized("Invalid token: User verification failed.")
        tokens.require_recorded(claims)
        check_user(user)
        actor.user = user
        actor.session_token = creds.session_token
        actor.claims = claims
    elif creds.session_token:
        actor.session_token = creds.session_token
    elif creds.basic is not None:
        actor.user = basic_user(*creds.basic, address=creds.address)

    actor.role = role_of(actor.user, actor.app)
    return actor


def check_app(app: AppInfo | None) -> None:
    """An inactive app's key fails the request."""
    if app is not None and not app.is_active:
        raise Forbidden("App is not active.")


def check_user(user: UserInfo) -> None:
    """An inactive user's credentials fail the request."""
    if not user.is_active:
        raise Forbidden("User is not active.")


def role_of(user: UserInfo | None, app: AppInfo | None) -> RoleInfo | None:
    """The user's role through the app, else the app's default role."""
    role_id = None
    if user is not None and app is not None:
        role_id = system_cache.get_user_app_role(user.id, app.id)
    if role_id is None and app is not None:
        role_id = app.role_id
    return system_cache.get_role(role_id) if role_id is not None else None


def basic_user(email: str, password: str, address: str | None = None):
    attempt = throttle.start_login(email, address)
    row = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if row is None:
        passwords.burn_time(password)
        raise Unauthorized("Unauthorized. User credentials did not match.")
    if not passwords.check_password(row.password, password):
        raise Unauthorized("Unauthorized. User credentials did not match.")  # a failure
    attempt.passed()
    if not row.is_active:
        raise Forbidden("User is not active.")
    return system_cache.get_user(row.id)

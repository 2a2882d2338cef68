"""Login, refresh and logout, shared by ``system/admin/session`` and ``user/session``.

Admins log in only through ``system/admin/session`` and other users only
through ``user/session``, as in DreamFactory. A failed login never says
whether the account exists: unknown, inactive, wrong-kind and wrong-password
all answer ``Invalid credentials supplied.`` after the same hashing work.
Every login takes its slots in the failed-login throttle (``throttle``)
before the password is checked.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from app import system_cache
from app.access import passwords, throttle, tokens
from app.extensions import db
from app.models import User, utcnow
from app.vocabulary.errors import BadRequest, Forbidden, Unauthorized
from app.vocabulary.flags import to_bool

if TYPE_CHECKING:
    from app.access.actor import Actor

INVALID_CREDENTIALS = "Invalid credentials supplied."
NO_SESSION = "There is no valid session for the current request."


def _time(value: Any) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def session_object(
    user: User | system_cache.UserInfo, token: str | None, claims: dict, actor: Actor | None
) -> dict[str, Any]:
    """DreamFactory's public session info (``Session::getPublicInfo``)."""
    body: dict[str, Any] = {
        "session_token": token,
        "session_id": token,
        "id": user.id,
        "name": user.name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_sys_admin": bool(user.is_sys_admin),
        "last_login_date": _time(user.last_login_date),
        "host": socket.gethostname(),
        "token_expiry_date": tokens.expiry_text(claims) if claims else None,
    }
    role = _role_for(user.id, actor)
    if role is not None:
        body["role"] = role.name
        body["role_id"] = role.id
    return body


def _role_for(user_id: int, actor: Actor | None):
    if actor is None or actor.app is None:
        return None
    role_id = system_cache.get_user_app_role(user_id, actor.app.id) or actor.app.role_id
    return system_cache.get_role(role_id) if role_id else None


def login(payload: Any, admin: bool, actor: Actor | None) -> dict[str, Any]:
    payload = payload if isinstance(payload, dict) else {}
    attribute = current_app.config.get("LOGIN_ATTRIBUTE", "email")
    identity = payload.get(attribute)
    password = payload.get("password")
    if not identity or not isinstance(identity, str):
        raise BadRequest(f"Login request is missing required {attribute}.")
    if not password or not isinstance(password, str):
        raise BadRequest("Login request is missing required password.")
    address = request.remote_addr if has_request_context() else None
    attempt = throttle.start_login(identity, address)
    column = User.username if attribute == "username" else User.email
    user = db.session.scalar(sa.select(User).where(sa.func.lower(column) == identity.lower()))
    if user is None:
        passwords.burn_time(password)
    if (
        user is None
        or not passwords.check_password(user.password, password)
        or not user.is_active
        or bool(user.is_sys_admin) != admin
    ):
        db.session.rollback()
        raise Unauthorized(INVALID_CREDENTIALS)  # the attempt keeps its slots: a failure
    # the credentials passed: the throttle is told once the session's transaction is over
    # (its counters use a connection of their own, which a pending SQLite write would block)
    role = _role_for(user.id, actor)
    if role is not None and not role.is_active:
        db.session.rollback()
        attempt.passed()
        raise Forbidden("Role is not active.")
    user.last_login_date = utcnow()
    user.confirm_code = None
    token, claims = tokens.issue(user.id, user.email, to_bool(payload.get("remember_me")))
    db.session.commit()
    attempt.passed()
    return session_object(user, token, claims, actor)


def current(actor: Actor) -> dict[str, Any]:
    if actor.user is None:
        raise Unauthorized(NO_SESSION)
    return session_object(actor.user, actor.session_token, actor.claims, actor)


def refresh(actor: Actor, admin: bool) -> dict[str, Any]:
    if not actor.session_token:
        raise Unauthorized("Token refresh failed. No session token found in request.")
    claims, refresh_until = tokens.claims_for_refresh(actor.session_token)
    user = db.session.get(User, int(claims["user_id"]))
    if user is None or not user.is_active or claims["sub"] != tokens.subject_for(user.email):
        raise Unauthorized("Token refresh failed. User verification failed.")
    if bool(user.is_sys_admin) != admin:
        raise Unauthorized("Token refresh failed. User verification failed.")
    tokens.revoke(claims["jti"])
    token, new_claims = tokens.issue(
        user.id, user.email, bool(claims.get("forever")), refresh_until=refresh_until
    )
    db.session.commit()
    return session_object(user, token, new_claims, actor)


def logout(actor: Actor) -> dict[str, Any]:
    if actor.claims.get("jti"):
        tokens.revoke(actor.claims["jti"])
        db.session.commit()
    return {"success": True}

"""Password changes and resets and profile edits, shared by admins and users.

Reset flows never reveal whether an account exists beyond what DreamFactory's
contract requires; codes and answers are compared in constant time (answers
are stored hashed).
"""

from __future__ import annotations

import datetime as dt
import hmac
import string
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from marshmallow import EXCLUDE, ValidationError

from app.access import passwords, sessions, tokens
from app.extensions import db
from app.models import App, User, utcnow
from app.schemas.user import UserSchema
from app.services import mailer
from app.vocabulary.errors import BadRequest, Unauthorized, ValidationFailed
from app.vocabulary.flags import to_bool

if TYPE_CHECKING:
    from app.access.actor import Actor

PROFILE_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "name",
    "email",
    "phone",
    "security_question",
    "default_app_id",
    "oauth_provider",
    "adldap",
)
CODE_ALPHABET = string.ascii_uppercase + string.digits


def _check_new_password(password: Any) -> str:
    minimum = current_app.config.get("PASSWORD_MIN_LENGTH", 16)
    if not isinstance(password, str) or len(password) < minimum:
        raise BadRequest(
            f"Invalid data supplied. The password field must be at least {minimum} characters.",
            context={
                "new_password": [f"The password field must be at least {minimum} characters."]
            },
        )
    return password


def _find_user(email: Any, admin: bool) -> User | None:
    if not isinstance(email, str) or not email:
        return None
    attribute = current_app.config.get("LOGIN_ATTRIBUTE", "email")
    column = User.username if attribute == "username" else User.email
    user = db.session.scalar(sa.select(User).where(sa.func.lower(column) == email.lower()))
    if user is None or bool(user.is_sys_admin) != admin or not user.is_active:
        return None
    return user


def _set_password(user: User, password: str) -> None:
    user.password = passwords.hash_password(password)
    tokens.revoke_user(user.id)


def _maybe_login(user: User, login: bool, actor: Actor | None) -> dict[str, Any]:
    if not login:
        db.session.commit()
        return {"success": True}
    token, claims = tokens.issue(user.id, user.email)
    user.last_login_date = utcnow()
    db.session.commit()
    return {"success": True, "session_token": token}


def password_request(
    payload: Any, params: dict[str, str], admin: bool, actor: Actor | None
) -> dict[str, Any]:
    """``POST .../password``: change with the old password, or one of the reset flows."""
    payload = payload if isinstance(payload, dict) else {}
    login = to_bool(params.get("login") or payload.get("login"))
    attribute = current_app.config.get("LOGIN_ATTRIBUTE", "email")
    email = payload.get(attribute) or payload.get("email")

    if to_bool(params.get("reset") or payload.get("reset")):
        return start_reset(email, admin)
    if "code" in payload:
        return reset_with_code(
            email, payload.get("code"), payload.get("new_password"), admin, login, actor
        )
    if "security_answer" in payload:
        return reset_with_answer(
            email, payload.get("security_answer"), payload.get("new_password"), admin, login, actor
        )

    if actor is None or actor.user is None:
        raise Unauthorized("There is no valid session for the current request.")
    if bool(actor.user.is_sys_admin) != admin:
        raise Unauthorized("You are not authorized to perform this action.")
    old, new = payload.get("old_password"), payload.get("new_password")
    if not old:
        raise BadRequest("Missing required old_password.")
    user = db.session.get(User, actor.user.id)
    if user is None or not passwords.check_password(user.password, str(old)):
        raise BadRequest("Invalid password supplied.")
    _set_password(user, _check_new_password(new))
    return _maybe_login(user, login, actor)


def start_reset(email: Any, admin: bool) -> dict[str, Any]:
    """Start a reset: the security question if the account has one, else an e-mailed code.

    An unknown address answers like a known one, after the same work: a code is
    made and the message composed for a stand-in, so a missing or broken e-mail
    configuration answers the same 503 for both. The real message leaves after
    the response (``mailer.deliver_after_response``), so neither the mail
    server's time nor its failures show. The endpoint cannot probe for accounts.
    """
    if not isinstance(email, str) or not email:
        raise BadRequest("Missing required email.")
    user = _find_user(email, admin)
    if user is not None and user.security_question:
        return {"security_question": user.security_question}
    outgoing = mailer.prepare_password_reset(user if user is not None else mailer.stand_in())
    if user is not None:
        db.session.commit()
        mailer.deliver_after_response(outgoing)
    return {"success": True}


def reset_with_code(email, code, new_password, admin: bool, login: bool, actor) -> dict[str, Any]:
    user = _find_user(email, admin)
    ttl = int(current_app.config.get("CONFIRM_CODE_TTL", 1440))
    if (
        user is None
        or not isinstance(code, str)
        or not user.confirm_code
        or user.confirm_code == "y"
        or not hmac.compare_digest(user.confirm_code.encode(), code.encode())
    ):
        raise BadRequest("Invalid email and/or confirmation code provided.")
    issued = user.confirm_code_date or dt.datetime.min
    if utcnow() - issued > dt.timedelta(minutes=ttl):
        raise BadRequest("Confirmation code expired.")
    _set_password(user, _check_new_password(new_password))
    user.confirm_code = "y"
    return _maybe_login(user, login, actor)


def reset_with_answer(
    email, answer, new_password, admin: bool, login: bool, actor
) -> dict[str, Any]:
    user = _find_user(email, admin)
    if user is None or not user.security_answer or not isinstance(answer, str):
        passwords.burn_time(answer if isinstance(answer, str) else "")
        raise BadRequest("Invalid email and/or security answer provided.")
    if not passwords.check_password(user.security_answer, answer):
        raise BadRequest("Invalid email and/or security answer provided.")
    _set_password(user, _check_new_password(new_password))
    return _maybe_login(user, login, actor)


def profile(actor: Actor | None) -> dict[str, Any]:
    user = _session_user(actor)
    return {field: getattr(user, field) for field in PROFILE_FIELDS}


def update_profile(actor: Actor | None, payload: Any) -> dict[str, Any]:
    """Update the caller's own profile; changing the e-mail needs the current password."""
    user = _session_user(actor)
    payload = payload if isinstance(payload, dict) else {}
    allowed = {k: v for k, v in payload.items() if k in PROFILE_FIELDS + ("security_answer",)}
    allowed.pop("oauth_provider", None)
    allowed.pop("adldap", None)
    try:
        data = UserSchema(unknown=EXCLUDE, partial=True).load(allowed)
    except ValidationError as exc:
        raise ValidationFailed({k: [str(m) for m in v] for k, v in exc.messages.items()}) from None
    check_profile_references(user, data)
    result: dict[str, Any] = {"success": True}
    if "email" in data and data["email"].lower() != user.email.lower():
        if not passwords.check_password(user.password, payload.get("current_password")):
            raise BadRequest("Changing the email requires a valid current_password.")
        taken = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.email) == data["email"].lower())
        )
        if taken is not None:
            raise BadRequest(
                "The email has already been taken.",
                context={"email": ["The email has already been taken."]},
            )
        tokens.revoke_user(user.id)
        user.email = data.pop("email")
        token, _ = tokens.issue(user.id, user.email)
        result["session_token"] = token
    if "security_answer" in data:
        answer = data.pop("security_answer")
        user.security_answer = passwords.hash_password(answer) if answer else None
    for key, value in data.items():
        setattr(user, key, value)
    db.session.commit()
    return result


def check_profile_references(user: User, data: dict[str, Any]) -> None:
    """A 400 (not a database error) for a default app that does not exist or a taken username."""
    app_id = data.get("default_app_id")
    if app_id is not None and db.session.get(App, app_id) is None:
        raise ValidationFailed({"default_app_id": ["The selected default app id is invalid."]})
    username = data.get("username")
    if username:
        taken = db.session.scalar(
            sa.select(User.id).where(
                sa.func.lower(User.username) == username.lower(), User.id != user.id
            )
        )
        if taken is not None:
            raise BadRequest(
                "The username has already been taken.",
                context={"username": ["The username has already been taken."]},
            )


def _session_user(actor: Actor | None) -> User:
    if actor is None or actor.user is None:
        raise Unauthorized(sessions.NO_SESSION)
    user = db.session.get(User, actor.user.id)
    if user is None:
        raise Unauthorized(sessions.NO_SESSION)
    return user

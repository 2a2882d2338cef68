"""``user/register``: open registration of non-admin users.

- Refused with 403 ``Open Registration is not enabled.`` unless the user
  service's ``allow_open_registration`` is on.
- Input errors answer 400 ``Validation failed`` with ``context`` field →
  messages (Laravel's wording, as DreamFactory's ``Registrar``). Missing names
  are derived as DreamFactory does: ``first_name`` from the e-mail's local
  part (``jane.doe`` → Jane / Doe), ``name`` from both.
- Roles: with ``open_reg_role_id`` the new user gets that role through every
  app that exists at registration (DreamFactory's ``applyDefaultUserAppRole``);
  entries ``{app_id, role_id}`` of ``app_role_map`` then set the role for their
  app. Apps created later give the user their default role.
- With ``open_reg_email_service_id`` no password is taken: a confirm code is
  e-mailed and the answer is ``{"success":true,"confirmation_required":true}``.
  The registrant confirms and chooses a password with ``POST user/password``
  ``{email, code, new_password}`` (``?login=true`` for a session), the
  DreamFactory flow; until then there is no password to log in with. If the
  e-mail cannot be sent nothing is stored.
- Otherwise ``password`` (or ``new_password``) is required, at least
  ``PASSWORD_MIN_LENGTH`` characters, equal to ``password_confirmation`` when
  that is given; ``?login=true`` answers ``{"success":true,"session_token":...}``.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import current_app
from marshmallow import ValidationError, validate

from app.access import passwords, tokens
from app.extensions import db
from app.models import App, Role, User, UserAppRole, utcnow
from app.services import mailer
from app.services.base import Resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, Forbidden
from app.vocabulary.flags import to_bool

logger = logging.getLogger(__name__)

TEXT_LIMITS = {
    "name": 255,
    "first_name": 255,
    "last_name": 255,
    "email": 255,
    "username": 255,
    "phone": 32,
    "security_question": 255,
}
"""Maximum length (characters) of each text field a registrant may send."""


def _label(field: str) -> str:
    return field.replace("_", " ")


def registration_data(payload: dict[str, Any]) -> dict[str, Any]:
    """The fields DreamFactory's ``Register`` reads, with names derived when missing."""
    password = payload.get("new_password", payload.get("password"))
    data = {
        "first_name": payload.get("first_name"),
        "last_name": payload.get("last_name"),
        "name": payload.get("name") or payload.get("display_name"),
        "email": payload.get("email"),
        "username": payload.get("username"),
        "phone": payload.get("phone"),
        "security_question": payload.get("security_question"),
        "security_answer": payload.get("security_answer"),
        "password": password,
        "password_confirmation": payload.get("password_confirmation", password),
    }
    email = data["email"]
    if not data["first_name"] and isinstance(email, str) and email:
        data["first_name"] = email.split("@", 1)[0]
    first = data["first_name"]
    if not data["last_name"] and isinstance(first, str) and first:
        head, dot, tail = first.partition(".")
        if dot and tail:
            data["first_name"], data["last_name"] = head, tail
        else:
            data["last_name"] = first
    if not data["name"] and isinstance(data["first_name"], str) and data["first_name"]:
        data["name"] = f"{data['first_name']} {data['last_name'] or ''}".strip()
    return {k: v for k, v in data.items() if v is not None}


def validation_errors(data: dict[str, Any], needs_password: bool) -> dict[str, list[str]]:
    """Field → messages; empty when the registration may go ahead."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field, limit in TEXT_LIMITS.items():
        value = data.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            add(field, f"The {_label(field)} must be a string.")
        elif len(value) > limit:
            add(field, f"The {_label(field)} may not be greater than {limit} characters.")
    for field in ("name", "first_name", "last_name", "email"):
        if not data.get(field):
            add(field, f"The {_label(field)} field is required.")
    if "security_answer" in data and not isinstance(data["security_answer"], str):
        add("security_answer", "The security answer must be a string.")

    email = data.get("email")
    if isinstance(email, str) and email and "email" not in errors:
        try:
            validate.Email()(email)
        except ValidationError:
            add("email", "The email must be a valid email address.")
        else:
            if _taken(User.email, email):
                add("email", "The email has already been taken.")
    _check_username(data, add)
    if needs_password:
        _check_password(data, add)
    return errors


def _check_username(data: dict[str, Any], add) -> None:
    username = data.get("username")
    if current_app.config.get("LOGIN_ATTRIBUTE", "email") == "username" and not username:
        add("username", "The username field is required.")
    if not isinstance(username, str) or not username:
        return
    if len(username) < 6:
        add("username", "The username must be at least 6 characters.")
    if any(c.isspace() for c in username):
        add("username", "The username format is invalid.")
    if _taken(User.username, username):
        add("username", "The username has already been taken.")


def _check_password(data: dict[str, Any], add) -> None:
    password = data.get("password")
    minimum = int(current_app.config.get("PASSWORD_MIN_LENGTH", 16))
    if not password:
        add("password", "The password field is required.")
        return
    if not isinstance(password, str):
        add("password", "The password must be a string.")
        return
    if len(password) < minimum:
        add("password", f"The password must be at least {minimum} characters.")
    if data.get("password_confirmation") != password:
        add("password", "The password confirmation does not match.")


def _taken(column: sa.Column, value: str) -> bool:
    query = sa.select(User.id).where(sa.func.lower(column) == value.lower()).limit(1)
    return db.session.scalar(query) is not None


def assign_roles(user: User, config: dict[str, Any]) -> dict[int, int]:
    """Create the new user's per-app roles from the service config; app id → role id."""
    roles: dict[int, int] = {}
    default_role = _int(config.get("open_reg_role_id"))
    if default_role is not None:
        if db.session.get(Role, default_role) is None:
            logger.warning("register open_reg_role_id=%s does not exist; skipped", default_role)
        else:
            for app_id in db.session.scalars(sa.select(App.id)).all():
                roles[app_id] = default_role
    for item in config.get("app_role_map") or []:
        if not isinstance(item, dict):
            continue
        app_id, role_id = _int(item.get("app_id")), _int(item.get("role_id"))
        if app_id is None or role_id is None:
            continue
        if db.session.get(App, app_id) is None or db.session.get(Role, role_id) is None:
            logger.warning("register app_role_map app=%s role=%s missing; skipped", app_id, role_id)
            continue
        roles[app_id] = role_id
    for app_id, role_id in roles.items():
        db.session.add(UserAppRole(user_id=user.id, app_id=app_id, role_id=role_id))
    return roles


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def register(config: dict[str, Any], payload: Any, login: bool) -> dict[str, Any]:
    """Create the registrant (and roles), then confirm by e-mail or log in."""
    if not to_bool(config.get("allow_open_registration")):
        raise Forbidden("Open Registration is not enabled.")
    if not isinstance(payload, dict):
        raise BadRequest("Validation failed", context={"email": ["The email field is required."]})
    confirm_by_email = bool(config.get("open_reg_email_service_id"))
    data = registration_data(payload)
    errors = validation_errors(data, needs_password=not confirm_by_email)
    if errors:
        raise BadRequest("Validation failed", context=errors)

    user = User(
        email=data["email"],
        name=data["name"],
        first_name=data["first_name"],
        last_name=data["last_name"],
        username=data.get("username") or None,
        phone=data.get("phone") or None,
        security_question=data.get("security_question") or None,
        is_sys_admin=False,
        is_active=True,
    )
    if data.get("security_answer"):
        user.security_answer = passwords.hash_password(data["security_answer"])
    db.session.add(user)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:  # a concurrent registration took the e-mail or username
        db.session.rollback()
        raise BadRequest(
            "Validation failed", context={"email": ["The email has already been taken."]}
        ) from None
    assign_roles(user, config)

    if confirm_by_email:
        mailer.send_registration_confirmation(user)
        db.session.commit()
        logger.info("register user_id=%s confirmation=sent", user.id)
        return {"success": True, "confirmation_required": True}

    user.password = passwords.hash_password(data["password"])
    if not login:
        db.session.commit()
        return {"success": True}
    token, _ = tokens.issue(user.id, user.email)
    user.last_login_date = utcnow()
    db.session.commit()
    return {"success": True, "session_token": token}


class RegisterResource(Resource):
    name = "register"
    label = "Register"
    description = "Open registration of new users."
    singleton = True

    def post(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        login = to_bool(request.option("login"))
        return register(self.service.config, request.payload, login)

    put = patch = post

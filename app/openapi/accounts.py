"""Sessions, passwords and profiles: the same calls under ``user/`` and ``system/admin/``.

``add_account_paths`` adds ``session``, ``password`` and ``profile`` under a
prefix (``""`` for the user service, ``"admin/"`` for the system service).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.openapi.document import SUCCESS_SCHEMA, json_body, operation

if TYPE_CHECKING:
    from app.openapi.document import Spec

NULLABLE_TEXT = {"type": ["string", "null"]}

SESSION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "session_token": NULLABLE_TEXT,
        "session_id": NULLABLE_TEXT,
        "id": {"type": "integer"},
        "name": NULLABLE_TEXT,
        "first_name": NULLABLE_TEXT,
        "last_name": NULLABLE_TEXT,
        "email": {"type": "string"},
        "is_sys_admin": {"type": "boolean"},
        "last_login_date": NULLABLE_TEXT,
        "host": {"type": "string"},
        "token_expiry_date": NULLABLE_TEXT,
        "role": {"type": "string"},
        "role_id": {"type": "integer"},
    },
    "required": ["session_token", "id", "email"],
}
LOGIN: dict[str, Any] = {
    "type": "object",
    "properties": {
        "email": {"type": "string"},
        "username": {"type": "string", "description": "When logins are by username."},
        "password": {"type": "string"},
        "remember_me": {"type": "boolean"},
    },
    "required": ["password"],
}
PASSWORD: dict[str, Any] = {
    "type": "object",
    "description": (
        "Change (old_password, new_password with a session), start a reset (?reset=true "
        "and email), or complete one (email, code or security_answer, new_password)."
    ),
    "properties": {
        "old_password": {"type": "string"},
        "new_password": {"type": "string"},
        "email": {"type": "string"},
        "code": {"type": "string"},
        "security_answer": {"type": "string"},
    },
}
PASSWORD_RESULT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "success": {"type": "boolean"},
        "security_question": {"type": "string"},
        "session_token": {"type": "string"},
    },
}
PROFILE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "username": NULLABLE_TEXT,
        "first_name": NULLABLE_TEXT,
        "last_name": NULLABLE_TEXT,
        "name": NULLABLE_TEXT,
        "email": {"type": "string"},
        "phone": NULLABLE_TEXT,
        "security_question": NULLABLE_TEXT,
        "default_app_id": {"type": ["integer", "null"]},
        "oauth_provider": NULLABLE_TEXT,
        "adldap": NULLABLE_TEXT,
    },
}
PROFILE_CHANGE: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{k: v for k, v in PROFILE["properties"].items() if k not in ("oauth_provider", "adldap")},
        "security_answer": {"type": "string"},
        "current_password": {"type": "string", "description": "Needed to change the email."},
    },
}
PROFILE_RESULT: dict[str, Any] = {
    "type": "object",
    "properties": {"success": {"type": "boolean"}, "session_token": {"type": "string"}},
    "required": ["success"],
}
REGISTER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "email": {"type": "string"},
        "username": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "name": {"type": "string"},
        "phone": {"type": "string"},
        "password": {"type": "string"},
        "password_confirmation": {"type": "string"},
    },
    "required": ["email"],
}
REGISTER_RESULT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "success": {"type": "boolean"},
        "session_token": {"type": "string"},
        "confirmation_required": {"type": "boolean"},
    },
    "required": ["success"],
}

LOGIN_PARAM = {
    "name": "login",
    "in": "query",
    "schema": {"type": "boolean"},
    "description": "Answer with a session token for the account.",
}
RESET_PARAM = {
    "name": "reset",
    "in": "query",
    "schema": {"type": "boolean"},
    "description": "Start a password reset for the email in the body.",
}


def add_account_paths(spec: Spec, prefix: str, who: str, tag: str) -> None:
    """``{prefix}session``, ``{prefix}password`` and ``{prefix}profile`` for ``who``."""
    session = spec.define("Session", SESSION)
    success = spec.define("Success", SUCCESS_SCHEMA)
    spec.add(
        f"/{prefix}session",
        f"{prefix}session",
        {
            "get": operation(f"The current {who} session", session),
            "post": operation(
                f"Log in as {who}", session, body=json_body(spec.define("Login", LOGIN))
            ),
            "put": operation("Refresh the session token", session),
            "delete": operation("Log out", success),
        },
        tag=tag,
    )
    password = json_body(spec.define("PasswordChange", PASSWORD))
    result = spec.define("PasswordResult", PASSWORD_RESULT)
    params = (RESET_PARAM, LOGIN_PARAM)
    spec.add(
        f"/{prefix}password",
        f"{prefix}password",
        {
            "post": operation(
                f"Change or reset a {who} password", result, params=params, body=password
            ),
            "put": operation("Same as POST", result, params=params, body=password),
            "patch": operation("Same as POST", result, params=params, body=password),
        },
        tag=tag,
    )
    change = json_body(spec.define("ProfileChange", PROFILE_CHANGE))
    changed = spec.define("ProfileResult", PROFILE_RESULT)
    spec.add(
        f"/{prefix}profile",
        f"{prefix}profile",
        {
            "get": operation(f"The logged-in {who}'s profile", spec.define("Profile", PROFILE)),
            "post": operation("Update the profile", changed, body=change),
            "put": operation("Same as POST", changed, body=change),
            "patch": operation("Same as POST", changed, body=change),
        },
        tag=tag,
    )


def add_register_path(spec: Spec, tag: str) -> None:
    spec.add(
        "/register",
        "register",
        {
            "post": operation(
                "Register a new user (when open registration is on)",
                spec.define("RegisterResult", REGISTER_RESULT),
                params=(LOGIN_PARAM,),
                body=json_body(spec.define("Register", REGISTER)),
            )
        },
        tag=tag,
    )

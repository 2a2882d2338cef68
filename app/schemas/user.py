"""Users and admins (passwords of at least ``PASSWORD_MIN_LENGTH``), and per-app roles.

A blank ``username`` (``""``, which DreamFactory's console sends whenever the optional field is
left empty) means none, as DreamFactory's ``nullable`` rule reads it: the user is stored without
one, so any number of users may leave it blank.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates

from app.schemas.common import flag, ref, text


class UserSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=255))
    name = text(255)
    username = fields.String(
        allow_none=True,
        validate=[
            validate.Length(min=6, max=255),
            validate.Regexp(r"^\S+$", error="The username may not contain spaces."),
        ],
    )
    first_name = text(255)
    last_name = text(255)
    phone = text(32)
    is_active = flag()
    security_question = text(255)
    security_answer = fields.String(allow_none=True)
    password = fields.String(allow_none=True)
    default_app_id = ref()

    @pre_load
    def blank_username_is_none(self, data: Any, **kwargs) -> Any:
        if isinstance(data, dict) and isinstance(data.get("username"), str):
            if not data["username"].strip():
                data = {**data, "username": None}
        return data

    @validates("password")
    def check_password(self, value: str | None, **kwargs) -> None:
        minimum = current_app.config.get("PASSWORD_MIN_LENGTH", 16)
        if value is not None and len(value) < minimum:
            raise ValidationError(f"The password field must be at least {minimum} characters.")


class UserAppRoleSchema(Schema):
    """A user's role through one app; written nested under a user or a role."""

    user_id = ref(required=True)
    app_id = ref(required=True)
    role_id = ref(required=True)

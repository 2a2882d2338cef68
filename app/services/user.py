"""The ``user`` service type: end-user sessions, registration, passwords and profiles."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import Schema, fields

from app.schemas.common import flag, ref
from app.services.base import BaseService


class UserConfigSchema(Schema):
    allow_open_registration = flag(
        load_default=False, metadata={"label": "Allow Open Registration"}
    )
    open_reg_role_id = ref(
        metadata={"label": "Open Reg Role Id", "description": "Role given to users who register."}
    )
    open_reg_email_service_id = ref(metadata={"label": "Open Reg Email Service Id"})
    open_reg_email_template_id = ref(metadata={"label": "Open Reg Email Template Id"})
    invite_email_service_id = ref(metadata={"label": "Invite Email Service Id"})
    invite_email_template_id = ref(metadata={"label": "Invite Email Template Id"})
    password_email_service_id = ref(metadata={"label": "Password Email Service Id"})
    password_email_template_id = ref(metadata={"label": "Password Email Template Id"})
    app_role_map = fields.List(fields.Dict(), allow_none=True)


class UserService(BaseService):
    type = "user"
    label = "User service"
    group = "User"
    description = "User service to allow user management."
    singleton = True
    config_schema = UserConfigSchema
    access_exceptions: ClassVar[dict[str, int]] = {
        "session": 31,
        "password": 2,
        "register": 2,
        "profile": 15,
    }

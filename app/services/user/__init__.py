"""The ``user`` service type: end-user sessions, registration, passwords and profiles.

Resources (``GET /api/v2/user?as_list=true``): ``password``, ``profile``,
``register``, ``session``. DreamFactory's ``custom`` (per-user name/value
settings in its own ``user_custom`` table) is not offered: storing those
values as user lookups would let a user override the lookups an admin uses in
role filters, so it waits for a table of its own.
"""

from __future__ import annotations

from typing import ClassVar

from marshmallow import Schema, fields

from app.schemas.common import flag, ref
from app.services.base import BaseService, Resource
from app.services.user.password import PasswordResource, ProfileResource
from app.services.user.register import RegisterResource
from app.services.user.session import SessionResource


class UserConfigSchema(Schema):
    allow_open_registration = flag(
        load_default=False, metadata={"label": "Allow Open Registration"}
    )
    open_reg_role_id = ref(
        metadata={
            "label": "Open Reg Role Id",
            "description": "Role given to users who register, through every existing app.",
        }
    )
    open_reg_email_service_id = ref(
        metadata={
            "label": "Open Reg Email Service Id",
            "description": "E-mail service that sends registrants a confirmation code.",
        }
    )
    open_reg_email_template_id = ref(metadata={"label": "Open Reg Email Template Id"})
    invite_email_service_id = ref(metadata={"label": "Invite Email Service Id"})
    invite_email_template_id = ref(metadata={"label": "Invite Email Template Id"})
    password_email_service_id = ref(metadata={"label": "Password Email Service Id"})
    password_email_template_id = ref(metadata={"label": "Password Email Template Id"})
    app_role_map = fields.List(
        fields.Dict(),
        allow_none=True,
        metadata={
            "label": "App Role Map",
            "description": "Per-app roles ({app_id, role_id}) given to users who register.",
        },
    )


class UserService(BaseService):
    type = "user"
    label = "User service"
    group = "User"
    description = "User service to allow user management."
    singleton = True
    config_schema = UserConfigSchema
    resources: ClassVar[dict[str, type[Resource]]] = {
        "password": PasswordResource,
        "profile": ProfileResource,
        "register": RegisterResource,
        "session": SessionResource,
    }
    access_exceptions: ClassVar[dict[str, int]] = {
        "session": 31,
        "password": 2,
        "register": 2,
        "profile": 15,
    }


__all__ = ["UserConfigSchema", "UserService"]

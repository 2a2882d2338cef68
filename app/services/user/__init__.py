"""The ``user`` service type: end-user sessions, registration, passwords, profiles and settings.

Resources (``GET /api/v2/user?as_list=true``), in DreamFactory's order:
``password``, ``profile``, ``register``, ``session``, ``custom``. ``custom``
holds each user's own name/value settings in the ``user_custom`` table (apart
from the lookups an admin uses in role filters, which a user cannot touch).
``session``, ``password``, ``register`` and ``profile`` are access exceptions
(usable without role access); ``custom`` is not, as in DreamFactory: the
caller's role must grant it, and it answers only a logged-in user.
"""

from __future__ import annotations

from typing import ClassVar

from marshmallow import Schema, fields

from app.schemas.common import flag
from app.services.base import BaseService, Resource
from app.services.choices import (
    active_apps,
    active_roles,
    email_services,
    email_templates,
    picklist,
)
from app.services.user.custom import UserCustomResource
from app.services.user.password import PasswordResource, ProfileResource
from app.services.user.register import RegisterResource
from app.services.user.session import SessionResource


class AppRoleItem(Schema):
    """How an item of ``app_role_map`` is described to clients (DreamFactory's
    ``app_role_map`` row); items are stored as sent and checked when a user registers."""

    app_id = picklist(lambda: active_apps(blank=False), label="App", description="Select an App.")
    role_id = picklist(
        lambda: active_roles(blank=False),
        label="Role",
        description="Select a Role for your App.",
    )


class UserConfigSchema(Schema):
    """Ids of roles, e-mail services and templates are picklists of those that exist."""

    allow_open_registration = flag(
        load_default=False, metadata={"label": "Allow Open Registration"}
    )
    open_reg_role_id = picklist(
        active_roles,
        label="Open Reg Role Id",
        description="Role given to users who register, through every existing app.",
    )
    open_reg_email_service_id = picklist(
        email_services,
        label="Open Reg Email Service Id",
        description="E-mail service that sends registrants a confirmation code.",
    )
    open_reg_email_template_id = picklist(email_templates, label="Open Reg Email Template Id")
    invite_email_service_id = picklist(email_services, label="Invite Email Service Id")
    invite_email_template_id = picklist(email_templates, label="Invite Email Template Id")
    password_email_service_id = picklist(email_services, label="Password Email Service Id")
    password_email_template_id = picklist(email_templates, label="Password Email Template Id")
    app_role_map = fields.List(
        fields.Dict(),
        allow_none=True,
        metadata={
            "label": "App Role Map",
            "description": "Per-app roles ({app_id, role_id}) given to users who register.",
            "items": AppRoleItem,
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
        "custom": UserCustomResource,
    }
    access_exceptions: ClassVar[dict[str, int]] = {
        "session": 31,
        "password": 2,
        "register": 2,
        "profile": 15,
    }


__all__ = ["UserConfigSchema", "UserService"]

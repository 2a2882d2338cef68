"""``system/config``: the ids of the default app and of the e-mail services and templates."""

from __future__ import annotations

from marshmallow import Schema

from app.schemas.common import ref


class SystemConfigSchema(Schema):
    default_app_id = ref()
    invite_email_service_id = ref()
    invite_email_template_id = ref()
    password_email_service_id = ref()
    password_email_template_id = ref()

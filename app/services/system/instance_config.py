"""``system/config``: the single row of instance settings (GET, PATCH/PUT/POST).

Every id it holds must name an existing record (an app, an e-mail service, an
e-mail template), checked here so every backend answers the same 400.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import EXCLUDE, ValidationError

from app.extensions import db
from app.models import App, EmailTemplate, Service, SystemConfig
from app.schemas.common import flatten_messages
from app.schemas.config import SystemConfigSchema
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, ValidationFailed
from app.wrapping import wrapped_list

FIELDS = list(SystemConfigSchema().fields)

REFERENCES = {
    "default_app_id": App,
    "invite_email_service_id": Service,
    "invite_email_template_id": EmailTemplate,
    "password_email_service_id": Service,
    "password_email_template_id": EmailTemplate,
}
"""The record each setting points at."""


def current_config() -> SystemConfig:
    row = db.session.scalar(sa.select(SystemConfig).order_by(SystemConfig.id).limit(1))
    if row is None:
        row = SystemConfig()
        db.session.add(row)
        db.session.flush()
    return row


def check_references(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        model = REFERENCES.get(key)
        if model is not None and value is not None and db.session.get(model, value) is None:
            errors[key] = [f"The selected {key.replace('_', ' ')} is invalid."]
    if errors:
        raise ValidationFailed(errors)


@resource
class ConfigResource(Resource):
    name = "config"
    label = "Config"
    description = "Instance-wide settings (default app, e-mail services and templates)."
    singleton = True

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return current_config().to_dict(FIELDS)

    def patch(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        if rest:
            raise BadRequest("The config resource is a singleton; it has no sub-resources.")
        payload = request.payload
        records = wrapped_list(payload)
        if records is not None:
            payload = records[0] if records else {}
        if not isinstance(payload, dict):
            raise BadRequest("The config must be sent as a JSON object.")
        try:
            data = SystemConfigSchema(unknown=EXCLUDE, partial=True).load(payload)
        except ValidationError as exc:
            raise ValidationFailed(flatten_messages(exc.messages)) from None
        check_references(data)
        row = current_config()
        for key, value in data.items():
            setattr(row, key, value)
        db.session.commit()
        return row.to_dict(FIELDS)

    put = post = patch

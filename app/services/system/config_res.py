"""``system/config``: the single row of instance settings (GET, PATCH/PUT/POST)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import EXCLUDE, ValidationError

from app.errors import ValidationFailed
from app.extensions import db
from app.models import SystemConfig
from app.schemas.config import SystemConfigSchema
from app.services.base import Resource, ServiceRequest
from app.services.system import resource

FIELDS = list(SystemConfigSchema().fields)


def current_config() -> SystemConfig:
    row = db.session.scalar(sa.select(SystemConfig).order_by(SystemConfig.id))
    if row is None:
        row = SystemConfig()
        db.session.add(row)
        db.session.flush()
    return row


@resource
class ConfigResource(Resource):
    name = "config"
    label = "Config"
    description = "Instance-wide settings (default app, e-mail services and templates)."
    singleton = True

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return current_config().to_dict(FIELDS)

    def patch(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        payload = request.payload if isinstance(request.payload, dict) else {}
        try:
            data = SystemConfigSchema(unknown=EXCLUDE, partial=True).load(payload)
        except ValidationError as exc:
            raise ValidationFailed({k: list(v) for k, v in exc.messages.items()}) from None
        row = current_config()
        for key, value in data.items():
            setattr(row, key, value)
        db.session.commit()
        return row.to_dict(FIELDS)

    put = post = patch

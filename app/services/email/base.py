"""What every e-mail service type shares: the send call, templates and config defaults.

``POST /api/v2/{service}`` sends one message and answers ``{"count": N}``, the
number of recipients it was delivered to (DreamFactory's shape). The data is
merged as DreamFactory does, later sources winning: the service's
``parameters``, then the template (``template`` name or ``template_id``, in
the query or the body), then the template's ``defaults``, then the request.
The sender falls back to the service's ``from_name``/``from_email``, then to
the instance's ``MAIL_FROM_NAME``/``MAIL_FROM_EMAIL`` settings.

Server-side flows (password resets, invitations, registration) call
``send(data)`` on the service object directly.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import current_app
from marshmallow import Schema, fields, validate

from app.extensions import db
from app.models import EmailTemplate
from app.services.base import BaseService, unsupported_verb
from app.services.email.message import compose, decode_addresses, envelope_recipients
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, NotFound

logger = logging.getLogger(__name__)

TEMPLATE_FIELDS = (
    "to",
    "cc",
    "bcc",
    "subject",
    "body_text",
    "body_html",
    "from_name",
    "from_email",
    "reply_to_name",
    "reply_to_email",
)


class ParameterItem(Schema):
    """How an item of ``parameters`` is described to clients (DreamFactory's
    ``email_parameters_config`` row); items are stored as sent."""

    name = fields.String(metadata={"label": "Name"})
    value = fields.String(metadata={"label": "Value"})
    active = fields.Boolean(load_default=True, metadata={"label": "Active"})


class SenderConfigSchema(Schema):
    """Config keys every e-mail type has: the default sender and default parameters."""

    from_name = fields.String(
        allow_none=True,
        validate=validate.Length(max=80),
        metadata={"label": "Default From Name"},
    )
    from_email = fields.Email(
        allow_none=True,
        metadata={"label": "Default From Email", "description": "Sender when none is given."},
    )
    parameters = fields.List(
        fields.Dict(),
        allow_none=True,
        metadata={
            "label": "Parameters",
            "description": "Default values ({name, value}) for template placeholders.",
            "items": ParameterItem,
        },
    )


def template_data(template: EmailTemplate) -> dict[str, Any]:
    """A stored template as payload data (its ``defaults`` under their own key)."""
    data: dict[str, Any] = {}
    for field in TEMPLATE_FIELDS:
        value = getattr(template, field)
        if field in ("to", "cc", "bcc"):
            value = decode_addresses(value)
        if value not in (None, ""):
            data[field] = value
    data["defaults"] = dict(template.defaults or {})
    return data


def find_template(name: Any = None, template_id: Any = None) -> EmailTemplate:
    """The template named, or by id; DreamFactory's 404 when it does not exist."""
    if name not in (None, ""):
        row = db.session.scalar(sa.select(EmailTemplate).where(EmailTemplate.name == str(name)))
        if row is None:
            raise NotFound(f"Email Template '{name}' not found")
        return row
    try:
        key = int(template_id)
    except (TypeError, ValueError):
        raise NotFound(f"Email Template id '{template_id}' not found") from None
    row = db.session.get(EmailTemplate, key)
    if row is None:
        raise NotFound(f"Email Template id '{template_id}' not found")
    return row


class EmailService(BaseService):
    """Base of the e-mail types; subclasses implement ``deliver``."""

    group = "Email"

    def handle_root(self, request: ServiceRequest) -> Any:
        if request.method != "POST":
            raise unsupported_verb(request, self.name)
        payload = request.payload
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise BadRequest("The e-mail must be sent as a JSON object.")
        name = request.param("template", payload.get("template"))
        template_id = request.param("template_id", payload.get("template_id"))
        template: dict[str, Any] = {}
        if name not in (None, "") or template_id not in (None, ""):
            template = template_data(find_template(name, template_id))
        elif not payload:
            raise BadRequest("No valid data in request.")
        return {"count": self.send(payload, template)}

    def handle(self, request: ServiceRequest) -> Any:
        if request.segments:
            raise NotFound(f"Resource '{request.segments[0]}' not found for service '{self.name}'.")
        return self.handle_root(request)

    def merge(self, payload: Mapping[str, Any], template: Mapping[str, Any]) -> dict[str, Any]:
        """DreamFactory's precedence: parameters < template < template defaults < request."""
        data: dict[str, Any] = {}
        for item in self.config.get("parameters") or []:
            if isinstance(item, dict) and item.get("name") and item.get("active", True):
                data[str(item["name"])] = item.get("value")
        defaults = template.get("defaults") or {}
        data.update({k: v for k, v in template.items() if k != "defaults"})
        if isinstance(defaults, dict):
            data.update(defaults)
        data.update(payload)
        for key in ("template", "template_id"):
            data.pop(key, None)
        if not data.get("from_email"):
            app_config = current_app.config
            data["from_email"] = self.config.get("from_email") or app_config.get("MAIL_FROM_EMAIL")
            if not data.get("from_name"):
                data["from_name"] = self.config.get("from_name") or app_config.get("MAIL_FROM_NAME")
        return data

    def send(self, payload: Mapping[str, Any], template: Mapping[str, Any] | None = None) -> int:
        """Compose and deliver one message; the number of recipients it went to."""
        return self.hand_over(*self.prepare(payload, template))

    def require_ready(self, setting: str | None = None) -> None:
        """A 503 naming what is missing when this service cannot send at all, found without
        sending (``setting``: the configuration that chose the service, for the message)."""

    def prepare(
        self, payload: Mapping[str, Any], template: Mapping[str, Any] | None = None
    ) -> tuple[EmailMessage, list[str]]:
        """The composed message and its envelope recipients, not sent yet."""
        self.require_ready()
        message = compose(self.merge(payload, template or {}))
        return message, envelope_recipients(message)

    def hand_over(self, message: EmailMessage, recipients: list[str]) -> int:
        """Deliver a prepared message; the number of recipients it went to."""
        refused = self.deliver(message, recipients)
        logger.info(
            "email service=%s sent=%d refused=%d", self.name, len(recipients) - refused, refused
        )
        return len(recipients) - refused

    def deliver(self, message: EmailMessage, recipients: list[str]) -> int:
        """Hand the message over; returns how many recipients were refused."""
        raise NotImplementedError

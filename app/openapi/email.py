"""E-mail services' document: ``POST /`` sends one message (``{"count": N}``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.openapi import builder
from app.openapi.document import json_body, operation
from app.services.email import EmailService

if TYPE_CHECKING:
    from app.openapi.access import Reach
    from app.openapi.document import Spec

ADDRESSES: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"}},
        "required": ["email"],
    },
}
MESSAGE: dict[str, Any] = {
    "type": "object",
    "description": (
        "Later sources win: the service's parameters, the template, its defaults, this body. "
        "Other keys fill {placeholders} in the subject and bodies."
    ),
    "properties": {
        "template": {"type": "string", "description": "An email template's name."},
        "template_id": {"type": "integer"},
        "to": ADDRESSES,
        "cc": ADDRESSES,
        "bcc": ADDRESSES,
        "subject": {"type": "string"},
        "body_text": {"type": "string"},
        "body_html": {"type": "string"},
        "from_name": {"type": "string"},
        "from_email": {"type": "string", "format": "email"},
        "reply_to_name": {"type": "string"},
        "reply_to_email": {"type": "string", "format": "email"},
    },
}
SENT: dict[str, Any] = {
    "type": "object",
    "properties": {"count": {"type": "integer", "description": "Recipients delivered to."}},
    "required": ["count"],
}


@builder(EmailService)
def build_email(service: EmailService, spec: Spec, reach: Reach) -> None:
    template = {"name": "template", "in": "query", "schema": {"type": "string"}}
    spec.add(
        "/",
        "",
        {
            "post": operation(
                "Send an e-mail",
                spec.define("Sent", SENT),
                params=(template,),
                body=json_body(spec.define("EmailMessage", MESSAGE)),
            )
        },
        tag=spec.tag(service.name, "Send e-mail."),
    )

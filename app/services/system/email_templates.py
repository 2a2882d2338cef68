"""``system/email_template``: the templates used by e-mail services and account flows.

``to``, ``cc`` and ``bcc`` accept what the e-mail payload accepts (a string, a
comma list, ``{name, email}`` objects or a list of them); lists are stored as
JSON and answered as lists, as DreamFactory does. ``defaults`` is an object of
placeholder values.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from app.models import EmailTemplate, Record
from app.schemas.common import required_text, text
from app.services.email.message import decode_addresses, encode_addresses, parse_addresses
from app.services.system import resource
from app.services.system.records import ModelResource
from app.vocabulary.errors import ApiError

ADDRESS_FIELDS = ("to", "cc", "bcc")


class EmailTemplateSchema(Schema):
    name = required_text(64)
    description = text(255)
    to = fields.Raw(allow_none=True)
    cc = fields.Raw(allow_none=True)
    bcc = fields.Raw(allow_none=True)
    subject = text(255)
    body_text = fields.String(allow_none=True)
    body_html = fields.String(allow_none=True)
    from_name = text(80)
    from_email = fields.String(allow_none=True, validate=validate.Length(max=255))
    reply_to_name = text(80)
    reply_to_email = fields.String(allow_none=True, validate=validate.Length(max=255))
    defaults = fields.Dict(keys=fields.String(), allow_none=True)

    @validates("to", "cc", "bcc")
    def check_addresses(self, value: Any, data_key: str, **kwargs) -> None:
        if value is None or value == "":
            return
        if isinstance(value, str) and "{" in value and "@" not in value:
            return  # a placeholder such as "{email}", filled when sending
        try:
            parse_addresses(value, data_key)
        except ApiError as exc:
            raise ValidationError(exc.message) from None


@resource
class EmailTemplateResource(ModelResource):
    name = "email_template"
    label = "Email Template"
    description = "Templates for e-mails sent by services, invitations and password resets."
    model = EmailTemplate
    schema = EmailTemplateSchema

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        for field in ADDRESS_FIELDS:
            if field in data:
                data[field] = encode_addresses(data[field])
        super().apply(record, data, creating)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = record.to_dict(fields)
        for field in ADDRESS_FIELDS:
            if field in out:
                out[field] = decode_addresses(out[field])
        return out

"""``system/cors`` rules; ``method`` is a verb list, turned into a mask by the resource."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import MAX_ID, flag, required_text, text
from app.vocabulary.verbs import SERVICE_VERB_NAMES

CORS_VERBS = list(SERVICE_VERB_NAMES)


class CorsSchema(Schema):
    path = required_text(255)
    description = text(255)
    origin = fields.String(required=True, validate=validate.Length(min=1))
    header = fields.String(allow_none=True)
    exposed_header = fields.String(allow_none=True)
    method = fields.Raw(allow_none=True)
    max_age = fields.Integer(validate=validate.Range(min=0, max=MAX_ID))
    supports_credentials = flag()
    enabled = flag()

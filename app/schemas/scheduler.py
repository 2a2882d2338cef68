"""``system/scheduler`` tasks: a cron expression and an API call or a script, run with a role."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import flag, ref, required_text, text
from app.vocabulary.verbs import DATA_VERB_NAMES

TASK_VERBS = list(DATA_VERB_NAMES)


class SchedulerTaskSchema(Schema):
    name = required_text(80)
    description = text(255)
    is_active = flag()
    cron = required_text(100)
    service = text(40)
    component = fields.String(allow_none=True, validate=validate.Length(max=255))
    verb = fields.String(
        allow_none=True, validate=validate.OneOf(TASK_VERBS + [v.lower() for v in TASK_VERBS])
    )
    payload = fields.Raw(allow_none=True)
    script_type = text(40)
    script = fields.String(allow_none=True)
    role_id = ref(required=True)

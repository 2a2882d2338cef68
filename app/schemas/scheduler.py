"""``system/scheduler`` tasks: a cron expression and an API call or a script, run with a role."""

from __future__ import annotations

from croniter import croniter
from marshmallow import Schema, fields, validate

from app.schemas.common import flag, ref, required_text, text
from app.vocabulary.verbs import DATA_VERB_NAMES

TASK_VERBS = list(DATA_VERB_NAMES)

FILE_PREFIX = "file:"
"""Prefix of the names of tasks that come from the schedule file (``app.queue.schedule_file``)."""


def valid_cron(expression: str) -> bool:
    """Five fields that croniter accepts (no seconds field, no ``@`` shortcuts)."""
    fields = expression.split()
    return len(fields) == 5 and croniter.is_valid(" ".join(fields))


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

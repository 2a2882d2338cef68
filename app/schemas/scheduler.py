"""``system/scheduler`` tasks: when they run (cron or frequency), what they call, who as.

A task runs on a five-field cron expression (``cron``) or, in DreamFactory's
shape, every ``frequency`` minutes. The two are views of one schedule:
``cron_of`` gives the cron expression a frequency amounts to (``*/5 * * * *``
for 5) when there is one, ``frequency_of`` the frequency a cron expression
amounts to (5 for ``*/5 * * * *``), else None.

What the admin console posts is accepted as it sends it: ``service`` as the
whole service object (its ``name`` is kept), ``service_id``, ``verb_mask``
beside ``verb``, ``payload`` as JSON text, ``frequency`` null for the default.
"""

from __future__ import annotations

from typing import Any

from croniter import croniter
from marshmallow import Schema, fields, pre_load, validate

from app.schemas.common import MAX_ID, flag, ref, required_text, text
from app.vocabulary.verbs import DATA_VERB_NAMES

TASK_VERBS = list(DATA_VERB_NAMES)

FILE_PREFIX = "file:"
"""Prefix of the names of tasks that come from the schedule file (``app.queue.schedule_file``)."""

DEFAULT_FREQUENCY = 5
"""Minutes between runs of a task given neither a cron nor a frequency (DreamFactory's default)."""

HOUR = 60
"""Minutes per hour: a frequency dividing it has a cron form (``*/N * * * *``)."""


def valid_cron(expression: str) -> bool:
    """Five fields that croniter accepts (no seconds field, no ``@`` shortcuts)."""
    fields = expression.split()
    return len(fields) == 5 and croniter.is_valid(" ".join(fields))


def cron_of(frequency: int | None) -> str | None:
    """The cron expression that runs every ``frequency`` minutes, if one does."""
    if frequency is None or frequency < 1 or HOUR % frequency:
        return None
    if frequency == 1:
        return "* * * * *"
    return "0 * * * *" if frequency == HOUR else f"*/{frequency} * * * *"


def frequency_of(cron: str | None) -> int | None:
    """The minutes between runs of ``cron`` when it runs at a fixed step within the hour."""
    if not cron:
        return None
    minute, *rest = cron.split()
    if rest != ["*"] * 4:
        return None
    if minute == "*":
        return 1
    if minute == "0":
        return HOUR
    step = minute.removeprefix("*/")
    if step == minute or not step.isdigit():
        return None
    value = int(step)
    return value if cron_of(value) is not None else None


class SchedulerTaskSchema(Schema):
    name = required_text(80)
    description = text(255)
    is_active = flag()
    cron = text(100)
    frequency = fields.Integer(
        allow_none=True, strict=False, validate=validate.Range(min=1, max=MAX_ID)
    )
    service = text(40)
    service_id = ref()
    component = fields.String(allow_none=True, validate=validate.Length(max=255))
    verb = fields.String(
        allow_none=True, validate=validate.OneOf(TASK_VERBS + [v.lower() for v in TASK_VERBS])
    )
    verb_mask = fields.Integer(allow_none=True, strict=False)
    payload = fields.Raw(allow_none=True)
    script_type = text(40)
    script = fields.String(allow_none=True)
    role_id = ref()

    @pre_load
    def service_object(self, data: Any, **kwargs: Any) -> Any:
        """The console sends ``service`` as the whole service record: keep its name."""
        if isinstance(data, dict) and isinstance(data.get("service"), dict):
            return {**data, "service": data["service"].get("name")}
        return data

"""DreamFactory's shape of a scheduled task, read and written on the same records as ours.

DreamFactory (``df-scheduler``, and its admin console) names a task's service
by ``service_id``, its verb by ``verb_mask`` as well as ``verb``, its schedule
by ``frequency`` (minutes), and reads ``has_log`` and two relations:
``task_log_by_task_id`` (one log row per task: ``task_id``, ``status_code``,
``content``, ``created_date``, ``last_modified_date``) and
``service_by_service_id``. Here a task keeps the service's name, a verb, and a
cron expression or a frequency (``app.schemas.scheduler``), so:

- written, each DreamFactory field is translated into ours (``settle``).
  When a record carries both fields of a pair (``service`` and
  ``service_id``, ``verb`` and ``verb_mask``, ``cron`` and ``frequency``),
  the one that changes the task decides; both changing the task differently
  is a 400 naming DreamFactory's field;
- read, every task shows both shapes (``shown``): ``cron`` is the cron
  expression a frequency amounts to when there is one, ``frequency`` the
  minutes a cron expression amounts to when it runs at a fixed step within
  the hour, else null;
- ``task_log_by_task_id`` is the task's newest run (its row of ``task_log``,
  with DreamFactory's fields and ours), or null before the first run, and
  ``has_log`` whether there is one; ``related=task_log`` keeps listing every
  kept run;
- ``service_by_service_id`` is the called service's record without its config
  (null for a script task, or when the service is gone).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from app import system_cache
from app.extensions import db
from app.models import Record, Service
from app.models.scheduler import SchedulerTask, TaskLog
from app.schemas.scheduler import DEFAULT_FREQUENCY, TASK_VERBS, cron_of, frequency_of
from app.vocabulary.verbs import DATA_VERBS, bit, names

COMPUTED = ("service_id", "verb_mask", "has_log")
"""DreamFactory's fields that are no column here."""

CHUNK = 500
"""Tasks per ``IN (...)`` query when loading their newest runs."""


def computed_columns() -> dict[str, sa.ColumnElement]:
    """SQL for the computed fields, so ``fields`` and ``filter`` may name them."""
    task = SchedulerTask
    return {
        "service_id": sa.select(Service.id)
        .where(Service.name == task.service)
        .scalar_subquery()
        .label("service_id"),
        "verb_mask": sa.case({v: bit(v) for v in TASK_VERBS}, value=task.verb, else_=0).label(
            "verb_mask"
        ),
        "has_log": sa.exists().where(TaskLog.task_id == task.id).label("has_log"),
    }


# -- reading -----------------------------------------------------------------------------------


def shown_cron(task: SchedulerTask) -> str | None:
    return task.cron or cron_of(task.frequency)


def shown_frequency(task: SchedulerTask) -> int | None:
    return frequency_of(task.cron) if task.cron else task.frequency


def shown(task: SchedulerTask) -> dict[str, Any]:
    """Both shapes' schedule, service and verb fields of one task (``has_log`` aside)."""
    info = system_cache.get_service_info(task.service) if task.service else None
    return {
        "cron": shown_cron(task),
        "frequency": shown_frequency(task),
        "service_id": info.id if info is not None else None,
        "verb_mask": bit(task.verb),
    }


def with_logs(task_ids: Sequence[int]) -> set[int]:
    """The tasks among ``task_ids`` that have a logged run."""
    found: set[int] = set()
    for start in range(0, len(task_ids), CHUNK):
        chunk = task_ids[start : start + CHUNK]
        found.update(
            db.session.scalars(
                sa.select(TaskLog.task_id).where(TaskLog.task_id.in_(chunk)).distinct()
            )
        )
    return found


class NewestRun:
    """``task_log_by_task_id``: the task's newest run, as DreamFactory's one log row."""

    kind = "has_one"
    model = TaskLog

    def load(self, parents: Sequence[Record]) -> dict[Any, dict[str, Any] | None]:
        ids = [p.id for p in parents]
        newest: dict[Any, dict[str, Any] | None] = dict.fromkeys(ids)
        for start in range(0, len(ids), CHUNK):
            latest = (
                sa.select(sa.func.max(TaskLog.id))
                .where(TaskLog.task_id.in_(ids[start : start + CHUNK]))
                .group_by(TaskLog.task_id)
            )
            for row in db.session.scalars(sa.select(TaskLog).where(TaskLog.id.in_(latest))):
                newest[row.task_id] = row.to_dict()
        return newest


class ServiceByName:
    """``service_by_service_id``: the service a task calls, without its config."""

    kind = "belongs_to"
    model = Service

    def load(self, parents: Sequence[Record]) -> dict[Any, dict[str, Any] | None]:
        wanted = {getattr(p, "service", None) for p in parents} - {None}
        rows = db.session.scalars(sa.select(Service).where(Service.name.in_(wanted))).all()
        fields = [f for f in Service.visible_fields() if f != "config"]
        by_name = {row.name: row.to_dict(fields) for row in rows}
        return {p.id: by_name.get(getattr(p, "service", None)) for p in parents}


# -- writing -----------------------------------------------------------------------------------


def settle(task: SchedulerTask, data: dict[str, Any], creating: bool) -> dict[str, list[str]]:
    """Translate DreamFactory's fields in ``data`` into ours, in place; errors by field.

    Expects ``service`` lower-cased, ``verb`` upper-cased and ``cron`` with single
    spaces, as the resource leaves them.
    """
    errors: dict[str, list[str]] = {}
    for settle_one in (_settle_service, _settle_verb, _settle_schedule):
        problem = settle_one(task, data, creating)
        if problem is not None:
            errors[problem[0]] = [problem[1]]
    return errors


def _settle_service(
    task: SchedulerTask, data: dict[str, Any], creating: bool
) -> tuple[str, str] | None:
    service_id = data.pop("service_id", None)
    if service_id is None:
        return None
    info = system_cache.get_service_by_id(service_id)
    if info is None:
        return "service_id", "The selected service id is invalid."
    return _pick(data, "service", info.name, None if creating else task.service, "service_id")


def _settle_verb(
    task: SchedulerTask, data: dict[str, Any], creating: bool
) -> tuple[str, str] | None:
    mask = data.pop("verb_mask", None)
    if mask is None:
        return None
    verbs = names(mask, DATA_VERBS)
    if len(verbs) != 1 or bit(verbs[0]) != mask:
        choices = ", ".join(f"{v} ({bit(v)})" for v in TASK_VERBS)
        return "verb_mask", f"The verb mask must name one verb: {choices}."
    return _pick(data, "verb", verbs[0], None if creating else task.verb, "verb_mask")


def _pick(
    data: dict[str, Any], ours: str, value: Any, current: Any, theirs: str
) -> tuple[str, str] | None:
    """Our field takes DreamFactory's ``value`` unless it was sent changed, and differently."""
    sent = data.get(ours)
    if sent is None or sent == current:
        data[ours] = value
        return None
    if sent != value:
        return theirs, f"The {theirs.replace('_', ' ')} and the {ours} name different things."
    return None


def _settle_schedule(
    task: SchedulerTask, data: dict[str, Any], creating: bool
) -> tuple[str, str] | None:
    """Leave exactly one of ``cron`` and ``frequency`` holding the schedule."""
    old_cron = None if creating else task.cron
    old_frequency = None if creating else shown_frequency(task)
    cron = data["cron"] if "cron" in data else old_cron
    frequency = data.get("frequency")
    frequency_changed = frequency is not None and frequency != old_frequency
    if cron is not None and cron != old_cron:
        if frequency_changed and frequency_of(cron) != frequency:
            return "frequency", "A task runs by its cron or every frequency minutes: these differ."
        data["cron"], data["frequency"] = cron, None
    elif frequency_changed:
        data["cron"], data["frequency"] = None, frequency
    elif cron is None:
        stored = None if creating else task.frequency
        data["cron"], data["frequency"] = None, stored or old_frequency or DEFAULT_FREQUENCY
    else:
        data.pop("frequency", None)
    return None

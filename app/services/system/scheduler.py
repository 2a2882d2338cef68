"""``system/scheduler``: tasks run on a schedule, with their last runs (``task_log``).

A task is a five-field cron expression (``*/5 * * * *``), or DreamFactory's
``frequency`` in minutes, and either an API call (``verb`` on
``service``/``component`` with ``payload``) or a script (``script`` for the
engine ``script_type``), run by ``flask scheduler run``
(``app.queue.scheduler``) as a script requestor with the role ``role_id``.
A task without a role runs with the rights of the sys admin who saved it so
(``admin_id``), as DreamFactory's tasks run with full rights: only a sys
admin may save a task that has no role. ``related=task_log`` lists a task's
kept runs with their status code and answer; DreamFactory's fields and
relations (``service_id``, ``verb_mask``, ``has_log``,
``task_log_by_task_id``, ``service_by_service_id``) are in
``app.services.system.task_shape``.

Tasks of the schedule file (``DF_SCHEDULE_FILE``) are listed here too, named
``file:<name>`` with ``source`` ``file``; they are changed in the file, so
writing or deleting them here is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app import system_cache
from app.models import Record
from app.models.scheduler import SchedulerTask, TaskLog
from app.schemas.scheduler import FILE_PREFIX, SchedulerTaskSchema, valid_cron
from app.services.system import resource, task_shape
from app.services.system.records import ModelResource
from app.services.system.records.relations import HasMany
from app.vocabulary.errors import BadRequest, ValidationFailed

_engines: dict[str, Callable[[str], bool]] = {"exists": lambda name: False}
"""Whether a script engine of that name can run here: the dispatcher connects the answer
(``connect_engines``), as services import no scripting."""


def connect_engines(exists: Callable[[str], bool]) -> None:
    _engines["exists"] = exists


FILE_TASK = "Task '{name}' comes from the schedule file (DF_SCHEDULE_FILE); change it there."


@resource
class SchedulerResource(ModelResource):
    name = "scheduler"
    label = "Scheduler"
    description = "Tasks run on a schedule: API calls or scripts, each with a role or as an admin."
    model = SchedulerTask
    schema = SchedulerTaskSchema
    relations = {  # type: ignore[dict-item]
        "task_log": HasMany(TaskLog, "task_id"),
        "task_log_by_task_id": task_shape.NewestRun(),
        "service_by_service_id": task_shape.ServiceByName(),
    }

    @classmethod
    def columns(cls) -> dict[str, sa.ColumnElement]:
        return {**super().columns(), **task_shape.computed_columns()}

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        assert isinstance(record, SchedulerTask)
        if not creating and record.source == "file":
            raise BadRequest(FILE_TASK.format(name=record.name))
        errors: dict[str, list[str]] = {}
        name = data.get("name")
        if isinstance(name, str) and name.strip().lower().startswith(FILE_PREFIX):
            errors["name"] = [f"Names starting with '{FILE_PREFIX}' belong to the schedule file."]
        if "cron" in data:
            data["cron"] = " ".join((data["cron"] or "").split()) or None
        if data.get("verb") is not None:
            data["verb"] = data["verb"].upper()
        for key in ("service", "script_type"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip().lower() or None
        if "component" in data:
            data["component"] = (data["component"] or "").strip().lstrip("/")
        errors.update(task_shape.settle(record, data, creating))
        if data.get("cron") is not None and not valid_cron(data["cron"]):
            errors["cron"] = [
                "The cron field must be a five-field cron expression, e.g. '*/5 * * * *'."
            ]
        self._check_runner(record, data, creating, errors)
        self._check_target(record, data, errors)
        if errors:
            raise ValidationFailed(errors)
        super().apply(record, data, creating)
        if creating:
            record.source = "api"

    def _check_runner(
        self,
        record: SchedulerTask,
        data: dict[str, Any],
        creating: bool,
        errors: dict[str, list[str]],
    ) -> None:
        """A task saved without a role runs as the sys admin saving it; no one else may."""
        role_id = data["role_id"] if "role_id" in data else (None if creating else record.role_id)
        if role_id is not None:
            data["admin_id"] = None
            return
        actor = self.request.actor
        if actor is None or actor.user is None or not actor.is_sys_admin:
            errors["role_id"] = [
                "The role id field is required: only a sys admin may save a task without a "
                "role, which runs with admin rights."
            ]
            return
        data["role_id"], data["admin_id"] = None, actor.user.id

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        assert isinstance(record, SchedulerTask)
        stored = None if fields is None else [f for f in fields if f not in task_shape.COMPUTED]
        out = super().to_output(record, stored)
        for key, value in task_shape.shown(record).items():
            if key in out or (key in task_shape.COMPUTED and (fields is None or key in fields)):
                out[key] = value
        if fields is None or "has_log" in fields:
            out["has_log"] = False  # set for the whole page by ``outputs``
        return out

    def outputs(self, records: list[Record], write: bool) -> list[dict[str, Any]]:
        outs = super().outputs(records, write)
        logged = task_shape.with_logs([r.id for r in records if r.id is not None])
        for record, out in zip(records, outs, strict=True):
            if "has_log" in out:
                out["has_log"] = record.id in logged
        return outs

    def _check_target(
        self, record: SchedulerTask, data: dict[str, Any], errors: dict[str, list[str]]
    ) -> None:
        """A task calls one existing service or runs one script of a known type."""
        service = data["service"] if "service" in data else record.service
        script_type = data["script_type"] if "script_type" in data else record.script_type
        script = data["script"] if "script" in data else record.script
        if service and script_type:
            errors["script_type"] = ["A task calls a service or runs a script, not both."]
        elif not service and not script_type:
            errors["service"] = ["A task needs a service to call (or a script_type and script)."]
        elif service and system_cache.get_service_info(service) is None:
            errors["service"] = [f"There is no service named '{service}'."]
        elif script_type:
            if not _engines["exists"](script_type):
                errors["script_type"] = [f"There is no script engine '{script_type}'."]
            elif not (script or "").strip():
                errors["script"] = ["The script field is required with a script type."]

    def before_delete(self, record: Record) -> None:
        assert isinstance(record, SchedulerTask)
        if record.source == "file":
            raise BadRequest(FILE_TASK.format(name=record.name))

    def force_delete_scope(self, query: sa.Select) -> sa.Select:
        return query.where(SchedulerTask.source != "file")

"""``system/scheduler``: tasks run on a cron schedule, with their last runs (``task_log``).

A task is a five-field cron expression (``*/5 * * * *``) and either an API
call (``verb`` on ``service``/``component`` with ``payload``) or a script
(``script`` for the engine ``script_type``), run as a script requestor with
the role ``role_id`` by ``flask scheduler run`` (``app.queue.scheduler``).
``related=task_log`` (or DreamFactory's ``task_log_by_task_id``) lists a
task's kept runs with their status code and answer.

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
from app.services.system import resource
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
    description = "Tasks run on a cron schedule: API calls or scripts, each with a role."
    model = SchedulerTask
    schema = SchedulerTaskSchema
    relations = {
        "task_log": HasMany(TaskLog, "task_id"),
        "task_log_by_task_id": HasMany(TaskLog, "task_id"),
    }

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        assert isinstance(record, SchedulerTask)
        if not creating and record.source == "file":
            raise BadRequest(FILE_TASK.format(name=record.name))
        errors: dict[str, list[str]] = {}
        name = data.get("name")
        if isinstance(name, str) and name.strip().lower().startswith(FILE_PREFIX):
            errors["name"] = [f"Names starting with '{FILE_PREFIX}' belong to the schedule file."]
        if data.get("cron") is not None:
            data["cron"] = " ".join(data["cron"].split())
            if not valid_cron(data["cron"]):
                errors["cron"] = [
                    "The cron field must be a five-field cron expression, e.g. '*/5 * * * *'."
                ]
        if data.get("verb") is not None:
            data["verb"] = data["verb"].upper()
        if "role_id" in data and data["role_id"] is None:
            errors["role_id"] = ["The role id field is required: a task runs with a role."]
        for key in ("service", "script_type"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip().lower() or None
        if "component" in data:
            data["component"] = (data["component"] or "").strip().lstrip("/")
        self._check_target(record, data, errors)
        if errors:
            raise ValidationFailed(errors)
        super().apply(record, data, creating)
        if creating:
            record.source = "api"

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

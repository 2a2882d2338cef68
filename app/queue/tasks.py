"""Running one scheduled task, as a script requestor with the task's role, and logging it.

An API task is a ``ServiceRequest`` (requestor ``SCRIPT``, an actor holding
only the task's role) that goes through ``access.calls.check_call`` and
``app.dispatch.call``, so the role's script-requestor rows decide what
it may reach and the service's own events fire. A task without a role runs
as the sys admin who saved it so (``admin_id``), with admin rights as
DreamFactory's tasks have, as long as that user is still an active sys admin;
a task whose role or admin was deleted runs with neither, so access control
refuses its call. A script task runs through the script engines like an
event script, with the same ``platform.api``. A ``payload`` saved as JSON
text (as DreamFactory's console sends it) is sent as the JSON it holds.

The run's row in ``task_log`` (claimed by the scheduler for this task and
minute) goes ``queued`` → ``running`` → ``succeeded`` or ``failed`` with the
status code and the answer (or error) cut to ``CONTENT_CHARS``. A status of
400 or more counts as a failure, so the job is retried per the queue's tries
and ends in ``flask queue failed``.
"""

from __future__ import annotations

import logging
import urllib.parse
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa
from flask import current_app

from app import dispatch, system_cache
from app.access.actor import Actor
from app.extensions import db
from app.models.scheduler import SchedulerTask, TaskLog, utcnow
from app.responses import dumps
from app.scripting import runner
from app.scripting.scripts import ScriptInfo
from app.vocabulary.calls import Requestor, ServiceRequest
from app.vocabulary.errors import ApiError, error_body

logger = logging.getLogger(__name__)

CONTENT_CHARS = 4000
"""Characters of a run's answer kept in its log row."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None
    message: str


def run_task(task_id: int, tick: int, log_id: int | None = None) -> Outcome:
    """Run the task for ``tick`` and record the outcome in its log row."""
    task = db.session.get(SchedulerTask, task_id)
    if task is None:
        logger.info("job=task task_id=%s tick=%s state=skipped reason=deleted", task_id, tick)
        return Outcome(True, None, "The task no longer exists.")
    log = _log_row(task, tick, log_id)
    log.status = "running"
    log.attempts = (log.attempts or 0) + 1
    log.started_date = utcnow()
    db.session.commit()
    name = task.name
    try:
        if task.script_type:
            status, content = _run_script(task)
        else:
            status, content = _run_call(task)
    except Exception as exc:  # a fault outside the API's errors: record it, then fail the job
        db.session.rollback()
        logger.exception("job=task task=%s tick=%s state=crashed", name, tick)
        status, content = 500, f"{type(exc).__name__}: {exc}"
    ok = status < 400
    log = db.session.get(TaskLog, log.id) or log
    log.status = "succeeded" if ok else "failed"
    log.status_code = status
    log.content = content[:CONTENT_CHARS]
    log.finished_date = utcnow()
    db.session.commit()
    logger.info("job=task task=%s tick=%s state=%s status=%s", name, tick, log.status, status)
    return Outcome(ok, status, f"{status} {content[:300]}")


def _log_row(task: SchedulerTask, tick: int, log_id: int | None) -> TaskLog:
    log = db.session.get(TaskLog, log_id) if log_id else None
    if log is None:
        log = db.session.scalar(
            sa.select(TaskLog).where(TaskLog.task_id == task.id, TaskLog.tick == tick)
        )
    if log is None:
        log = TaskLog(task_id=task.id, tick=tick, status="queued", attempts=0)
        db.session.add(log)
        db.session.flush()
    return log


def task_actor(task: SchedulerTask):
    """The task's caller, as a script requestor: its role alone, else its sys admin."""
    if task.role_id is None and task.admin_id is not None:
        admin = system_cache.get_user(task.admin_id)
        if admin is not None and admin.is_active and admin.is_sys_admin:
            return Actor(user=admin, requestor=Requestor.SCRIPT)
    role = system_cache.get_role(task.role_id) if task.role_id else None
    return Actor(role=role, requestor=Requestor.SCRIPT)


def task_payload(task: SchedulerTask) -> tuple[Any, bytes]:
    """The payload to send and its bytes; JSON text (DreamFactory's form) is parsed."""
    payload = task.payload
    if isinstance(payload, str):
        if not payload.strip():
            return None, b""
        try:
            return orjson.loads(payload), payload.encode()
        except orjson.JSONDecodeError:
            return None, payload.encode()
    return payload, dumps(payload) if payload is not None else b""


def _run_call(task: SchedulerTask) -> tuple[int, str]:
    component, _, query = (task.component or "").partition("?")
    params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    payload, content = task_payload(task)
    request = ServiceRequest.internal(
        task.verb or "GET",
        task.service or "",
        component,
        params=params,
        payload=payload,
        content=content,
        actor=task_actor(task),
        prefix=current_app.config.get("API_ROUTE_PREFIX", "api"),
    )
    try:
        if not request.service:
            raise ApiError("The task names no service.", status=400)
        response = dispatch.call_internal(request)
    except ApiError as exc:
        db.session.rollback()
        return exc.status, orjson.dumps(error_body(exc)).decode()
    return response.status, _summary(response.content, response.content_type)


def _summary(content: Any, content_type: str | None) -> str:
    if content is None:
        return ""
    if isinstance(content, bytes | bytearray):
        return f"<{len(content)} bytes of {content_type or 'application/octet-stream'}>"
    if isinstance(content, dict | list | str | int | float | bool):
        text = dumps(content)
        return text[: CONTENT_CHARS * 4].decode("utf-8", "replace")
    close = getattr(content, "close", None)
    if callable(close):
        close()
    return f"<streamed {content_type or 'content'}>"


def _run_script(task: SchedulerTask) -> tuple[int, str]:
    name = f"task.{task.name}"
    script = ScriptInfo(name=name, type=task.script_type or "", content=task.script or "")
    request = ServiceRequest.internal("POST", "", actor=task_actor(task))
    event = {
        "request": request.to_event(),
        "resource": "",
        "task": {"id": task.id, "name": task.name},
    }
    try:
        result = runner.run_script(script, name, event, request)
    except ApiError as exc:
        return exc.status, orjson.dumps(error_body(exc)).decode()
    if result.error is not None:
        error = runner.script_error(result.error)
        return error.status, orjson.dumps(error_body(error)).decode()
    output = "\n".join(str(line) for line in result.output)
    value = dumps(result.value).decode("utf-8", "replace") if result.value is not None else ""
    return 200, (value + ("\n" + output if output else "")).strip()

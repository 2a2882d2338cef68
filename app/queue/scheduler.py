"""The scheduler: each minute, every due task is claimed once and handed to the queue.

``run_tick(tick)`` handles one minute (``tick``: Unix seconds at its start):

1. the schedule file (``DF_SCHEDULE_FILE``) is read and its tasks written to
   ``scheduler_task`` as ``file:<name>`` rows (only what changed; rows of
   lines that are gone are deleted), so both kinds of task are listed, run
   and logged alike;
2. each active task due in the minute is claimed (``task_due``: its cron
   expression matches the minute in ``DF_SCHEDULER_TIMEZONE``; a task of
   DreamFactory's shape runs every ``frequency`` minutes, by the cron
   expression that amounts to when there is one, as DreamFactory's
   ``*/N * * * *``, else when the minutes since the Unix epoch are a
   multiple of it): a Redis ``SET NX`` on
   ``<prefix>sched:<task id>:<tick>``, then its ``task_log`` row, unique per
   task and minute. Two schedulers seeing the same minute therefore claim
   each run exactly once (either guard alone would do; the row also holds
   without Redis);
3. the claimed run is enqueued (``app.queue.jobs.run_task_job``) on the
   default queue, or, without Redis, run right here, one task after another.

``run_forever`` calls it at the start of every minute, catching up on at most
``MAX_CATCH_UP`` minutes missed while it was busy or stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

import redis
import sqlalchemy as sa
from croniter import croniter
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.enqueue import connections, options, producer
from app.extensions import db
from app.models.role import Role
from app.models.scheduler import SchedulerTask, TaskLog
from app.queue import schedule_file
from app.queue import tasks as task_runner
from app.schemas.scheduler import DEFAULT_FREQUENCY, cron_of
from app.vocabulary.errors import ApiError

logger = logging.getLogger(__name__)

TICK = 60
"""Seconds per scheduler tick: cron's resolution is the minute."""

MAX_CATCH_UP = 5
"""Missed minutes a scheduler runs late (after a pause) before it skips older ones."""

LOCK_TTL = 24 * 3600
"""Seconds a claim on a task's minute is kept in Redis."""


@dataclass(frozen=True)
class Claimed:
    task: str
    tick: int
    state: str
    """``queued`` (a job was enqueued), ``ran`` (run inline) or ``taken`` (by another)."""
    job_id: str | None = None


def minute_of(timestamp: float) -> int:
    return int(timestamp // TICK * TICK)


def timezone() -> dt.tzinfo:
    name = str(current_app.config.get("SCHEDULER_TIMEZONE") or "UTC")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise RuntimeError(f"DF_SCHEDULER_TIMEZONE: unknown time zone '{name}'") from None


def is_due(cron: str, tick: int, tz: dt.tzinfo) -> bool:
    when = dt.datetime.fromtimestamp(tick, tz)
    try:
        return bool(croniter.match(cron, when))
    except (ValueError, KeyError):
        return False


def next_run(cron: str, after: int, tz: dt.tzinfo) -> dt.datetime | None:
    try:
        return croniter(cron, dt.datetime.fromtimestamp(after, tz)).get_next(dt.datetime)
    except (ValueError, KeyError):
        return None


def _schedule(task: SchedulerTask) -> tuple[str | None, int]:
    """The task's cron expression (or that of its frequency), and its frequency."""
    frequency = task.frequency or DEFAULT_FREQUENCY
    return task.cron or cron_of(frequency), frequency


def task_due(task: SchedulerTask, tick: int, tz: dt.tzinfo) -> bool:
    cron, frequency = _schedule(task)
    if cron is not None:
        return is_due(cron, tick, tz)
    return (tick // TICK) % frequency == 0


def task_next_run(task: SchedulerTask, after: int, tz: dt.tzinfo) -> dt.datetime | None:
    cron, frequency = _schedule(task)
    if cron is not None:
        return next_run(cron, after, tz)
    minutes = after // TICK // frequency * frequency + frequency
    return dt.datetime.fromtimestamp(minutes * TICK, tz)


# -- the schedule file -------------------------------------------------------------------------


def sync_file() -> list[str]:
    """Write the schedule file's tasks into the store; the lines that were skipped."""
    path = current_app.config.get("SCHEDULE_FILE")
    if not path:
        return []
    tasks, errors = schedule_file.read(str(path))
    problems = [str(e) for e in errors]
    if errors and errors[0].line == 0:  # the file is unreadable: leave its tasks as they were
        for problem in problems:
            logger.error("scheduler file=%s %s", path, problem)
        return problems
    roles = _role_ids({t.role for t in tasks})
    wanted: dict[str, dict] = {}
    for task in tasks:
        role_id = roles.get(task.role)
        if role_id is None:
            problems.append(f"line {task.line}: no role '{task.role}'")
            continue
        wanted[task.name] = {
            "cron": task.cron,
            "service": task.service,
            "component": task.component,
            "verb": task.verb,
            "payload": task.payload,
            "script_type": task.script_type,
            "script": task.script,
            "role_id": role_id,
            "is_active": True,
        }
    for attempt in range(2):
        try:
            _write_file_tasks(wanted)
            break
        except IntegrityError:  # another scheduler wrote the same new row first
            db.session.rollback()
            if attempt:
                raise
    for problem in problems:
        logger.error("scheduler file=%s %s", path, problem)
    return problems


def _role_ids(names: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in names:
        if name.isdigit():
            role_id = db.session.scalar(sa.select(Role.id).where(Role.id == int(name)))
        else:
            role_id = db.session.scalar(sa.select(Role.id).where(Role.name == name))
        if role_id is not None:
            found[name] = role_id
    return found


def _write_file_tasks(wanted: dict[str, dict]) -> None:
    rows = db.session.scalars(sa.select(SchedulerTask).where(SchedulerTask.source == "file")).all()
    existing = {row.name: row for row in rows}
    for name, fields in wanted.items():
        row = existing.get(name)
        if row is None:
            db.session.add(SchedulerTask(name=name, source="file", **fields))
            continue
        for key, value in fields.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
    for name, row in existing.items():
        if name not in wanted:
            db.session.delete(row)
    db.session.commit()


# -- claiming and running --------------------------------------------------------------------


def _claim_in_redis(task_id: int, tick: int) -> bool | None:
    """True: claimed; False: another scheduler has it; None: no Redis to ask."""
    if not connections.get_connections().available:
        return None
    client = connections.get_connection()
    prefix = current_app.config.get("REDIS_PREFIX", "df:")
    owner = f"{socket.gethostname()}:{os.getpid()}"
    try:
        return bool(client.set(f"{prefix}sched:{task_id}:{tick}", owner, nx=True, ex=LOCK_TTL))
    except redis.RedisError as exc:
        logger.error("scheduler tick=%s task_id=%s state=redis_error error=%s", tick, task_id, exc)
        raise


def _claim_row(task_id: int, tick: int) -> TaskLog | None:
    log = TaskLog(task_id=task_id, tick=tick, status="queued", attempts=0)
    db.session.add(log)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    prune_logs(task_id)
    return log


def prune_logs(task_id: int) -> None:
    """Keep the newest ``DF_SCHEDULER_LOG_KEEP`` runs of a task."""
    keep = max(1, int(current_app.config.get("SCHEDULER_LOG_KEEP", 100)))
    cutoff = db.session.scalar(
        sa.select(TaskLog.id)
        .where(TaskLog.task_id == task_id)
        .order_by(TaskLog.id.desc())
        .offset(keep - 1)
        .limit(1)
    )
    if cutoff is not None:
        db.session.execute(
            sa.delete(TaskLog).where(TaskLog.task_id == task_id, TaskLog.id < cutoff)
        )
        db.session.commit()


def run_tick(tick: int, inline: bool | None = None) -> list[Claimed]:
    """Claim and start every task due in the minute ``tick`` (see the module docstring).

    ``inline`` None means: run tasks here only when Redis is not configured.
    """
    tick = minute_of(tick)
    sync_file()
    tz = timezone()
    due = [
        (row.id, row.name)
        for row in db.session.scalars(
            sa.select(SchedulerTask)
            .where(SchedulerTask.is_active.is_(True))
            .order_by(SchedulerTask.id)
        ).all()
        if task_due(row, tick, tz)
    ]
    db.session.commit()
    if inline is None:
        inline = not connections.get_connections().available
    claimed: list[Claimed] = []
    for task_id, name in due:
        if _claim_in_redis(task_id, tick) is False:
            claimed.append(Claimed(name, tick, "taken"))
            continue
        log = _claim_row(task_id, tick)
        if log is None:
            claimed.append(Claimed(name, tick, "taken"))
            continue
        if inline:
            task_runner.run_task(task_id, tick, log.id)
            claimed.append(Claimed(name, tick, "ran"))
            continue
        claimed.append(_enqueue(task_id, name, tick, log))
    logger.info(
        "scheduler tick=%s due=%d claimed=%d",
        tick,
        len(due),
        sum(c.state != "taken" for c in claimed),
    )
    return claimed


def _enqueue(task_id: int, name: str, tick: int, log: TaskLog) -> Claimed:
    opts = options.parse({}, current_app.config)
    try:
        job_id = producer.enqueue(
            producer.TASK_JOB,
            {"task_id": task_id, "tick": tick, "log_id": log.id},
            opts,
            description=f"task.{name}",
            job_id=f"task-{task_id}-{tick}",
        )
    except ApiError as exc:
        log.status, log.status_code, log.content = "failed", exc.status, exc.message
        db.session.commit()
        logger.error("scheduler task=%s tick=%s state=not_queued error=%s", name, tick, exc.message)
        return Claimed(name, tick, "failed")
    log.job_id = job_id
    db.session.commit()
    return Claimed(name, tick, "queued", job_id)


def run_forever(should_stop: Callable[[], bool], clock: Callable[[], float] = time.time) -> None:
    """Run ``run_tick`` at the start of every minute until ``should_stop()``."""
    last: int | None = None
    while not should_stop():
        now = minute_of(clock())
        start = now if last is None else last + TICK
        if now - start > (MAX_CATCH_UP - 1) * TICK:
            logger.warning(
                "scheduler state=behind skipped_minutes=%d",
                (now - start) // TICK - MAX_CATCH_UP + 1,
            )
            start = now - (MAX_CATCH_UP - 1) * TICK
        for tick in range(start, now + TICK, TICK):
            try:
                run_tick(tick)
            except Exception:  # keep ticking: the next minute may find the store or Redis back
                db.session.rollback()
                logger.exception("scheduler tick=%s state=error", tick)
            finally:
                db.session.remove()
        last = now
        while not should_stop() and minute_of(clock()) == now:
            time.sleep(min(1.0, max(0.05, now + TICK - clock())))

"""Scheduled tasks (``system/scheduler`` and ``DF_SCHEDULE_FILE``) and the log of their runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record, utcnow

TASK_SOURCES = ("api", "file")
"""Where a task is defined: through ``system/scheduler``, or in the schedule file."""

RUN_STATES = ("queued", "running", "succeeded", "failed")


class SchedulerTask(Record):
    """One task: when it runs and the API call (or script) it makes.

    It runs on the five-field cron expression ``cron`` or, when that is null,
    every ``frequency`` minutes (DreamFactory's shape). An API call is
    ``verb`` on ``service``/``component`` with ``payload``; a script is
    ``script`` of engine ``script_type``. Either runs as a script requestor
    with the role ``role_id``, or, with no role, with the rights of the sys
    admin ``admin_id`` who saved it so (DreamFactory's tasks run with full
    rights: admins create them).
    """

    __tablename__ = "scheduler_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    cron: Mapped[str | None] = mapped_column(sa.String(100))
    frequency: Mapped[int | None] = mapped_column(sa.Integer)
    """Minutes between runs when there is no ``cron``."""
    service: Mapped[str | None] = mapped_column(sa.String(40))
    """The service's name (a task outlives a renamed service and then reports it missing)."""
    component: Mapped[str] = mapped_column(sa.String(255), default="")
    verb: Mapped[str] = mapped_column(sa.String(10), default="GET")
    payload: Mapped[Any | None] = mapped_column(sa.JSON)
    script_type: Mapped[str | None] = mapped_column(sa.String(40))
    script: Mapped[str | None] = mapped_column(sa.Text)
    role_id: Mapped[int | None] = mapped_column(sa.ForeignKey("role.id", ondelete="SET NULL"))
    admin_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    """The sys admin a task without a role runs as. Null with a null ``role_id`` (its
    role or its admin deleted): the task is refused when it runs, never run with more."""
    source: Mapped[str] = mapped_column(sa.String(10), default="api")


class TaskLog(Record):
    """One run of a task for one minute (``tick``): claimed once, then its outcome.

    The unique (task, tick) pair is what makes a run happen once even when
    two schedulers see the same minute.
    """

    __tablename__ = "task_log"
    __table_args__ = (sa.UniqueConstraint("task_id", "tick"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("scheduler_task.id", ondelete="CASCADE"))
    """Indexed by the unique (task_id, tick) pair, which starts with it."""
    tick: Mapped[int] = mapped_column(sa.BigInteger)
    """Unix seconds of the minute the run is for."""
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    content: Mapped[str | None] = mapped_column(sa.Text)
    """The call's answer or the error, cut to a few kilobytes."""
    job_id: Mapped[str | None] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    started_date: Mapped[dt.datetime | None] = mapped_column()
    finished_date: Mapped[dt.datetime | None] = mapped_column()


__all__ = ["RUN_STATES", "TASK_SOURCES", "SchedulerTask", "TaskLog", "utcnow"]

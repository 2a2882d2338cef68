"""The functions RQ workers run: queued scripts and scheduled tasks.

Each job gets plain values (a job dict from ``app.scripting.queueing``, or a
task id and its tick), opens an app context of the worker's app and releases
the system store's session when it ends. The app is built once per worker
process with the same factory as the web servers (``create_app``, reading the
same ``DF_*`` environment), on the first job, so a worker that only waits
holds no database connection. ``AppWorker`` runs jobs in that process (no
fork per job), which keeps the app and the script engines' warm workers
across jobs; a plain forking ``rq worker`` works too, building the app in
each job's child.

A job fails by raising: a script that ends with an exception (or times out)
raises ``JobFailed`` with the script's status and message, which RQ records
and shows in ``flask queue failed`` after the last attempt.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rq import get_current_job
from sqlalchemy.engine import make_url

from app.dispatch import queued
from app.extensions import db
from app.factory import create_app
from app.queue import tasks
from app.scripting import runner
from app.vocabulary.errors import ApiError

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)

_app: Flask | None = None
_lock = threading.Lock()


class JobFailed(Exception):
    """A queued script or task ended with an error; the message is what an admin sees."""


def use_app(app: Flask | None) -> None:
    """Run this process's jobs in ``app`` (a worker built around an existing app)."""
    global _app
    _app = app


def worker_app() -> Flask:
    """This process's app, built on first use from the ``DF_*`` environment."""
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                _app = create_app()
                logger.info("worker app built store=%s", _store_name(_app))
    return _app


def _store_name(app: Flask) -> str:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)


@contextlib.contextmanager
def job_context() -> Iterator[Flask]:
    """An app context for one job; the store's session is released afterwards."""
    app = worker_app()
    with app.app_context():
        try:
            yield app
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


@contextlib.contextmanager
def script_time_limit() -> Iterator[None]:
    """Give the job's scripts its ``timeout`` instead of the synchronous ``SCRIPT_TIMEOUT``
    (for this job's context only: the app's config is left alone)."""
    job = get_current_job()
    seconds = (job.meta or {}).get("df_timeout") if job is not None else None
    with runner.time_limit(seconds):
        yield


def run_script_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one queued event script or queued scripted-service call."""
    name = _job_name(job)
    started = time.perf_counter()
    with job_context(), script_time_limit():
        try:
            queued.run_queued(job)
        except ApiError as exc:
            logger.warning("job=script script=%s state=failed status=%s", name, exc.status)
            raise JobFailed(f"{exc.status} {exc.message}") from None
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    logger.info("job=script script=%s state=done ms=%s", name, elapsed)
    return {"script": name, "ms": elapsed}


def run_task_job(task_id: int, tick: int, log_id: int | None = None) -> dict[str, Any]:
    """Run one scheduled task for the minute ``tick`` (Unix seconds)."""
    with job_context(), script_time_limit():
        outcome = tasks.run_task(task_id, tick, log_id)
    if not outcome.ok:
        raise JobFailed(outcome.message)
    return {"task_id": task_id, "tick": tick, "status": outcome.status}


def _job_name(job: dict[str, Any]) -> str:
    if job.get("kind") == "service":
        return f"service.{job.get('service')}"
    return str(job.get("script") or "?")

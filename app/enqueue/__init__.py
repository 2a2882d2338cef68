"""Putting work on the job queue (RQ on Redis), as the web servers do it.

- ``connections``: Redis clients by name (``DF_REDIS_URL``, ``DF_QUEUE_CONNECTIONS``);
- ``options``: a queued script's ``queue``/``connection``/``delay``/``tries``/``timeout``;
- ``signing``: the signature a worker checks on every job;
- ``producer``: enqueueing jobs of plain values; ``ScriptQueue`` for the scripting side.

This side sits low (it needs only the vocabulary and Redis): schemas check queue
options with it, scripting hands it jobs through ``SCRIPT_QUEUE_KEY``. What runs
the jobs (workers, the scheduler, their commands) is an entry point: ``app.queue``.

Without Redis the app runs as before; queued scripts answer 503 saying how
to configure the queue (``NO_QUEUE``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app

from app.enqueue import connections
from app.enqueue.producer import ScriptQueue
from app.vocabulary.errors import ServiceUnavailable

if TYPE_CHECKING:
    from flask import Flask

SCRIPT_QUEUE_KEY = "df_script_queue"
"""Where the queue for scripts lives in ``app.extensions`` when Redis is configured
(an object with ``check()`` and ``enqueue(job, config)``: ``producer.ScriptQueue``)."""

NO_QUEUE = (
    "Queued scripts need a job queue on Redis, which is not configured for this instance: "
    "set DF_REDIS_URL (e.g. redis://127.0.0.1:6379/0) on every app server and worker, "
    "and run a worker with `flask queue work`."
)


def init_app(app: Flask) -> None:
    """Read the connections; offer the queue to scripts when Redis is configured."""
    registry = connections.init_app(app)
    if registry.available:
        app.extensions[SCRIPT_QUEUE_KEY] = ScriptQueue()


def get_queue() -> Any | None:
    """The queue scripts hand jobs to; None without Redis."""
    return current_app.extensions.get(SCRIPT_QUEUE_KEY)


def require_available() -> None:
    """503 with the how-to when no queue takes scripts here (no Redis configured)."""
    if get_queue() is None:
        raise ServiceUnavailable(NO_QUEUE)


def status() -> dict[str, Any]:
    """The queue as ``system/environment`` reports it."""
    registry = connections.get_connections()
    if not registry.available:
        return {"available": False, "connections": [], "message": connections.NO_REDIS}
    return {"available": True, "connections": registry.names(), "message": None}

"""The job queue (RQ on Redis): queued scripts, scheduled tasks, workers and their commands.

- ``connections``: Redis clients by name (``DF_REDIS_URL``, ``DF_QUEUE_CONNECTIONS``);
- ``options``: a queued script's ``queue``/``connection``/``delay``/``tries``/``timeout``;
- ``producer``: enqueueing jobs of plain values; ``ScriptQueue`` for the scripting side;
- ``jobs``: what workers run, in an app built once per worker process;
- ``worker``: ``AppWorker``, RQ's in-process worker for this app;
- ``failed``: listing, retrying and deleting failed jobs;
- ``schedule_file``, ``scheduler``, ``tasks``: cron tasks from ``DF_SCHEDULE_FILE``
  and ``system/scheduler``, claimed once per minute and run with a role;
- ``cli``: ``flask queue ...`` and ``flask scheduler run``.

Without Redis the app runs as before; queued scripts answer 503 saying how
to configure the queue, and ``flask scheduler run`` runs due tasks itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

SCRIPT_QUEUE_KEY = "df_script_queue"
"""Where ``app.scripting.queueing`` looks for the queue (``enqueue(job)``)."""


def init_app(app: Flask) -> None:
    """Read the connections; offer the queue to scripts when Redis is configured."""
    from app.queue import connections
    from app.queue.producer import ScriptQueue

    registry = connections.init_app(app)
    if registry.available:
        app.extensions[SCRIPT_QUEUE_KEY] = ScriptQueue()


def status() -> dict[str, Any]:
    """The queue as ``system/environment`` reports it."""
    from app.queue import connections

    registry = connections.get_connections()
    if not registry.available:
        return {"available": False, "connections": [], "message": connections.NO_REDIS}
    return {"available": True, "connections": registry.names(), "message": None}

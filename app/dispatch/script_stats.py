"""``system/script_stats``: how often each script ran, failed, and how long it took.

``GET system/script_stats`` lists every script that ran (event scripts by
event name, scripted services as ``service.<name>``) with ``runs``,
``errors``, ``total_ms``, ``avg_ms``, ``last_run_at`` and ``last_error``,
totalled over every process and server sharing the store (or Redis);
``GET system/script_stats/{name}`` one script; ``DELETE`` (all, or
``/{name}``) starts counting again. See ``app.scripting.stats``.
"""

from __future__ import annotations

from typing import Any

from app.scripting import stats
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import NotFound


@resource
class ScriptStatsResource(Resource):
    name = "script_stats"
    label = "Script Statistics"
    description = "Run counts, errors and time of each script."

    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        name = "/".join(rest) or None
        rows = stats.get_recorder().totals(name)
        if name is not None:
            if not rows:
                raise NotFound(f"No statistics for script '{name}'.")
            return rows[0]
        return {"resource": rows}

    def delete(self, request: ServiceRequest, rest: list[str]) -> Any:
        stats.get_recorder().reset("/".join(rest) or None)
        return {"success": True}

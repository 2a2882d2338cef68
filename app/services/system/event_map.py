"""``system/event``: the events each service fires, from the services' own descriptions.

``GET system/event`` answers DreamFactory's map ``{service: {path: {"type":
"api", "endpoints": [...], "parameter": {...} | null}}}`` for every service
the caller's role reaches (``BaseService.event_map``). Options:

- ``service=a,b``: only those services;
- ``services_only=true``: ``{"resource": [service names]}``, sorted;
- ``scriptable=true``: each endpoint is followed by its ``.pre_process``,
  ``.post_process`` and ``.queued`` events (the names scripts are saved under);
- ``as_list=true``: ``{"resource": [every event name]}``.

Keys are answered verbatim (the admin UI relies on it). A service that cannot
describe itself (a misconfigured type) is left out and logged.
"""

from __future__ import annotations

import logging
from typing import Any

from app import system_cache
from app.access.authz import can_see_service
from app.services import build_service, event_paths
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import ApiError
from app.vocabulary.flags import to_bool

logger = logging.getLogger(__name__)

STAGES = ("pre_process", "post_process")


@resource
class EventResource(Resource):
    name = "event"
    label = "Event"
    description = "The events each service fires, for event scripts."
    read_only = True

    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        actor = request.actor
        wanted = {n.strip().lower() for n in str(request.param("service") or "").split(",")}
        wanted.discard("")
        infos = [
            info
            for info in system_cache.all_services()
            if info.is_active
            and (not wanted or info.name.lower() in wanted)
            and (actor is None or can_see_service(actor, info.name))
        ]
        if to_bool(request.param("services_only")):
            return {"resource": sorted(info.name for info in infos)}
        scriptable = to_bool(request.param("scriptable"))
        events: dict[str, Any] = {}
        for info in sorted(infos, key=lambda i: i.name):
            try:
                paths = event_paths.map_for(build_service(info))
            except ApiError as exc:
                logger.info("no event map for service %s: %s", info.name, exc.message)
                continue
            if scriptable:
                paths = {path: with_stages(item) for path, item in paths.items()}
            events[info.name] = paths
        if to_bool(request.param("as_list")):
            names: list[str] = []
            for paths in events.values():
                for item in paths.values():
                    names.extend(item["endpoints"])
            return {"resource": list(dict.fromkeys(names))}
        return events


def with_stages(item: dict[str, Any]) -> dict[str, Any]:
    """An event-map entry whose endpoints include the names scripts are saved under."""
    endpoints = []
    for endpoint in item["endpoints"]:
        endpoints.append(endpoint)
        if item.get("type") == "api":
            endpoints.extend(f"{endpoint}.{stage}" for stage in STAGES)
        endpoints.append(f"{endpoint}.queued")
    return {**item, "endpoints": endpoints}

"""``system/cache``: flush every cache, or one service's."""

from __future__ import annotations

from typing import Any

from app import system_cache
from app.cache import ALL, bump_now, get_cache
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import NotFound


@resource
class CacheResource(Resource):
    name = "cache"
    label = "Cache"
    description = "Flush cached system records and per-service caches."

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return {
            "resource": [{"name": s.name, "label": s.label} for s in system_cache.all_services()]
        }

    def delete(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        if not rest:
            bump_now(ALL)
            get_cache().clear()
            return {"success": True}
        if rest[0] == "_event":
            bump_now("event_script")
            return {"success": True}
        info = system_cache.get_service_info(rest[0])
        if info is None:
            raise NotFound(f"Could not find a service for {rest[0]}")
        bump_now(f"service:{info.id}")
        return {"success": True}

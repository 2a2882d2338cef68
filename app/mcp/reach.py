"""What one caller reaches, for cutting the tools and resources to their role.

Services are those the caller sees (``authz.can_see_service``), active, of a
family a tool works on (databases, file services, any for ``call_endpoint``).
A database's tables are those of its data model for the caller
(``_spec?model=true``: the tables reached through ``_table``), kept per verb
with ``authz.can``, so a table the role cannot write is not offered to the
write tools. Listing decides nothing: every call is checked again when made.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Any

from app import dispatch, system_cache
from app.access import authz
from app.services import SERVICE_TYPES
from app.services.files.service import LocalFileService
from app.services.sql.service import SqlService
from app.vocabulary.calls import Requestor, ServiceRequest
from app.vocabulary.errors import ApiError

if TYPE_CHECKING:
    from app.access.actor import Actor
    from app.services.base import BaseService

logger = logging.getLogger(__name__)


def data_model(actor: Actor, service: str) -> dict[str, Any]:
    """The database's model as ``_spec?model=true`` answers it to this caller: only the
    tables they reach are in it, so it needs no access check of its own."""
    request = ServiceRequest.internal(
        "GET", service, "_spec", params={"model": "true"}, actor=actor, requestor=Requestor.API
    )
    return dispatch.call(request).content


class Reach:
    """The services and tables one caller may try, worked out once per message."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self._models: dict[str, dict[str, Any]] = {}

    @cached_property
    def services(self) -> list[system_cache.ServiceInfo]:
        return [
            info
            for info in system_cache.all_services()
            if info.is_active and authz.can_see_service(self.actor, info.name)
        ]

    def of_kind(self, kind: type[BaseService]) -> list[str]:
        return [
            info.name
            for info in self.services
            if issubclass(SERVICE_TYPES.get(info.type, object), kind)  # type: ignore[arg-type]
        ]

    @cached_property
    def databases(self) -> list[str]:
        return self.of_kind(SqlService)

    @cached_property
    def file_services(self) -> list[str]:
        return self.of_kind(LocalFileService)

    def model(self, service: str) -> dict[str, Any]:
        """The database's model for the caller; empty (with a log line) when it cannot be read
        now (a database down), so one broken service does not hide the others' tools."""
        if service not in self._models:
            try:
                self._models[service] = data_model(self.actor, service)
            except ApiError as exc:
                logger.warning("mcp service=%s model unreadable: %s", service, exc.message)
                self._models[service] = {}
        return self._models[service]

    def tables(self, service: str, verb: str = "GET") -> list[str]:
        """The tables of ``service`` whose records the caller may ``verb``."""
        names = self.model(service).get("tables", {})
        return [name for name in names if authz.can(self.actor, verb, service, f"_table/{name}")]

    def table_services(self, verb: str) -> dict[str, list[str]]:
        """Database → its tables the caller may ``verb`` (databases with none left out)."""
        found = {service: self.tables(service, verb) for service in self.databases}
        return {service: names for service, names in found.items() if names}

    def services_for(self, verb: str, prefix: str, services: list[str]) -> list[str]:
        return [s for s in services if authz.can_reach(self.actor, verb, s, prefix)]

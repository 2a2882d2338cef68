"""The registry of service types and the entry point that runs a service request.

Built-in types register themselves the way a plug-in would: ``register(cls)``
puts the class in ``SERVICE_TYPES`` under its ``type`` unless it reports
itself unavailable (a missing driver), which is logged instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from app.access import calls
from app.vocabulary.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from app.services.base import BaseService
    from app.system_cache import ServiceInfo

logger = logging.getLogger(__name__)

SERVICE_TYPES: dict[str, type[BaseService]] = {}
UNAVAILABLE_TYPES: dict[str, str] = {}
"""Type name → why it cannot run on this machine."""


def register(cls: type[BaseService]) -> type[BaseService]:
    ok, reason = cls.available()
    if ok:
        SERVICE_TYPES[cls.type] = cls
        calls.declare_exceptions(cls.type, cls.access_exceptions)
    else:
        UNAVAILABLE_TYPES[cls.type] = reason
        logger.warning("service type %s unavailable: %s", cls.type, reason)
    return cls


def build_service(info: ServiceInfo) -> BaseService:
    """The live service object for a stored service, or an error a client can read."""
    if not info.is_active:
        raise Forbidden(f"Service {info.name} is deactivated.")
    cls = SERVICE_TYPES.get(info.type)
    if cls is None:
        reason = UNAVAILABLE_TYPES.get(info.type, "unknown service type")
        raise NotFound(
            f"Service type '{info.type}' of service '{info.name}' is unavailable: {reason}"
        )
    return cls(info)

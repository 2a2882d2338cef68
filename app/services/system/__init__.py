"""The ``system`` service: configuration of the instance as REST resources.

Resources register themselves into ``RESOURCES`` with ``@resource``; adding
one (``limit``, ``lookup``...) is a new class in its own module plus its name in
``app.services.builtin``'s import of the resource modules (resources that need
scripting too register from ``app.dispatch``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.services.base import BaseService, Resource

RESOURCES: dict[str, type[Resource]] = {}


def resource(cls: type[Resource]) -> type[Resource]:
    RESOURCES[cls.name] = cls
    return cls


class SystemService(BaseService):
    type = "system"
    label = "System Management"
    group = "System"
    description = "Service supporting management of the system."
    singleton = True
    access_exceptions: ClassVar[dict[str, int]] = {
        "admin/session": 31,
        "admin/password": 2,
        "environment": 1,
    }

    @property
    def resources(self) -> dict[str, type[Resource]]:  # type: ignore[override]
        return RESOURCES

    def resource_infos(self) -> list[dict[str, Any]]:
        return [cls.info() for _, cls in sorted(RESOURCES.items())]

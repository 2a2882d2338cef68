"""The dispatcher: the one path into a service, whatever the call's origin.

``call`` runs an authorized request (lookups, ``_spec``, event scripts around the
service) and ``call_internal`` is the way in for calls without HTTP, with the same
access checks; both are in ``calls`` (with ``Caller``, calls made as someone) and
re-exported here. The dispatcher is the only package that composes services,
scripting and OpenAPI: scripting gets the calls handed over (``init_app``) instead
of importing services; the resources and service types that need them live beside
them in this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.dispatch import (  # noqa: F401 - each module registers its system resources
    app_packages,
    event_scripts,
    script_stats,
    script_types,
    test_call,
)
from app.dispatch.calls import call, call_internal, root_listing, to_http
from app.dispatch.config_package import resource as package_resource  # noqa: F401 - registers
from app.dispatch.scripted_services import SCRIPT_SERVICE_TYPES
from app.openapi import builders  # noqa: F401 - registers every family's document builder
from app.openapi.api_docs import ApiDocsService
from app.scripting import bridge
from app.scripting.runner import find_engine
from app.services import register
from app.services.system import scheduler

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["call", "call_internal", "init_app", "register_all", "root_listing", "to_http"]


def init_app(app: Flask) -> None:
    """Plug the parts together (``register_all``) for the app being built."""
    register_all()


def register_all() -> None:
    """The service types and system resources that join services with scripting or
    OpenAPI, and scripting's way into services (idempotent: the registries are per process)."""
    for cls in (ApiDocsService, *SCRIPT_SERVICE_TYPES):
        register(cls)
    scheduler.connect_engines(lambda name: find_engine(name) is not None)
    bridge.connect(call=call, call_internal=call_internal)

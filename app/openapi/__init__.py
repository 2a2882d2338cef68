"""Live OpenAPI documents of services, as they are now and as the caller may use them.

``GET /api/v2/{service}/_spec`` (routed in ``app.dispatch.call``) and
``GET /api/v2/api_docs/{service}`` answer ``spec_for(service, request)``:
OpenAPI 3.0 as DreamFactory answers (``convert``), 3.1 with ``openapi=3.1``,
or another shape DreamFactory's options ask for (``views``, ``model``).

A builder per service family fills a ``document.Spec`` with every path the
service offers; which family a service belongs to is found by its class
(``BUILDERS``, most specific class first, so every SQL dialect shares one
builder). A family's module registers its builder with ``@builder`` when it
is imported (``builders`` imports them all, for the dispatcher). A service of
another type (remote, scripted...) is described by the OpenAPI document in its
config (``config.openapi``) when it carries one, else by a catch-all path
(``custom``).

Documents are cached per service and per caller kind (the admin, or a role
and requestor type) in ``app.cache``, under the stamps of services, roles and
access rows: editing a role, a service or a SQL schema through the API (which
bumps ``service:<id>``) gives the next caller a fresh document; ``refresh=true``
rebuilds it (and re-reads a database changed behind the API's back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import current_app

from app.cache import bump_now, get_cache
from app.openapi.access import Reach
from app.openapi.convert import to_30
from app.openapi.custom import build_custom
from app.openapi.document import Spec
from app.openapi.model import data_model
from app.openapi.views import SpecOptions, compact, only_resource

if TYPE_CHECKING:
    from app.services.base import BaseService
    from app.vocabulary.calls import ServiceRequest

Builder = Callable[["BaseService", Spec, Reach], None]

BUILDERS: dict[type, Builder] = {}
"""Service class → the function that adds its paths to a ``Spec``."""


def builder(service_cls: type) -> Callable[[Builder], Builder]:
    def register(func: Builder) -> Builder:
        BUILDERS[service_cls] = func
        return func

    return register


def find_builder(service: BaseService) -> Builder:
    for cls in type(service).__mro__:
        found = BUILDERS.get(cls)
        if found is not None:
            return found

    return build_custom


def server_url(service_name: str) -> str:
    """Where the service's paths are, relative to this instance (same origin)."""
    prefix = current_app.config.get("API_ROUTE_PREFIX", "api").strip("/")
    return f"/{prefix}/v2/{service_name}" if prefix else f"/v2/{service_name}"


def build(service: BaseService, reach: Reach, refresh: bool = False) -> dict[str, Any]:
    """The document of ``service`` for the caller ``reach`` describes (no cache).

    ``refresh`` makes builders read what they describe afresh (a SQL schema).
    """
    spec = Spec(service.name, service.info.label or service.name, service.info.description or "")
    spec.refresh = refresh
    find_builder(service)(service, spec, reach)
    return spec.document(reach, server_url(service.name), current_app.config["API_VERSION"])


def spec_for(service: BaseService, request: ServiceRequest) -> dict[str, Any]:
    """What ``_spec`` answers for the request's caller and options (``views.SpecOptions``).

    Documents are cached per version; ``refresh=true`` rebuilds. A refresh is
    built outside the cache: on a store that keeps one snapshot per transaction
    (MariaDB) this request may not see its own stamp bump, which tells every
    later request (and other processes) to rebuild.
    """
    options = SpecOptions.read(request)
    reach = Reach(request.actor, service.name, dict(service.access_exceptions))
    if options.refresh:
        bump_now(f"service:{service.id}")
    if options.model:
        return data_model(service, reach, options.refresh)
    if options.refresh:
        document = build(service, reach, refresh=True)
        if options.version == "3.0":
            document = to_30(document)
    else:
        document = cached(service, reach, options.version)
    if options.resource_name:
        document = only_resource(document, options.resource_name)
    if options.compact:
        return compact(document, options.tables)
    return document


def cached(service: BaseService, reach: Reach, version: str) -> dict[str, Any]:
    """The caller's document in ``version`` (``3.0`` or ``3.1``), from the cache."""
    depends = ("service", f"service:{service.id}", "role", "role_service_access")
    key = f"openapi:{service.id}:{reach.cache_key()}"

    def built() -> dict[str, Any]:
        return get_cache().get(depends, key, lambda: build(service, reach))

    if version == "3.1":
        return built()
    return get_cache().get(depends, f"{key}:3.0", lambda: to_30(built()))

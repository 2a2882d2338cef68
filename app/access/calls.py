"""Authorizing one service call, whether it came over HTTP or from inside the server.

The pipeline's ``authorize`` step and ``check_call`` (scripts' ``platform.api``,
jobs) take the same decision here: the actor's role mask through
``authz.require``, after the service type's access exceptions (login,
password, environment...). An internal call carries its requestor type
(``SCRIPT``) on the ``ServiceRequest``; role rows whose ``requestor_mask`` lacks
that bit do not apply to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from app import system_cache
from app.access import authz
from app.access.actor import ANONYMOUS
from app.vocabulary.errors import MethodNotAllowed
from app.vocabulary.verbs import Verb

if TYPE_CHECKING:
    from app.access.actor import Actor
    from app.vocabulary.calls import ServiceRequest

KNOWN_VERBS = frozenset(Verb.__members__)

_EXCEPTIONS: dict[str, Mapping[str, int]] = {}
"""Service type → its components reachable without role permission (``declare_exceptions``)."""


def declare_exceptions(service_type: str, exceptions: Mapping[str, int]) -> None:
    """What a service type lets anyone call (component → verb mask), as it registers."""
    _EXCEPTIONS[service_type] = exceptions


def normalize_verb(method: str) -> str:
    """The verb a call is handled as: upper-case, ``MERGE`` → PATCH, ``HEAD`` → GET.

    Raises 405 for a verb DreamFactory does not know.
    """
    method = method.upper()
    if method == "MERGE":
        method = "PATCH"
    if method == "HEAD":
        method = "GET"  # answered as GET; the server drops the body
    if method not in KNOWN_VERBS:
        raise MethodNotAllowed(f"The method '{method}' is not allowed.")
    return method


def access_exceptions(service: str) -> Mapping[str, int]:
    """Component → verb mask of a service reachable without role permission."""
    info = system_cache.get_service_info(service)
    if info is None:
        return {}
    return _EXCEPTIONS.get(info.type, {})


def require_access(actor: Actor, verb: str, service: str, component: str) -> None:
    """Raise DreamFactory's 400/401/403 unless ``actor`` may call ``verb`` there."""
    if not service:
        return
    authz.require(actor, verb, service, component, access_exceptions(service))


def check_call(service_request: ServiceRequest) -> None:
    """Authorize an internal call before ``app.dispatch.call`` runs it.

    The request's actor is given the request's requestor type (so a script's
    call is matched against ``SCRIPT`` rows) and its verb is normalized as the
    HTTP pipeline does.
    """
    actor = service_request.actor or ANONYMOUS
    if actor.requestor != service_request.requestor:
        actor = dataclasses.replace(actor, requestor=service_request.requestor)
    service_request.actor = actor
    service_request.method = normalize_verb(service_request.method)
    require_access(actor, service_request.method, service_request.service, service_request.resource)

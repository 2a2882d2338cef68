"""How a service names the events of a request, and lists the events it can fire.

DreamFactory's rules (reference 6.1), applied to every service type:

- the service root fires ``<service>``; a request to a sub-resource fires
  only resource-level names, never the service-level one;
- a resource fires ``<service>.<resource name, "/" → ".">`` (``system.role``,
  ``system.admin.session``, ``user.session``); the rest of the path (a record
  id) is not part of the name but the event's ``resource``;
- a resource with path parameters (``event_params`` on the service, e.g.
  ``_table`` → ``table_name``, ``id``) fires two names, the generic one first:
  ``db._table.{table_name}`` then ``db._table.contact``, and for a record
  ``db._table.{table_name}.{id}`` then ``db._table.contact.{id}`` with the
  id as the event's ``resource``;
- file services (group ``File``) fire ``files.{folder_path}`` for a path
  ending in ``/`` and ``files.{file_path}`` otherwise, the path being the
  event's ``resource``;
- a service carrying its own OpenAPI document (``config.openapi``: scripted
  and remote services) fires ``<service>.<matching doc path, "/" → ".">``
  when the request matches one of its paths (``{param}`` segments match any
  value; the event's ``resource`` is then the map of param → value), else
  the service-level name with the whole path as ``resource``.

The event map (``GET system/event``) lists the same names per path:
``{path: {"type": "api", "endpoints": ["<path>.<verb>", ...], "parameter":
{name: [values]} | None}}``.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import yaml

from app.vocabulary.calls import EventTarget
from app.vocabulary.errors import ApiError
from app.vocabulary.verbs import DATA_VERB_NAMES

if TYPE_CHECKING:
    from app.services.base import BaseService, Resource
    from app.vocabulary.calls import ServiceRequest

logger = logging.getLogger(__name__)

VERBS = tuple(verb.lower() for verb in DATA_VERB_NAMES)
"""Verbs events are named for (lower-case, as in ``db._table.todo.get.pre_process``)."""

FILE_GROUP = "File"


def target_for(service: BaseService, request: ServiceRequest) -> EventTarget:
    name = service.name.lower()
    segments = request.segments
    if not segments:
        return EventTarget((name,), None)
    if service.group == FILE_GROUP:
        kind = "{folder_path}" if request.resource.endswith("/") else "{file_path}"
        return EventTarget((f"{name}.{kind}",), request.resource)
    doc = openapi_doc(service)
    if doc is not None:
        matched = match_doc_path(doc, name, segments)
        if matched is not None:
            return matched
    if not service.resources:
        return EventTarget((name,), request.resource)
    return _resource_target(service, name, segments)


def _resource_target(service: BaseService, name: str, segments: list[str]) -> EventTarget:
    cls = service.find_resource(segments)
    if cls is None:
        return EventTarget((f"{name}.{segments[0]}",), "/".join(segments[1:]) or None)
    depth = cls.name.count("/") + 1
    base = f"{name}.{cls.name.replace('/', '.')}"
    rest = segments[depth:]
    params = service.event_params.get(cls.name, ())
    if not rest:
        return EventTarget((base,), None)
    if not params:
        return EventTarget((base,), "/".join(rest))
    first = rest[0]
    if len(rest) >= 2 and len(params) >= 2:
        generic = f"{base}.{{{params[0]}}}.{{{params[1]}}}"
        specific = f"{base}.{first}.{{{params[1]}}}"
        return EventTarget((generic, specific), "/".join(rest[1:]))
    generic = f"{base}.{{{params[0]}}}"
    return EventTarget((generic, f"{base}.{first}"), "/".join(rest) if len(rest) > 1 else first)


# -- OpenAPI documents ---------------------------------------------------------------------


def openapi_doc(service: BaseService) -> dict[str, Any] | None:
    """The service's own OpenAPI document (``config.openapi``, an object or JSON/YAML text)."""
    doc = service.config.get("openapi")
    if isinstance(doc, str) and doc.strip():
        try:
            doc = json.loads(doc)
        except ValueError:
            try:
                doc = yaml.safe_load(doc)
            except yaml.YAMLError:
                return None
    if isinstance(doc, dict) and isinstance(doc.get("paths"), dict):
        return doc
    return None


def doc_paths(doc: dict[str, Any], service_name: str) -> list[list[str]]:
    """The document's paths as segment lists, without a leading service name."""
    out = []
    for path in doc.get("paths", {}):
        pieces = [p for p in str(path).strip("/").split("/") if p]
        if pieces and pieces[0].lower() == service_name:
            pieces = pieces[1:]
        out.append(pieces)
    return out


def match_doc_path(
    doc: dict[str, Any], service_name: str, segments: list[str]
) -> EventTarget | None:
    for pieces in doc_paths(doc, service_name):
        if not pieces or len(pieces) != len(segments):
            continue
        values: dict[str, str] = {}
        for piece, segment in zip(pieces, segments, strict=True):
            if piece.startswith("{") and piece.endswith("}"):
                values[piece[1:-1]] = segment
            elif piece != segment:
                break
        else:
            path = ".".join([service_name, *pieces])
            return EventTarget((path,), values or None)
    return None


# -- event maps -------------------------------------------------------------------------------


def entry(path: str, verbs: tuple[str, ...] | list[str], parameter: Any = None) -> dict[str, Any]:
    """One event-map entry in DreamFactory's shape."""
    return {
        "type": "api",
        "endpoints": [f"{path}.{verb}" for verb in verbs],
        "parameter": parameter or None,
    }


def resource_verbs(service: BaseService, cls: type[Resource]) -> tuple[str, ...]:
    """The verbs a resource answers: the service's ``event_verbs`` for it, else its
    ``get``/``post``/... methods, else (a resource with its own ``handle``) every verb."""
    if cls.name in service.event_verbs:
        return service.event_verbs[cls.name]
    verbs = tuple(v for v in VERBS if callable(getattr(cls, v, None)))
    if not verbs and cls.handles_itself:
        verbs = VERBS
    if cls.read_only:
        verbs = tuple(v for v in verbs if v == "get")
    return verbs


def map_for(service: BaseService) -> dict[str, dict[str, Any]]:
    name = service.name.lower()
    events: dict[str, dict[str, Any]] = {name: entry(name, service.root_event_verbs)}
    if service.group == FILE_GROUP:
        events[name] = entry(name, ("get", "post", "patch", "delete"))
        events[f"{name}.{{folder_path}}"] = entry(f"{name}.{{folder_path}}", VERBS)
        events[f"{name}.{{file_path}}"] = entry(f"{name}.{{file_path}}", VERBS)
        return events
    doc = openapi_doc(service)
    if doc is not None:
        for pieces, operations in zip(doc_paths(doc, name), doc["paths"].values(), strict=True):
            if not pieces:
                continue
            path = ".".join([name, *pieces])
            verbs = [v for v in VERBS if isinstance(operations, dict) and v in operations]
            events[path] = entry(path, verbs or VERBS)
    try:
        values = service.event_parameter_values()
    except ApiError as exc:  # an unreachable database still lists its paths
        logger.info("event map of %s without parameter values: %s", name, exc.message)
        values = {}
    for resource_name, cls in service.resources.items():
        base = f"{name}.{resource_name.replace('/', '.')}"
        verbs = resource_verbs(service, cls)
        if not verbs:
            continue
        events[base] = entry(base, verbs)
        params = service.event_params.get(resource_name, ())
        if params:
            first = {params[0]: values.get(params[0])} if values.get(params[0]) else None
            path = f"{base}.{{{params[0]}}}"
            events[path] = entry(path, verbs, first)
            if len(params) >= 2:
                path = f"{path}.{{{params[1]}}}"
                events[path] = entry(path, verbs, first)
    return dict(sorted(events.items()))

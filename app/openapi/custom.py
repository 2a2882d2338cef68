"""Services without a builder of their own (remote, scripted...): their document or a catch-all.

A service may carry its own OpenAPI document in ``config.openapi`` (an object,
or JSON or YAML text). Its paths are served as given, relative to the
service (a leading ``/{service}`` is dropped, as DreamFactory does), cut to
the verbs the caller's role reaches on each path (the path without its
leading ``/`` is the component, so ``/items/{id}`` needs ``items/*``); every
operation gets the error envelope as its ``default`` response. A 3.0
document keeps its version whichever is asked (``openapi=3.1`` too); others
are read as 3.1 and served in 3.0 unless 3.1 is asked (``convert``).

Without a usable document, ``/`` and ``/{path}`` accept every verb with any
body and answer anything: the service decides.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import yaml

from app.openapi.document import json_body, operation, ref

if TYPE_CHECKING:
    from app.openapi.access import Reach
    from app.openapi.document import Spec
    from app.services.base import BaseService

logger = logging.getLogger(__name__)

HTTP_VERBS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANYTHING = {"*/*": {"schema": {}}}


def own_document(config: dict[str, Any]) -> dict[str, Any] | None:
    """The service's OpenAPI document from its config, or None when it has no usable one."""
    raw = config.get("openapi")
    if isinstance(raw, str) and raw.strip():
        try:
            raw = json.loads(raw)
        except ValueError:
            try:
                raw = yaml.safe_load(raw)
            except yaml.YAMLError:
                return None
    if isinstance(raw, dict) and isinstance(raw.get("paths"), dict):
        return raw
    return None


def _relative(path: str, service: str) -> str:
    prefix = f"/{service}"
    if path.lower() == prefix.lower():
        return "/"
    if path.lower().startswith(prefix.lower() + "/"):
        return path[len(prefix) :]
    return path if path.startswith("/") else "/" + path


def add_document(spec: Spec, document: dict[str, Any]) -> None:
    """Put a carried document's paths, tags and components into ``spec``."""
    version = str(document.get("openapi", ""))
    if version.startswith("3.0"):
        spec.version = version
    info = document.get("info") if isinstance(document.get("info"), dict) else {}
    if not spec.description and isinstance(info.get("description"), str):
        spec.description = info["description"]
    for tag in document.get("tags") or []:
        if isinstance(tag, dict) and isinstance(tag.get("name"), str):
            spec.tag(tag["name"], str(tag.get("description") or ""))
    components = document.get("components")
    if isinstance(components, dict):
        for kind, items in components.items():
            if not isinstance(items, dict) or kind == "securitySchemes":
                continue
            if kind == "schemas":
                spec.schemas.update(items)
            else:
                spec.components[kind] = dict(items)
    for path, item in document["paths"].items():
        if not isinstance(item, dict):
            continue
        operations = {}
        extra = {}
        for key, value in item.items():
            if key in HTTP_VERBS and isinstance(value, dict):
                op = dict(value)
                responses = dict(op.get("responses") or {})
                responses.setdefault("default", ref("Error", "responses"))
                op["responses"] = responses
                operations[key] = op
            elif key != "parameters":
                extra[key] = value
        relative = _relative(str(path), spec.name)
        spec.add(
            relative,
            relative.strip("/"),
            operations,
            parameters=item.get("parameters") if isinstance(item.get("parameters"), list) else None,
            extra=extra,
        )


def add_catch_all(spec: Spec) -> None:
    body = json_body({}, required=False)
    body["content"].update(ANYTHING)
    tag = spec.tag(spec.name, "Calls are passed to the service as they are.")
    for path, component, params in (
        ("/", "", []),
        (
            "/{path}",
            "{path}",
            [{"name": "path", "in": "path", "required": True, "schema": {"type": "string"}}],
        ),
    ):
        operations = {
            verb: operation(
                f"{verb.upper()} {path}",
                content=ANYTHING,
                body=body if verb != "get" else None,
            )
            for verb in ("get", "post", "put", "patch", "delete")
        }
        spec.add(path, component, operations, parameters=params, tag=tag)


def build_custom(service: BaseService, spec: Spec, reach: Reach) -> None:
    document = own_document(service.config)
    if document is not None:
        add_document(spec, document)
        return
    if service.config.get("openapi") not in (None, ""):
        logger.warning("service=%s openapi=unreadable: serving the catch-all", service.name)
    add_catch_all(spec)

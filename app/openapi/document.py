"""Assembling an OpenAPI 3.1 document: operations, shared components, the caller's cut.

Documents are built in 3.1 and served in 3.0 unless the caller asks for 3.1
(``convert``, ``views``).

A builder adds paths to a ``Spec`` (each with the role component it is
authorized under, see ``access``) and named schemas; ``Spec.document`` keeps
the verbs the caller may reach, drops paths left empty and components no kept
operation refers to (so a role never sees the fields of a table it cannot
reach), and wraps the rest in the document every service shares: servers
relative to this instance, security schemes for an API key and a session
token, the error envelope as every operation's ``default`` response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.openapi.params import PARAMETERS
from app.openapi.schemas import resource_list

if TYPE_CHECKING:
    from app.openapi.access import Reach

OPENAPI_VERSION = "3.1.0"
VERBS = ("get", "post", "put", "patch", "delete")
JSON = "application/json"

SECURITY_SCHEMES: dict[str, Any] = {
    "ApiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-DreamFactory-API-Key",
        "description": "An app's API key (system/app).",
    },
    "SessionTokenHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-DreamFactory-Session-Token",
        "description": "A session token (JWT) from POST user/session or system/admin/session.",
    },
    "BearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "The session token as Authorization: Bearer <token>.",
    },
}
SECURITY: list[dict[str, list[str]]] = [
    {"ApiKeyHeader": [], "SessionTokenHeader": []},
    {"SessionTokenHeader": []},
    {"ApiKeyHeader": []},
    {"BearerAuth": []},
]
"""Credentials accepted: a key and a token together, or either alone (the role decides)."""

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "DreamFactory's error envelope.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "context", "message", "status_code"],
            "properties": {
                "code": {"type": "integer", "description": "The status, or 1000 for a batch."},
                "context": {"description": "Details: field messages, batch results, or null."},
                "message": {"type": "string"},
                "status_code": {"type": "integer"},
            },
        }
    },
}
SUCCESS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"success": {"type": "boolean"}},
    "required": ["success"],
}
RESOURCES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Names (or with fields=*, descriptions) of a service's resources.",
    "properties": {
        "resource": {
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "object"}]},
        }
    },
    "required": ["resource"],
}
ROOT_SUMMARY = "The service's resources"
ROOT_PARAMS = ("as_list", "fields")
COMMON_SCHEMAS = {"Error": ERROR_SCHEMA, "Success": SUCCESS_SCHEMA, "Resources": RESOURCES_SCHEMA}


def ref(name: str, kind: str = "schemas") -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def param(name: str) -> dict[str, str]:
    """A shared query parameter (see ``params.PARAMETERS``)."""
    if name not in PARAMETERS:
        raise KeyError(name)
    return ref(name, "parameters")


def path_param(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "in": "path", "required": True, "schema": schema}
    if description:
        out["description"] = description
    return out


def json_body(schema: dict[str, Any], required: bool = True, description: str = "") -> dict:
    body: dict[str, Any] = {"required": required, "content": {JSON: {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def operation(
    summary: str,
    ok: dict[str, Any] | None = None,
    *,
    status: int = 200,
    description: str = "",
    params: list[Any] | tuple[Any, ...] = (),
    body: dict[str, Any] | None = None,
    content: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One operation: its success response (JSON ``ok`` or other ``content``) and errors.

    ``params`` may name shared parameters or be parameter objects; ``body`` is
    a request body object (``json_body``).
    """
    op: dict[str, Any] = {"summary": summary}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = [param(p) if isinstance(p, str) else p for p in params]
    if body is not None:
        op["requestBody"] = body
    success: dict[str, Any] = {"description": summary}
    if content is not None:
        success["content"] = content
    elif ok is not None:
        success["content"] = {JSON: {"schema": ok}}
    op["responses"] = {str(status): success, "default": ref("Error", "responses")}
    return op


def records_of(schema: dict[str, Any]) -> dict[str, Any]:
    return resource_list(schema)


@dataclass
class PathSpec:
    path: str
    component: str
    operations: dict[str, dict[str, Any]]
    parameters: list[dict[str, Any]] = field(default_factory=list)
    tag: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Other path item keys (``summary``, ``description``) kept as given."""


_WORDS = re.compile(r"[A-Za-z0-9]+")


def operation_id(verb: str, path: str) -> str:
    """``getTableContactsById`` for GET /_table/contacts/{id}: unique per verb and path."""
    words = []
    for part in path.strip("/").split("/"):
        if part.startswith("{"):
            words.append("By")
        words.extend(w.capitalize() for w in _WORDS.findall(part))
    return verb + ("".join(words) or "Root")


class Spec:
    """The paths and schemas one service offers, before the caller's cut."""

    def __init__(self, name: str, title: str, description: str = "") -> None:
        self.name = name
        self.title = title
        self.description = description
        self.paths: list[PathSpec] = []
        self.schemas: dict[str, Any] = dict(COMMON_SCHEMAS)
        self.components: dict[str, dict[str, Any]] = {}
        """Other component kinds (``requestBodies``...) of a document a service carries."""
        self.tags: dict[str, str] = {}
        self.version = OPENAPI_VERSION
        self.refresh = False
        """Whether builders should read afresh what they describe (``refresh=true``)."""
        self.extensions: dict[str, Any] = {}
        """Top-level ``x-`` keys of the document (a database's tables and relationships)."""

    def tag(self, name: str, description: str = "") -> str:
        self.tags.setdefault(name, description)
        return name

    def define(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        """A named schema under ``components.schemas``; returns its ``$ref``."""
        self.schemas[name] = schema
        return ref(name)

    def add(
        self,
        path: str,
        component: str,
        operations: dict[str, dict[str, Any]],
        *,
        parameters: list[dict[str, Any]] | None = None,
        tag: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.paths.append(PathSpec(path, component, operations, parameters or [], tag, extra or {}))

    def add_root(self) -> None:
        """``GET /``: the service's resource list (DreamFactory's service root)."""
        self.add("/", "", {"get": operation(ROOT_SUMMARY, ref("Resources"), params=ROOT_PARAMS)})

    def document(self, reach: Reach, server: str, version: str) -> dict[str, Any]:
        """The document for one caller: only the verbs ``reach`` allows."""
        paths: dict[str, Any] = {}
        used_tags: list[str] = []
        for spec in self.paths:
            item: dict[str, Any] = {}
            for verb, op in spec.operations.items():
                if not reach.allows(verb, spec.component):
                    continue
                op = dict(op)
                op.setdefault("operationId", operation_id(verb, spec.path))
                if spec.tag:
                    op["tags"] = [spec.tag]
                for tag in op.get("tags", []):
                    if tag not in used_tags:
                        used_tags.append(tag)
                if reach.public(verb, spec.component):
                    op["security"] = [*SECURITY, {}]
                item[verb] = op
            if item:
                item = {**spec.extra, **item}
                if spec.parameters:
                    item["parameters"] = spec.parameters
                paths[spec.path] = {**paths.get(spec.path, {}), **item}
        components = prune(
            {
                **self.components,
                "securitySchemes": SECURITY_SCHEMES,
                "responses": {
                    **self.components.get("responses", {}),
                    "Error": {
                        "description": "An error, in DreamFactory's envelope.",
                        "content": {JSON: {"schema": ref("Error")}},
                    },
                },
                "parameters": {**self.components.get("parameters", {}), **PARAMETERS},
                "schemas": self.schemas,
            },
            paths,
        )
        return {
            "openapi": self.version,
            "info": {"title": self.title, "description": self.description, "version": version},
            "servers": [{"url": server, "description": self.title}],
            "security": SECURITY,
            "tags": [{"name": t, "description": self.tags.get(t, "")} for t in used_tags],
            "paths": paths,
            "components": components,
            **self.extensions,
        }


def _refs(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        target = value.get("$ref")
        if isinstance(target, str):
            found.add(target)
        for item in value.values():
            _refs(item, found)
    elif isinstance(value, list):
        for item in value:
            _refs(item, found)


def prune(components: dict[str, dict[str, Any]], paths: dict[str, Any]) -> dict[str, Any]:
    """Only the components the kept paths refer to, directly or through each other."""
    kept: dict[str, dict[str, Any]] = {"securitySchemes": components["securitySchemes"]}
    seen: set[str] = set()
    pending: set[str] = set()
    _refs(paths, pending)
    while pending:
        target = pending.pop()
        if target in seen:
            continue
        seen.add(target)
        _, _, kind, name = target.split("/", 3)
        value = components.get(kind, {}).get(name)
        if value is None:
            continue
        kept.setdefault(kind, {})[name] = value
        _refs(value, pending)
    return kept

"""The shapes of a document ``_spec``'s options ask for (DreamFactory's, as its MCP server sends).

Query options of ``GET {service}/_spec`` and ``GET api_docs/{service}``,
applied in this order to the caller's document:

- ``openapi``: ``3.0`` (the default, as DreamFactory answers) or ``3.1``
  (the document as built); anything else is refused with a 400;
- ``resource_name=contact``: only the paths about that resource: a path
  with a segment named so (``/_table/contact``, ``/_table/contact/{id}``,
  ``/_schema/contact``...) or, when none has, one containing the name; the
  components and tags those paths use are kept;
- ``compact=true``: not an OpenAPI document but DreamFactory's summary, made
  for language models: ``endpoints`` (path, method, summary, operationId,
  parameters as ``"name (in, required, type)"``, ``has_request_body``) and
  ``endpoint_count``, with ``openapi``, ``info``, ``servers``, ``security``
  and the ``x-dreamfactory-relationships`` of a database;
- ``tables=true``: keeps a database's ``x-dreamfactory-resources`` (the
  tables the caller reaches) in a compact answer; a full document always
  carries it;
- ``model=true``: a database's condensed data model instead (``model``).

``refresh=true`` rebuilds the document first (``app.openapi``). Not offered:
DreamFactory's ``format=yaml`` (every answer is JSON) and ``stock`` (its
model without sample rows and hints: ours never has them, so it is ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from app.openapi.document import VERBS, prune
from app.vocabulary.errors import BadRequest
from app.vocabulary.flags import to_bool

if TYPE_CHECKING:
    from app.vocabulary.calls import ServiceRequest

RESOURCES = "x-dreamfactory-resources"
RELATIONSHIPS = "x-dreamfactory-relationships"


@dataclass(frozen=True)
class SpecOptions:
    """What the caller asked of a document."""

    version: str = "3.0"
    compact: bool = False
    resource_name: str = ""
    tables: bool = False
    model: bool = False
    refresh: bool = False

    @classmethod
    def read(cls, request: ServiceRequest) -> SpecOptions:
        return cls(
            version=openapi_version(request.param("openapi")),
            compact=to_bool(request.param("compact")),
            resource_name=str(request.param("resource_name") or "").strip().strip("/"),
            tables=to_bool(request.param("tables")),
            model=to_bool(request.param("model")),
            refresh=to_bool(request.param("refresh")),
        )


def openapi_version(value: Any) -> str:
    """``3.0`` or ``3.1`` from the ``openapi`` option (``3.0.3``, ``3.1.0``... accepted)."""
    text = str(value or "").strip().lower()
    if text in ("", "3", "3.0") or text.startswith("3.0."):
        return "3.0"
    if text == "3.1" or text.startswith("3.1."):
        return "3.1"
    raise BadRequest(f"Invalid value '{value}' for openapi: use 3.0 (the default) or 3.1.")


def _segments(path: str) -> list[str]:
    return [unquote(s).lower() for s in path.strip("/").split("/")]


def only_resource(document: dict[str, Any], resource: str) -> dict[str, Any]:
    """``document`` with only the paths about ``resource`` and what they use."""
    wanted = resource.lower()
    paths = document.get("paths") or {}
    kept = {p: item for p, item in paths.items() if wanted in _segments(p)}
    if not kept:
        kept = {p: item for p, item in paths.items() if wanted in p.lower()}
    out = {**document, "paths": kept}
    if isinstance(document.get("components"), dict):
        components = {"securitySchemes": {}, **document["components"]}
        out["components"] = prune(components, kept)
    used = {t for item in kept.values() for op in _operations(item) for t in op.get("tags", [])}
    if "tags" in document:
        out["tags"] = [t for t in document["tags"] if t.get("name") in used]
    return out


def _operations(item: Any) -> list[dict[str, Any]]:
    if not isinstance(item, dict):
        return []
    return [op for verb, op in item.items() if verb in VERBS and isinstance(op, dict)]


def _resolve(document: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """A ``#/components/...`` reference's target (one level), or the value itself."""
    target = value.get("$ref")
    if not isinstance(target, str) or not target.startswith("#/components/"):
        return value
    _, _, kind, name = target.split("/", 3)
    found = (document.get("components") or {}).get(kind, {}).get(name)
    return found if isinstance(found, dict) else value


def _parameter_text(document: dict[str, Any], parameter: dict[str, Any]) -> str:
    parameter = _resolve(document, parameter)
    facts = [str(parameter.get("in", "query"))]
    if parameter.get("required"):
        facts.append("required")
    schema = parameter.get("schema") if isinstance(parameter.get("schema"), dict) else {}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = "|".join(str(k) for k in kind if k != "null")
    if kind:
        facts.append(str(kind))
    text = f"{parameter.get('name')} ({', '.join(facts)}"
    if schema.get("enum"):
        text += ": " + "|".join(str(v) for v in schema["enum"])
    return text + ")"


def compact(document: dict[str, Any], tables: bool) -> dict[str, Any]:
    """DreamFactory's token-efficient summary of ``document``."""
    out: dict[str, Any] = {
        key: document[key] for key in ("openapi", "info", "servers", "security") if key in document
    }
    if RELATIONSHIPS in document:
        out[RELATIONSHIPS] = document[RELATIONSHIPS]
    if tables and RESOURCES in document:
        out[RESOURCES] = document[RESOURCES]
    endpoints = []
    for path, item in (document.get("paths") or {}).items():
        shared = item.get("parameters") or [] if isinstance(item, dict) else []
        for verb in VERBS:
            op = item.get(verb) if isinstance(item, dict) else None
            if not isinstance(op, dict):
                continue
            endpoint: dict[str, Any] = {"path": path, "method": verb.upper()}
            for key in ("summary", "operationId"):
                if key in op:
                    endpoint[key] = op[key]
            parameters = [*shared, *(op.get("parameters") or [])]
            if parameters:
                endpoint["parameters"] = [_parameter_text(document, p) for p in parameters]
            if "requestBody" in op:
                endpoint["has_request_body"] = True
            endpoints.append(endpoint)
    out["endpoints"] = endpoints
    out["endpoint_count"] = len(endpoints)
    return out

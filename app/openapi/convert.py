"""Turning an OpenAPI 3.1 document into the 3.0 one DreamFactory's clients read.

Documents are built in 3.1 (JSON Schema 2020-12); DreamFactory answers 3.0,
and older Swagger UIs (the admin console's prebuilt one) refuse 3.1. The
conversion walks the places a 3.0 document holds Schema Objects (components,
parameters, headers, media types, recursively through properties, items,
``allOf``/``anyOf``/``oneOf``/``not``) and rewrites each schema:

- a ``type`` list with ``"null"`` becomes the other type plus ``nullable``
  (several other types become an ``anyOf``), and a ``{"type": "null"}``
  branch of ``anyOf``/``oneOf`` becomes ``nullable`` on its parent;
- ``const`` becomes a one-value ``enum``, ``examples`` the first ``example``,
  and an ``enum`` loses repeated values (3.0 requires them unique);
- numeric ``exclusiveMinimum``/``exclusiveMaximum`` become the bound with the
  boolean flag;
- ``contentMediaType``/``contentEncoding`` become ``format: binary``/``byte``;
- a ``$ref`` with sibling keywords (ignored by 3.0) goes into an ``allOf``;
- keywords 3.0 does not know (``$schema``, ``$id``, ``$defs``,
  ``prefixItems``, ``unevaluatedProperties``, ``if``...) are dropped.

Outside schemas: ``webhooks``, ``jsonSchemaDialect``, ``info.summary``,
``license.identifier``, ``components.pathItems`` are dropped and ``paths`` is
always present. ``examples`` maps of media types and parameters are the same
in both versions and stay. The input is not modified.
"""

from __future__ import annotations

import copy
from typing import Any

VERSION_30 = "3.0.3"

SCHEMA_30_KEYWORDS = frozenset(
    {
        "$ref",
        "title",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "enum",
        "type",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "items",
        "properties",
        "additionalProperties",
        "description",
        "format",
        "default",
        "nullable",
        "discriminator",
        "readOnly",
        "writeOnly",
        "xml",
        "externalDocs",
        "example",
        "deprecated",
    }
)
"""What a 3.0 Schema Object may hold (besides ``x-`` extensions)."""

HTTP_VERBS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NULL = {"type": "null"}


def to_30(document: dict[str, Any]) -> dict[str, Any]:
    """A 3.0.3 copy of a 3.1 ``document`` (a 3.0 one is returned as a copy, unchanged)."""
    out = copy.deepcopy(document)
    if str(out.get("openapi", "")).startswith("3.0"):
        return out
    out["openapi"] = VERSION_30
    for key in ("webhooks", "jsonSchemaDialect"):
        out.pop(key, None)
    info = out.get("info")
    if isinstance(info, dict):
        info.pop("summary", None)
        if isinstance(info.get("license"), dict):
            info["license"].pop("identifier", None)
    out.setdefault("paths", {})
    for item in _dicts(out["paths"]):
        _path_item(item)
    components = out.get("components")
    if isinstance(components, dict):
        components.pop("pathItems", None)
        schemas = components.get("schemas")
        if isinstance(schemas, dict):
            for name, schema in schemas.items():
                schemas[name] = schema_30(schema)
        for parameter in _dicts(components.get("parameters")):
            _parameter(parameter)
        for header in _dicts(components.get("headers")):
            _parameter(header)
        for response in _dicts(components.get("responses")):
            _response(response)
        for body in _dicts(components.get("requestBodies")):
            _content(body.get("content"))
    return out


def _dicts(mapping: Any) -> list[dict[str, Any]]:
    if not isinstance(mapping, dict):
        return []
    return [value for value in mapping.values() if isinstance(value, dict)]


def _path_item(item: dict[str, Any]) -> None:
    for parameter in item.get("parameters") or []:
        if isinstance(parameter, dict):
            _parameter(parameter)
    for verb in HTTP_VERBS:
        op = item.get(verb)
        if not isinstance(op, dict):
            continue
        for parameter in op.get("parameters") or []:
            if isinstance(parameter, dict):
                _parameter(parameter)
        body = op.get("requestBody")
        if isinstance(body, dict):
            _content(body.get("content"))
        for response in _dicts(op.get("responses")):
            _response(response)
        op.pop("callbacks", None)  # path items of their own: not described here


def _parameter(parameter: dict[str, Any]) -> None:
    if isinstance(parameter.get("schema"), dict):
        parameter["schema"] = schema_30(parameter["schema"])
    _content(parameter.get("content"))


def _response(response: dict[str, Any]) -> None:
    _content(response.get("content"))
    for header in _dicts(response.get("headers")):
        _parameter(header)


def _content(content: Any) -> None:
    for media in _dicts(content):
        if isinstance(media.get("schema"), dict):
            media["schema"] = schema_30(media["schema"])
        for encoding in _dicts(media.get("encoding")):
            for header in _dicts(encoding.get("headers")):
                _parameter(header)


def schema_30(schema: Any) -> Any:
    """One Schema Object (and the schemas inside it) in the 3.0 dialect."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    nullable = False
    for key, value in schema.items():
        if key.startswith("x-") or key in ("type", "const", "examples"):
            continue
        if key in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(value, bool):
                out[key] = value
            elif isinstance(value, int | float):
                out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
                out[key] = True
            continue
        if key == "contentMediaType":
            out.setdefault("format", "binary")
            continue
        if key == "contentEncoding":
            out["format"] = "byte" if value == "base64" else out.get("format", "binary")
            continue
        if key not in SCHEMA_30_KEYWORDS:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: schema_30(s) for name, s in value.items()}
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = schema_30(value)
        elif key in ("allOf", "anyOf", "oneOf") and isinstance(value, list):
            branches = [schema_30(s) for s in value if s != NULL]
            if len(branches) < len(value) and key != "allOf":
                nullable = True
            if len(branches) == 1 and key != "allOf" and nullable:
                out.update({k: v for k, v in branches[0].items() if k not in out})
            elif branches:
                out[key] = branches
        else:
            out[key] = value
    for key, value in schema.items():
        if key.startswith("x-"):
            out[key] = value
    if "const" in schema:
        out["enum"] = [schema["const"]]
    if isinstance(out.get("enum"), list):
        out["enum"] = _unique(out["enum"])
    examples = schema.get("examples")
    if isinstance(examples, list) and examples and "example" not in out:
        out["example"] = examples[0]
    nullable = _type_30(schema.get("type"), out) or nullable
    if nullable:
        out["nullable"] = True
        if "$ref" in out:
            out["allOf"] = [{"$ref": out.pop("$ref")}]
    if "$ref" in out and len([k for k in out if not k.startswith("x-")]) > 1:
        out["allOf"] = [{"$ref": out.pop("$ref")}, *out.get("allOf", [])]
    if out.get("type") == "array" and "items" not in out:
        out["items"] = {}
    return out


def _unique(values: list[Any]) -> list[Any]:
    """``values`` without repeats, in order (3.0 requires an enum's values to be unique)."""
    found: list[Any] = []
    for value in values:
        if not any(value == seen and type(value) is type(seen) for seen in found):
            found.append(value)
    return found


def _type_30(kind: Any, out: dict[str, Any]) -> bool:
    """Set ``out["type"]`` from a 3.1 ``type``; whether it allowed ``null``."""
    if kind is None:
        return False
    kinds = kind if isinstance(kind, list) else [kind]
    others = [k for k in kinds if k != "null"]
    if len(others) == 1:
        out["type"] = others[0]
        if others[0] == "array" and "items" not in out:
            out["items"] = {}
    elif len(others) > 1:
        branches = [{"type": k, **({"items": {}} if k == "array" else {})} for k in others]
        out["anyOf"] = [*out.get("anyOf", []), *branches]
    return len(others) < len(kinds)

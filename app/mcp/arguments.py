"""Checking a tool's arguments against its input schema before any call is made.

The tools' schemas use a small part of JSON Schema (``type``, ``enum``,
``properties``, ``required``, ``items``, ``additionalProperties: false``);
this checks exactly that part, so the schema an agent reads is the one
enforced, and bad input is a clear tool error naming the argument instead of
a half-made call.
"""

from __future__ import annotations

from typing import Any

from app.vocabulary.errors import BadRequest

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


def _is(value: Any, type_name: str) -> bool:
    if type_name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[type_name])


def check(schema: dict[str, Any], value: Any, where: str = "arguments") -> None:
    """Raise ``BadRequest`` naming the first part of ``value`` that ``schema`` refuses."""
    expected = schema.get("type")
    if expected is not None:
        names = expected if isinstance(expected, list) else [expected]
        if not any(_is(value, name) for name in names):
            raise BadRequest(f"Invalid {where}: expected {' or '.join(names)}.")
    if "enum" in schema and value not in schema["enum"]:
        choices = ", ".join(str(choice) for choice in schema["enum"])
        raise BadRequest(f"Invalid {where}: '{value}' is not one of: {choices}.")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                raise BadRequest(f"Missing argument '{name}'.")
        for name, item in value.items():
            if name in properties:
                check(properties[name], item, f"argument '{name}'")
            elif schema.get("additionalProperties") is False:
                raise BadRequest(f"Unknown argument '{name}'.")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            check(schema["items"], item, f"{where}[{index}]")

"""Field helpers shared by the record schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate


def text(length: int = 255, **kwargs) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=length), **kwargs)


def required_text(length: int = 255, **kwargs) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=length), **kwargs)


def flag(**kwargs) -> fields.Boolean:
    return fields.Boolean(
        truthy={True, "1", "true", "True", "yes", "y", "t", "on"},
        falsy={False, "0", "false", "False", "no", "n", "f", "off", ""},
        **kwargs,
    )


MAX_ID = 2**31 - 1
"""Largest id a system-store integer column holds."""


def ref(**kwargs) -> fields.Integer:
    """A nullable id pointing at another record (whether it exists is checked on write)."""
    return fields.Integer(
        allow_none=True,
        strict=False,
        validate=validate.Range(min=1, max=MAX_ID, error="Not a valid identifier."),
        **kwargs,
    )


REWRITTEN_MESSAGES = {
    "Missing data for required field.": "The {field} field is required.",
    "Field may not be null.": "The {field} field may not be null.",
    "Not a valid integer.": "The {field} field must be an integer.",
    "Not a valid boolean.": "The {field} field must be true or false.",
    "Not a valid string.": "The {field} field must be a string.",
    "Not a valid email address.": "The {field} field must be a valid email address.",
    "Not a valid identifier.": "The selected {field} is invalid.",
}
"""Marshmallow's generic messages, reworded to name the field as DreamFactory's do."""


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as ``field → [messages]`` (``config.database``)."""
    out: dict[str, list[str]] = {}
    if not isinstance(messages, dict):
        return {prefix or "record": [str(m) for m in _as_list(messages)]}
    for key, value in messages.items():
        if key in ("", "_schema"):
            name = prefix or "record"
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(flatten_messages(value, name))
        else:
            field = name.replace("_", " ") if "." not in name else name
            out[name] = [_reword(str(m), field) for m in _as_list(value)]
    return out


def _reword(message: str, field: str) -> str:
    template = REWRITTEN_MESSAGES.get(message)
    return template.format(field=field) if template else message


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]

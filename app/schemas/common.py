"""Field helpers shared by the record schemas."""

from __future__ import annotations

import re
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
    "Not a valid list.": "The {field} field must be a list.",
    "Not a valid mapping type.": "The {field} field must be an object.",
    "Invalid input type.": "The {field} field must be an object.",
    "Not a valid number.": "The {field} field must be a number.",
}
"""Marshmallow's generic messages, reworded to name the field as DreamFactory's do."""

REWRITTEN_PATTERNS = [
    (
        re.compile(r"Longer than maximum length (\d+)\."),
        "The {field} may not be greater than {0} characters.",
    ),
    (
        re.compile(r"Shorter than minimum length (\d+)\."),
        "The {field} must be at least {0} characters.",
    ),
    (
        re.compile(r"Length must be between (\d+) and (\d+)\."),
        "The {field} must be between {0} and {1} characters.",
    ),
    (
        re.compile(r"Must be greater than or equal to (-?\d+) and less than or equal to (-?\d+)\."),
        "The {field} must be between {0} and {1}.",
    ),
    (
        re.compile(r"Must be greater than or equal to (-?\d+)\."),
        "The {field} must be at least {0}.",
    ),
    (
        re.compile(r"Must be less than or equal to (-?\d+)\."),
        "The {field} may not be greater than {0}.",
    ),
    (re.compile(r"Must be one of: .*\."), "The selected {field} is invalid."),
]
"""Marshmallow's validator messages (with their numbers), reworded the same way."""


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
    if template:
        return template.format(field=field)
    for pattern, text in REWRITTEN_PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return text.format(*match.groups(), field=field)
    return message


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]

"""Field helpers shared by the record schemas."""

from __future__ import annotations

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


def ref(**kwargs) -> fields.Integer:
    """A nullable id pointing at another record."""
    return fields.Integer(allow_none=True, strict=False, **kwargs)

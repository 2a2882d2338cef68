"""Service types as clients see them, and their configs: validated, masked, kept.

A type's ``config_schema`` is a marshmallow schema; field metadata carries
what DreamFactory's ``config_schema`` entries show (``label``, ``description``,
``secret``). Secret values are answered as ``**********``; a config written
back with the mask keeps the stored value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import EXCLUDE, ValidationError, fields

from app.schemas.common import flatten_messages
from app.services import SERVICE_TYPES
from app.vocabulary.errors import ValidationFailed

if TYPE_CHECKING:
    from app.services.base import BaseService

MASK = "**********"

_TYPE_NAMES = [
    (fields.Boolean, "boolean"),
    (fields.Integer, "integer"),
    (fields.Float, "double"),
    (fields.Decimal, "double"),
    (fields.List, "array"),
    (fields.Dict, "object"),
    (fields.Nested, "object"),
    (fields.Email, "string"),
    (fields.Url, "string"),
    (fields.String, "string"),
]


def _type_name(field: fields.Field) -> str:
    if field.metadata.get("secret"):
        return "password"
    if "type" in field.metadata:
        return field.metadata["type"]
    for cls, name in _TYPE_NAMES:
        if isinstance(field, cls):
            return name
    return "string"


def config_fields(cls: type[BaseService]) -> list[dict[str, Any]]:
    if cls.config_schema is None:
        return []
    return schema_fields(cls.config_schema())


def schema_fields(schema: Any) -> list[dict[str, Any]]:
    """A schema's fields as ``config_schema`` entries; lists of objects add their ``items``."""
    out = []
    for name, field in schema.fields.items():
        default = field.load_default
        out.append(
            {
                "name": name,
                "label": field.metadata.get("label", name.replace("_", " ").title()),
                "type": _type_name(field),
                "description": field.metadata.get("description"),
                "default": None if callable(default) or default is fields.missing_ else default,
                "required": field.required,
                "allow_null": field.allow_none,
            }
        )
        inner = getattr(field, "inner", None)
        if isinstance(inner, fields.Nested):
            out[-1]["items"] = schema_fields(inner.schema)
    return out


def describe_type(cls: type[BaseService]) -> dict[str, Any]:
    return {
        "name": cls.type,
        "label": cls.label,
        "description": cls.description,
        "group": cls.group,
        "singleton": cls.singleton,
        "dependencies_required": None,
        "subscription_required": None,
        "service_definition_editable": False,
        "config_schema": config_fields(cls),
    }


def secret_keys(cls: type[BaseService]) -> set[str]:
    if cls.config_schema is None:
        return set()
    return {n for n, f in cls.config_schema().fields.items() if f.metadata.get("secret")}


def validate_config(
    cls: type[BaseService], config: Any, stored: dict[str, Any] | None = None, partial: bool = False
) -> dict[str, Any]:
    """The config to store: masked secrets restored from ``stored``, then validated."""
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ValidationFailed({"config": ["The config must be an object."]})
    stored = stored or {}
    merged = dict(stored) if partial else {}
    for key, value in config.items():
        if value == MASK and key in secret_keys(cls):
            value = stored.get(key)
        merged[key] = value
    restore = getattr(cls, "restore_secrets", None)
    if restore is not None:  # secrets inside lists or URLs (rws headers): the type knows where
        merged = restore(merged, stored)
    if cls.config_schema is None:
        return merged
    try:
        loaded = cls.config_schema(unknown=EXCLUDE).load(merged)
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(flatten_messages(messages, "config")) from None
    return loaded


def mask_config(cls: type[BaseService] | None, config: dict[str, Any] | None) -> dict[str, Any]:
    config = dict(config or {})
    if cls is None:
        return config
    for key in secret_keys(cls):
        if config.get(key) not in (None, ""):
            config[key] = MASK
    mask = getattr(cls, "mask_secrets", None)
    if mask is not None:
        config = mask(config)
    return config


def service_types(group: str | None = None, type_name: str | None = None) -> list[dict[str, Any]]:
    items = [describe_type(cls) for cls in SERVICE_TYPES.values()]
    if group:
        groups = {g.strip().lower() for g in group.split(",")}
        items = [i for i in items if i["group"].lower() in groups]
    if type_name:
        names = {t.strip().lower() for t in type_name.split(",")}
        items = [i for i in items if i["name"].lower() in names]
    return sorted(items, key=lambda i: i["name"])

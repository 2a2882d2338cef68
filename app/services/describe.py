"""Service types as clients see them, and their configs: validated, masked, kept.

A type's ``config_schema`` is a marshmallow schema; field metadata carries
what DreamFactory's ``config_schema`` entries show (``label``, ``description``,
``secret``, ``type``). Entries have the shape DreamFactory's admin console
edits (``df-core``'s ``ServiceType``, ``BaseServiceConfigModel``):

- an ``array`` has ``items``: its sub-fields' entries (a list of nested
  schemas, or the metadata's ``items`` schema for a list of plain objects), or
  the type name of its values (``"string"``);
- an ``object`` has ``object``: ``{key: {label, type}, value: {label, type}}``
  (``Name``/``Value`` strings unless the metadata gives its own);
- a ``picklist`` has ``values``, ``[{name, label}]``, read when the type is
  described (the metadata's ``values`` is a function of ``app.services.choices``).

Secret values are answered as ``**********``; a config written back with the
mask keeps the stored value. A ``null`` for an optional field that cannot be
null means its default (the console sends every field, the untouched ones as
``null``), in nested items too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

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


OBJECT_SHAPE: dict[str, dict[str, str]] = {
    "key": {"label": "Name", "type": "string"},
    "value": {"label": "Value", "type": "string"},
}
"""How an ``object`` field's entries are edited unless its metadata says otherwise."""

PICKLISTS = ("picklist", "multi_picklist")


def config_fields(cls: type[BaseService], choices: bool = True) -> list[dict[str, Any]]:
    if cls.config_schema is None:
        return []
    return schema_fields(cls.config_schema(), choices)


def schema_fields(schema: Any, choices: bool = True) -> list[dict[str, Any]]:
    """A schema's fields as ``config_schema`` entries (``choices``: read picklists' values)."""
    return [_entry(name, field, choices) for name, field in schema.fields.items()]


def _entry(name: str, field: fields.Field, choices: bool) -> dict[str, Any]:
    default = field.load_default
    kind = _type_name(field)
    out: dict[str, Any] = {
        "name": name,
        "label": field.metadata.get("label", name.replace("_", " ").title()),
        "type": kind,
        "description": field.metadata.get("description"),
        "default": None if callable(default) or default is fields.missing_ else default,
        "required": field.required,
        "allow_null": field.allow_none,
    }
    if kind == "array":
        out["items"] = _items(field, choices)
    elif kind == "object":
        out["object"] = field.metadata.get("object", OBJECT_SHAPE)
    elif kind in PICKLISTS:
        values = field.metadata.get("values", [])
        out["values"] = (values() if choices else []) if callable(values) else values
    return out


def _items(field: fields.Field, choices: bool) -> str | list[dict[str, Any]]:
    described = field.metadata.get("items")
    if described is not None:
        return schema_fields(described(), choices)
    inner = getattr(field, "inner", None)
    if isinstance(inner, fields.Nested):
        return schema_fields(inner.schema, choices)
    return _type_name(inner) if inner is not None else "string"


def describe_type(cls: type[BaseService], choices: bool = True) -> dict[str, Any]:
    return {
        "name": cls.type,
        "label": cls.label,
        "description": cls.description,
        "group": cls.group,
        "singleton": cls.singleton,
        "dependencies_required": None,
        "subscription_required": None,
        "service_definition_editable": False,
        "config_schema": config_fields(cls, choices),
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
    schema = cls.config_schema(unknown=EXCLUDE)
    try:
        loaded = schema.load(without_default_nulls(schema, merged))
    except ValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationFailed(flatten_messages(messages, "config")) from None
    return loaded


def without_default_nulls(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` less the nulls that stand for a default: optional fields that cannot be null."""
    out = {}
    for key, value in data.items():
        field = schema.fields.get(key)
        if field is not None:
            if value is None and not field.allow_none and not field.required:
                continue
            inner = getattr(field, "inner", None)
            if isinstance(inner, fields.Nested) and isinstance(value, list):
                value = [
                    without_default_nulls(inner.schema, v) if isinstance(v, dict) else v
                    for v in value
                ]
            elif isinstance(field, fields.Nested) and isinstance(value, dict):
                value = without_default_nulls(field.schema, value)
        out[key] = value
    return out


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


def service_types(
    group: str | None = None, type_name: str | None = None, choices: bool = True
) -> list[dict[str, Any]]:
    """Every type described (``choices=False``: picklists without their values, no queries)."""
    items = [describe_type(cls, choices) for cls in SERVICE_TYPES.values()]
    if group:
        groups = {g.strip().lower() for g in group.split(",")}
        items = [i for i in items if i["group"].lower() in groups]
    if type_name:
        names = {t.strip().lower() for t in type_name.split(",")}
        items = [i for i in items if i["name"].lower() in names]
    return sorted(items, key=lambda i: i["name"])

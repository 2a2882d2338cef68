"""Validation of ``system/limit`` records: field types, then DreamFactory's per-type rules.

The schema checks each field on its own. ``resolve_limit`` then looks at the
whole record (the stored one merged with the change, on an update): the ids
a type needs must be given and exist, the ids it does not use are cleared,
``period`` becomes its index, ``verb`` upper case or null, the endpoint loses
its slashes, and ``key_text`` is computed and must be unique.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from app.counters.windows import PERIODS
from app.extensions import db
from app.limit_rules import keys
from app.models import Limit, Role, Service, User
from app.schemas.common import flag, ref, required_text, text
from app.vocabulary.errors import BadRequest

DUPLICATE = "A limit already exists with those parameters. No records added."
SCOPE_FIELDS = ("type", "rate", "period", "user_id", "role_id", "service_id", "endpoint", "verb")


class LimitSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(keys.LIMIT_TYPES))
    rate = fields.Raw(required=True)
    period = fields.Raw(required=True)
    user_id = ref()
    role_id = ref()
    service_id = ref()
    endpoint = text(255)
    verb = fields.String(allow_none=True)
    name = required_text(255)
    description = text(255)
    is_active = flag()


def parse_rate(value: Any) -> int:
    """A whole number of calls, at least 1 (``"10"`` is accepted, ``1.5`` is not)."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise BadRequest("Limit rate must be an integer. Limit not saved.")
    if value < 1:
        raise BadRequest("Limit rate must be at least 1. Limit not saved.")
    return value


def parse_period(value: Any) -> int:
    """A period name (``minute``...) or its index."""
    if isinstance(value, str) and value.strip().lower() in PERIODS:
        return PERIODS.index(value.strip().lower())
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(PERIODS):
        return value
    raise BadRequest(f"Limit period must be one of {', '.join(PERIODS)}. Limit not saved.")


def parse_verb(value: Any) -> str | None:
    if value in (None, ""):
        return None
    verb = str(value).strip().upper()
    if verb not in keys.LIMIT_VERBS:
        raise BadRequest("Verb is invalid or not allowed.")
    return verb


def parse_endpoint(value: Any) -> str | None:
    endpoint = keys.clean_endpoint(value)
    if endpoint is not None and "*" in endpoint[:-1]:
        raise BadRequest("An endpoint may only end with '*' (a prefix match), not contain it.")
    return endpoint


def _require(record: dict[str, Any], field: str, model: type, name: str, with_name: bool) -> int:
    value = record.get(field)
    if value is None:
        suffix = f" Limit: {name}" if with_name else ""
        raise BadRequest(f"{field} must be specified with this limit type.{suffix}")
    if db.session.get(model, value) is None:
        noun = "service" if field == "service_id" else field
        raise BadRequest(f"No {noun} exists for {name} limit.")
    return value


def resolve_limit(record: Limit, data: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The values to store for ``record`` after applying ``data`` (raises a 400 when invalid)."""
    merged: dict[str, Any] = {}
    if not creating:
        merged = {field: getattr(record, field) for field in (*SCOPE_FIELDS, "name")}
    merged.update(data)
    name = merged.get("name") or ""
    limit_type = merged["type"]
    scopes = keys.parts(limit_type)
    values = dict(data)
    values["rate"] = parse_rate(merged.get("rate"))
    values["period"] = parse_period(merged.get("period"))
    values["verb"] = parse_verb(merged.get("verb"))
    values["user_id"] = (
        _require(merged, "user_id", User, name, with_name=True) if "user" in scopes else None
    )
    values["role_id"] = (
        _require(merged, "role_id", Role, name, with_name=True) if "role" in scopes else None
    )
    values["service_id"] = (
        _require(merged, "service_id", Service, name, with_name=False)
        if "service" in scopes
        else None
    )
    values["endpoint"] = None
    if "endpoint" in scopes:
        values["endpoint"] = parse_endpoint(merged.get("endpoint"))
        if values["endpoint"] is None:
            raise BadRequest("endpoint must be specified with this limit type.")
    values["key_text"] = keys.resolve_key(
        limit_type,
        values["user_id"],
        values["role_id"],
        values["service_id"],
        values["endpoint"],
        values["verb"],
        values["period"],
    )
    taken = sa.select(Limit.id).where(Limit.key_text == values["key_text"])
    if record.id is not None:
        taken = taken.where(Limit.id != record.id)
    if db.session.scalar(taken) is not None:
        raise BadRequest(DUPLICATE)
    return values

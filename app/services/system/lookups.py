"""``system/lookup``: system-wide lookups; private values are masked and kept.

The same rules serve lookups written nested in an app, role or user
(``lookup_by_*_id``): a private value is answered as ``**********``, a
masked value sent back leaves the stored one alone, names are unique per
owner, and a filter or order on ``value`` sees private values as NULL, so it
cannot be used to guess them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Lookup, Record
from app.schemas.lookup import LookupSchema
from app.services.describe import MASK
from app.services.system import resource
from app.services.system.records import ModelResource, child_resource
from app.vocabulary.errors import BadRequest, ValidationFailed

OWNERS = ("app_id", "role_id", "user_id")


def show_lookup(row: Lookup) -> dict[str, Any]:
    out = row.to_dict()
    if row.private:
        out["value"] = MASK
    return out


def lookup_text(value: Any) -> str | None:
    """A lookup value as stored: text; numbers and booleans are written out, others refused."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise ValidationFailed({"value": ["The value field must be a string, a number or a boolean."]})


class LookupBase(ModelResource):
    model = Lookup
    schema = LookupSchema

    @classmethod
    def filter_columns(cls) -> dict[str, sa.ColumnElement]:
        columns = super().filter_columns()
        columns["value"] = sa.case((Lookup.private.is_(True), sa.null()), else_=Lookup.value)
        return columns

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if data.get("value") == MASK and not creating:
            data.pop("value")
        if "value" in data:
            data["value"] = lookup_text(data["value"])
        super().apply(record, data, creating)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = super().to_output(record, fields)
        if record.private and "value" in out:
            out["value"] = MASK
        return out

    def check_unique(self, record: Record, data: dict[str, Any]) -> None:
        """Lookup names are unique per owner (the system, an app, a role or a user)."""
        name = data.get("name", record.name)
        if name is None:
            return
        query = sa.select(Lookup.id).where(sa.func.lower(Lookup.name) == name.lower())
        for owner in OWNERS:
            value = getattr(record, owner)
            column = getattr(Lookup, owner)
            query = query.where(column.is_(None) if value is None else column == value)
        if record.id is not None:
            query = query.where(Lookup.id != record.id)
        if db.session.execute(query.limit(1)).first() is not None:
            raise BadRequest(
                f"Duplicate entry '{name}' for key 'name'.",
                context={"name": ["The name has already been taken."]},
            )


@child_resource
class LookupChild(LookupBase):
    name = "lookup_child"


@resource
class LookupResource(LookupBase):
    name = "lookup"
    label = "Lookup"
    description = "System-wide lookup values."

    def scope(self, query: sa.Select) -> sa.Select:
        return query.where(
            Lookup.app_id.is_(None), Lookup.role_id.is_(None), Lookup.user_id.is_(None)
        )

"""``system/lookup``: system-wide lookups; private values are masked and kept."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.models import Lookup, Record
from app.schemas.lookup import LookupSchema
from app.services.describe import MASK
from app.services.system import resource
from app.services.system.records import ModelResource, child_resource


def show_lookup(row: Lookup) -> dict[str, Any]:
    out = row.to_dict()
    if row.private:
        out["value"] = MASK
    return out


class LookupBase(ModelResource):
    model = Lookup
    schema = LookupSchema

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if data.get("value") == MASK and not creating:
            data.pop("value")
        if "value" in data and data["value"] is not None and not isinstance(data["value"], str):
            data["value"] = str(data["value"])
        super().apply(record, data, creating)

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = record.to_dict(fields)
        if record.private and "value" in out:
            out["value"] = MASK
        return out

    def check_unique(self, record: Record, data: dict[str, Any]) -> None:
        """Lookup names are unique per owner, not globally."""


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

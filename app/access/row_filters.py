"""The record-level filters that apply to a call: (role, service, component, verb) → filters.

The most specific access row of the caller's role that allows the verb
(exact > ``x/*`` > ``*``; rows for no service are ignored, as in
DreamFactory's ``getServiceFilters``) supplies ``filters`` and ``filter_op``,
with lookups substituted into every value. Sys admins have none. Services
(the SQL service) turn them into SQL with ``app.records.server_filters``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.access import lookups
from app.access.authz import best_access_row

if TYPE_CHECKING:
    from app.access.actor import Actor


@dataclass(frozen=True)
class RowFilter:
    filters: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    filter_op: str = "AND"


def service_filters(
    actor: Actor | None, verb: str, service: str, component: str
) -> RowFilter | None:
    """The filters limiting ``actor``'s ``verb`` on the component, or None if unrestricted."""
    if actor is None or actor.is_sys_admin or actor.role is None:
        return None
    row = best_access_row(actor.role, verb, service, component, int(actor.requestor))
    if row is None or not row.filters:
        return None
    values = lookups.values_for(actor)
    filters = tuple(
        {**item, "value": lookups.substitute_all(item.get("value"), values)} for item in row.filters
    )
    return RowFilter(filters, row.filter_op or "AND")

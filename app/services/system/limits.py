"""``system/limit`` and ``system/limit_cache``: usage limits and their live counters.

A limit travels with ``period`` as a name (``minute``...) and is stored with
its index; ``key_text`` is computed (see ``app.limit_rules.validation``).
``related=limit_cache_by_limit_id`` adds the limit's counters to each record.
``limit_cache`` lists counters (``GET``, by limit id, ``ids`` or all) and
resets them (``DELETE`` by limit id or ``ids``; ``allow_delete=true`` or
``force=true`` for every limit's counters).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from app.counters.windows import PERIODS
from app.extensions import db
from app.limit_rules import listing
from app.limit_rules.matching import info_of
from app.limit_rules.validation import LimitSchema, resolve_limit
from app.models import Limit, RateCounter, Record
from app.records.options import RecordOptions
from app.records.values import fits_column
from app.services.base import Resource
from app.services.system import resource
from app.services.system.records import ModelResource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, NotFound
from app.vocabulary.flags import to_bool
from app.wrapping import wrapped_key

NO_RECORDS = (
    "No record(s) detected in request. Please make sure record(s) are wrapped in a "
    """'resource' tag. Example: {"resource":[{"record":1},{"record":2}]}"""
)


class LimitCounters:
    """The read-only relation ``limit_cache_by_limit_id``: each limit's counters."""

    kind = "has_many"
    model = None
    """No model of its own: the counters live in the counter store, and cannot be written."""

    def load(self, parents: Sequence[Record]) -> dict[Any, list[dict[str, Any]]]:
        return {p.id: listing.counter_entries(info_of(p)) for p in parents}  # type: ignore[arg-type]


@resource
class LimitResource(ModelResource):
    name = "limit"
    label = "Limit"
    description = "Usage limits by instance, user, role, service and endpoint."
    model = Limit
    schema = LimitSchema
    relations = {"limit_cache_by_limit_id": LimitCounters()}  # type: ignore[dict-item]

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        super().apply(record, resolve_limit(record, data, creating), creating)  # type: ignore[arg-type]

    def check_references(self, data: dict[str, Any]) -> None:
        """Limits check their ids in ``apply``, with DreamFactory's messages, after the type
        has said which ids it uses."""

    def to_output(self, record: Record, fields: list[str] | None) -> dict[str, Any]:
        out = record.to_dict(fields)
        period = out.get("period")
        if isinstance(period, int) and 0 <= period < len(PERIODS):
            out["period"] = PERIODS[period]
        return out

    def before_delete(self, record: Record) -> None:
        """Drop the limit's rows in ``rate_counter`` in the same transaction.

        The foreign key would cascade, but only on servers that enforce it, and
        rows loaded into the session by a generic cascade could be gone by the
        time it flushes.
        """
        db.session.execute(sa.delete(RateCounter).where(RateCounter.limit_id == record.id))

    def delete(self, request: ServiceRequest, rest: list[str]) -> Any:
        """Delete limits, then forget their counters in the counter store (after the commit)."""
        result = super().delete(request, rest)
        items = result.get("resource", []) if "resource" in result else [result]
        for item in items:
            if isinstance(item, dict) and "error" not in item and item.get("id") is not None:
                listing.reset_limit(int(item["id"]))
        return result


def _limit_id(value: Any) -> int:
    """A limit's id, or the 404 for one that cannot name a limit (text, out of range)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number <= 0 or not fits_column(number, Limit.__table__.c.id.type):
        raise NotFound(f"Record with identifier '{value}' not found.")
    return number


def _requested_ids(request: ServiceRequest, options: RecordOptions) -> list[int] | None:
    """Limit ids from ``ids`` or body records; None when the request names none."""
    if options.ids is not None:
        return [_limit_id(i) for i in options.ids]
    payload = request.payload
    key = wrapped_key(payload)
    records = payload[key] if key is not None else payload
    if isinstance(records, list) and records:
        if not all(isinstance(r, dict) and "id" in r for r in records):
            raise BadRequest("No identifier 'id' found in the record.")
        return [_limit_id(r["id"]) for r in records]
    return None


def _limits(ids: list[int]):
    found = {limit.id: limit for limit in listing.load_limits(ids)}
    for limit_id in ids:
        if limit_id not in found:
            raise NotFound(f"Record with identifier '{limit_id}' not found.")
    return [found[i] for i in ids]


@resource
class LimitCacheResource(Resource):
    name = "limit_cache"
    label = "Limit Cache"
    description = "Live counters of usage limits: list and reset."

    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            (limit,) = _limits([_limit_id(rest[0])])
            return listing.counter_entries(limit)[0]
        ids = _requested_ids(request, RecordOptions.from_request(request))
        limits = _limits(ids) if ids is not None else listing.load_limits()
        return {"resource": [entry for li in limits for entry in listing.counter_entries(li)]}

    def delete(self, request: ServiceRequest, rest: list[str]) -> Any:
        options = RecordOptions.from_request(request)
        if to_bool(request.option("allow_delete")) or options.force:
            listing.reset_all_limits()
            return {"success": True}
        if rest:
            (limit,) = _limits([_limit_id(rest[0])])
            listing.reset_limit(limit.id)
            return {"id": limit.id}
        ids = _requested_ids(request, options)
        if ids is None:
            raise BadRequest(NO_RECORDS)
        limits = _limits(ids)
        for limit in limits:
            listing.reset_limit(limit.id)
        return {"resource": [{"id": limit.id} for limit in limits]}

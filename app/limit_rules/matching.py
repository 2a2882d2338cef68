"""Which active limits apply to one call, and under which counter key each one counts.

A limit applies when every scope of its type matches the call: ``user`` the
caller's user id, ``each_user`` any authenticated caller (a session token or
HTTP Basic; counted per user), ``role`` the caller's role, ``service`` the
called service, ``endpoint`` the resource (``*`` at the end for a prefix);
a limit with a verb applies only to that verb. Two overrides follow
DreamFactory, scoped sanely:

- a user who has a limit of their own (``instance.user...``) for the same
  service and endpoint is not held to the matching ``each_user`` limit;
- a limit for one verb replaces, for that verb, a limit without a verb of the
  same type, scope and period.

The active limits are loaded once and kept in the stamped cache, so a write
to ``system/limit`` (or to a user, role or service they point at) reaches
every worker at its next request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.cache import get_cache
from app.counters.windows import PERIODS, period_seconds
from app.extensions import db
from app.limit_rules import keys
from app.models import Limit

CACHE_DEPENDS = ("limits", "user", "role", "service")


@dataclass(frozen=True)
class LimitInfo:
    """An active limit as plain values, safe to share between threads and requests."""

    id: int
    name: str
    type: str
    key_text: str
    rate: int
    period: int
    user_id: int | None
    role_id: int | None
    service_id: int | None
    endpoint: str | None
    verb: str | None
    record: tuple[tuple[str, Any], ...]
    """The record as the API shows it (period as a name), for the 429 context."""

    @property
    def scopes(self) -> frozenset[str]:
        return keys.parts(self.type)

    @property
    def seconds(self) -> int:
        return period_seconds(self.period)

    def counter_key(self, user_id: int | None = None) -> str:
        """The counter's name: the limit id, a digest of its scope, and the user for each_user.

        The digest changes when the limit's scope or period is edited, so an
        edited limit starts counting afresh.
        """
        if keys.is_each_user(self.type):
            return f"{self.counter_base()}:user:{user_id}"
        return self.counter_base()

    def counter_base(self) -> str:
        digest = hashlib.sha256(self.key_text.encode()).hexdigest()[:12]
        return f"limit:{self.id}:{digest}"

    def shown_key(self, user_id: int | None = None) -> str:
        """DreamFactory's key for the counter (each_user with the user's id)."""
        if not keys.is_each_user(self.type):
            return self.key_text
        return keys.resolve_key(
            self.type, user_id, self.role_id, self.service_id, self.endpoint, self.verb, self.period
        )


def limit_record(row: Limit) -> dict[str, Any]:
    """A limit row as the API shows it: ``period`` by name."""
    out = row.to_dict()
    out["period"] = PERIODS[row.period] if 0 <= (row.period or 0) < len(PERIODS) else row.period
    return out


def info_of(row: Limit) -> LimitInfo:
    return LimitInfo(
        id=row.id,
        name=row.name,
        type=row.type,
        key_text=row.key_text,
        rate=row.rate,
        period=row.period,
        user_id=row.user_id,
        role_id=row.role_id,
        service_id=row.service_id,
        endpoint=row.endpoint,
        verb=row.verb,
        record=tuple(limit_record(row).items()),
    )


def active_limits() -> tuple[LimitInfo, ...]:
    """Every active limit, from the stamped cache."""

    def load() -> tuple[LimitInfo, ...]:
        rows = db.session.scalars(
            sa.select(Limit).where(Limit.is_active.is_(True)).order_by(Limit.id)
        ).all()
        return tuple(info_of(r) for r in rows if r.type in keys.LIMIT_TYPES)

    return get_cache().get(CACHE_DEPENDS, "active", load)


@dataclass(frozen=True)
class Call:
    """What a limit is matched against: who calls what, with which verb."""

    verb: str
    user_id: int | None = None
    role_id: int | None = None
    service_id: int | None = None
    resource: str = ""


def _matches(limit: LimitInfo, call: Call) -> bool:
    scopes = limit.scopes
    if limit.verb and limit.verb != call.verb:
        return False
    if "user" in scopes and (call.user_id is None or limit.user_id != call.user_id):
        return False
    if "each_user" in scopes and call.user_id is None:
        return False
    if "role" in scopes and (call.role_id is None or limit.role_id != call.role_id):
        return False
    if "service" in scopes and (call.service_id is None or limit.service_id != call.service_id):
        return False
    if "endpoint" in scopes:
        if not limit.endpoint or not keys.endpoint_matches(limit.endpoint, call.resource):
            return False
    return True


def applicable(limits: tuple[LimitInfo, ...], call: Call) -> list[LimitInfo]:
    """The limits that count this call, overrides applied (see the module docstring)."""
    matching = [limit for limit in limits if _matches(limit, call)]
    chosen = []
    for limit in matching:
        if keys.is_each_user(limit.type) and any(
            other.type == keys.user_type_for(limit.type)
            and other.service_id == limit.service_id
            and other.endpoint == limit.endpoint
            for other in matching
        ):
            continue
        if limit.verb is None and any(
            other.verb == call.verb
            and other.type == limit.type
            and other.period == limit.period
            and other.user_id == limit.user_id
            and other.role_id == limit.role_id
            and other.service_id == limit.service_id
            and other.endpoint == limit.endpoint
            for other in matching
        ):
            continue
        chosen.append(limit)
    return chosen

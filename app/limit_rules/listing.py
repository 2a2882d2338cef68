"""Counters of limits as ``system/limit_cache`` and ``related=limit_cache_by_limit_id`` show them.

Each entry is one counter in its current window: ``{"id", "limit_id", "key",
"max", "attempts", "remaining", "reset"}`` where ``id`` is the limit's id (as
DreamFactory shows it), ``key`` DreamFactory's counter key and ``reset`` the
epoch second the window ends. A limit without a live counter shows one entry
with no attempts; an ``each_user`` limit shows one entry per user counted.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.counters.store import get_counter_store
from app.counters.windows import window_for
from app.extensions import db
from app.limit_rules import keys
from app.limit_rules.matching import LimitInfo, info_of
from app.models import Limit

COUNTER_PREFIX = "limit:"


def _entry(limit: LimitInfo, key: str, count: int, reset: int) -> dict[str, Any]:
    return {
        "id": limit.id,
        "limit_id": limit.id,
        "key": key,
        "max": limit.rate,
        "attempts": count,
        "remaining": max(0, limit.rate - count),
        "reset": reset,
    }


def counter_entries(limit: LimitInfo) -> list[dict[str, Any]]:
    """The limit's counters in their current window."""
    window = window_for(limit.seconds)
    store = get_counter_store()
    if not keys.is_each_user(limit.type):
        count = store.peek(limit.counter_key(), window.start)
        return [_entry(limit, limit.key_text, count, window.end)]
    prefix = f"{limit.counter_base()}:user:"
    entries = []
    for counter in store.counters(prefix):
        user = counter.key[len(prefix) :]
        if counter.window_start != window.start or not user.isdigit():
            continue
        entries.append(_entry(limit, limit.shown_key(int(user)), counter.count, window.end))
    return entries or [_entry(limit, limit.key_text, 0, window.end)]


def load_limits(ids: list[int] | None = None) -> list[LimitInfo]:
    """Limits (active or not) as plain values, by id; all of them when ``ids`` is None."""
    query = sa.select(Limit).order_by(Limit.id)
    if ids is not None:
        query = query.where(Limit.id.in_(ids))
    return [info_of(row) for row in db.session.scalars(query).all()]


def reset_limit(limit_id: int) -> None:
    """Forget every counter of one limit (every window, every user)."""
    get_counter_store().reset_prefix(f"{COUNTER_PREFIX}{limit_id}:")


def reset_all_limits() -> None:
    """Forget the counters of every limit (login throttles are kept)."""
    get_counter_store().reset_prefix(COUNTER_PREFIX)

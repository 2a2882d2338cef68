"""Fixed-window counters shared by every worker and server, and the one way to use them.

``CounterStore`` is the interface; two implementations exist and config picks
one for the whole app: ``RedisCounterStore`` when ``REDIS_URL`` is set (keys
under ``REDIS_PREFIX``, default ``df:``), else ``SqlCounterStore`` on the
system store's ``rate_counter`` table. A counter is named by a key and the
start of its window; it disappears on its own once the window has passed.

``count_event`` is what callers use: "count this event under this key and
tell me whether it is over N in this window". It checks before it counts, so
N events are allowed and the N+1st refused, and refused events are not
counted; the increment itself is atomic, so two workers racing for the last
slot cannot both get it.

If the store cannot be reached the counters *fail open* (every event is
allowed, and the error is logged): a limit is a fairness tool, and refusing
every request because Redis is down would take the whole API down with it.
Slots (``take``/``give_back``, used through ``app.counters.slots``) are the
exception: they guard security checks, so they raise ``CounterStoreDown``
instead and their caller falls back to the system store.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.counters.protocol import CounterStore
from app.counters.redis_store import RedisCounterStore
from app.counters.sql_store import SqlCounterStore
from app.counters.windows import Window, window_for

EXTENSION_KEY = "df_counter_store"
FALLBACK_KEY = "df_counter_fallback"


def get_counter_store() -> CounterStore:
    """This app's counter store, built on first use from ``REDIS_URL``."""
    store = current_app.extensions.get(EXTENSION_KEY)
    if store is None:
        url = current_app.config.get("REDIS_URL")
        if url:
            store = RedisCounterStore.from_url(url, current_app.config.get("REDIS_PREFIX", "df:"))
        else:
            store = SqlCounterStore()
        store = current_app.extensions.setdefault(EXTENSION_KEY, store)
    return store


def get_fallback_store() -> CounterStore:
    """The system store's counters, for slots when the configured store is Redis and it is down."""
    store = get_counter_store()
    if isinstance(store, SqlCounterStore):
        return store
    fallback = current_app.extensions.get(FALLBACK_KEY)
    if fallback is None:
        fallback = current_app.extensions.setdefault(FALLBACK_KEY, SqlCounterStore())
    return fallback


@dataclass(frozen=True)
class Tally:
    """Where a key stands in its window after ``count_event`` or ``peek_event``."""

    count: int
    """Events counted in this window (including this one when it was counted)."""

    limit: int
    window: Window
    allowed: bool

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


def peek_event(key: str, limit: int, seconds: int, store: CounterStore | None = None) -> Tally:
    """Whether one more event under ``key`` would be allowed, without counting it."""
    store = store or get_counter_store()
    window = window_for(seconds)
    count = store.peek(key, window.start)
    return Tally(count, limit, window, allowed=count < limit)


def count_event(
    key: str,
    limit: int,
    seconds: int,
    *,
    limit_id: int | None = None,
    store: CounterStore | None = None,
) -> Tally:
    """Count one event under ``key`` unless the window already holds ``limit`` of them."""
    store = store or get_counter_store()
    tally = peek_event(key, limit, seconds, store)
    if not tally.allowed:
        return tally
    count = store.hit(key, tally.window.start, tally.window.end, limit_id)
    return Tally(count, limit, tally.window, allowed=count <= limit)

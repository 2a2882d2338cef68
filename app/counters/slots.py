"""Slots: at most N holders of a counter per window, however concurrent, and never failing open.

A usage limit may count loosely and fail open (see ``store``); a security
check cannot. ``take_slots`` takes one slot of several counters in one atomic
step *before* the guarded work runs, all of them or none: when one counter
already holds its limit nothing is counted and the caller refuses. A holder
keeps its slots (the work counted, e.g. a failed login) or gives them back
(it did not, e.g. a login that succeeded). So with a limit of N, at most N
callers ever get past ``take_slots`` in one window, whether they come one by
one, in parallel threads, in other workers or on other servers.

When the configured store is Redis and Redis cannot be reached, the slots are
taken in the system store instead (logged at most once a minute per process):
the count restarts there, but it is never off. When the system store fails
as well the caller gets a 503.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from app.counters.protocol import CounterStore, CounterStoreDown
from app.counters.store import get_counter_store, get_fallback_store
from app.counters.windows import Window, window_for
from app.vocabulary.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

FALLBACK_LOG_INTERVAL = 60
"""Seconds between two "counting in the system store" log lines of one process."""

_log_lock = threading.Lock()
_last_fallback_log = 0.0


@dataclass(frozen=True)
class Slot:
    """A counter and how many holders it admits per window."""

    key: str
    limit: int


@dataclass(frozen=True)
class Hold:
    """The outcome of ``take_slots``: the slots held (``taken``) or the window of a refusal."""

    store: CounterStore
    slots: tuple[Slot, ...]
    window: Window
    counts: tuple[int, ...] = ()
    """Each counter's value once taken (this holder included); empty when refused."""

    @property
    def taken(self) -> bool:
        return bool(self.counts)

    def count_of(self, key: str) -> int:
        for slot, count in zip(self.slots, self.counts, strict=True):
            if slot.key == key:
                return count
        return 0

    def give_back(self, keys: Sequence[str] | None = None) -> None:
        """Free the held slots (or those of ``keys``); an unreachable store is only logged."""
        if not self.taken:
            return
        names = [slot.key for slot in self.slots] if keys is None else list(keys)
        if not names:
            return
        try:
            self.store.give_back(names, self.window.start)
        except CounterStoreDown as exc:
            logger.error("slots not given back (they stay counted): %s", exc)


def take_slots(slots: Sequence[Slot], seconds: int) -> Hold:
    """One slot of each counter in the current window of ``seconds``, all or none."""
    window = window_for(seconds)
    keys = [slot.key for slot in slots]
    limits = [slot.limit for slot in slots]
    store = get_counter_store()
    try:
        counts = store.take(keys, limits, window.start, window.end)
    except CounterStoreDown as exc:
        store = get_fallback_store()
        _log_fallback(exc)
        try:
            counts = store.take(keys, limits, window.start, window.end)
        except CounterStoreDown as again:
            logger.error("slots cannot be counted anywhere: %s", again)
            raise ServiceUnavailable("The attempt counters are unreachable.") from None
    return Hold(store, tuple(slots), window, tuple(counts or ()))


def _log_fallback(exc: Exception) -> None:
    global _last_fallback_log
    at = time.monotonic()
    with _log_lock:
        if _last_fallback_log and at - _last_fallback_log < FALLBACK_LOG_INTERVAL:
            return
        _last_fallback_log = at
    logger.warning("counter store unreachable, counting slots in the system store: %s", exc)

"""The clock and the fixed windows counters are kept in.

A window of ``seconds`` starts at a multiple of ``seconds`` since the Unix
epoch, so every worker and server agrees on it without talking to the others.
Everything that needs the time calls ``windows.now()`` through the module, so
tests move time forward by patching that one function.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

PERIODS = ("minute", "hour", "day", "7-day", "30-day")
"""Period names as the API shows them; the stored value is the index."""

PERIOD_SECONDS = (60, 3600, 86400, 7 * 86400, 30 * 86400)
"""Seconds per period, by index (30-day is 30 days, not DreamFactory's 210)."""


def now() -> int:
    """Seconds since the epoch (patched by tests)."""
    return int(time.time())


@dataclass(frozen=True)
class Window:
    start: int
    """Epoch second the window began."""

    end: int
    """Epoch second the window ends (the next one begins)."""

    def retry_after(self, at: int) -> int:
        """Seconds until the window ends, at least 1."""
        return max(1, self.end - at)


def window_for(seconds: int, at: int | None = None) -> Window:
    """The fixed window of ``seconds`` containing ``at`` (default: now)."""
    at = now() if at is None else at
    start = at - at % seconds
    return Window(start, start + seconds)


def period_seconds(period: int) -> int:
    return PERIOD_SECONDS[period]

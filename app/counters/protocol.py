"""What a counter store does (``CounterStore``), what it lists (``Counter``) and how a
slot-taking call says the store is down (``CounterStoreDown``); ``store`` picks one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class CounterStoreDown(Exception):
    """The store could not be reached (raised by ``take`` and ``give_back`` only)."""


@dataclass(frozen=True)
class Counter:
    """One live counter, as a store lists it."""

    key: str
    window_start: int
    count: int


class CounterStore(Protocol):
    """Atomic fixed-window counters (see the module docstring for failure behaviour)."""

    def hit(self, key: str, window_start: int, expires_at: int, limit_id: int | None = None) -> int:
        """Add one to the counter and return its new value (0 when the store is unreachable).

        ``limit_id`` ties the counter to a ``limits`` row, so it goes with it.
        """
        ...

    def peek(self, key: str, window_start: int) -> int:
        """The counter's value (0 when absent or unreachable)."""
        ...

    def take(
        self, keys: list[str], limits: list[int], window_start: int, expires_at: int
    ) -> list[int] | None:
        """One slot of every counter, atomically all or none: each counter's new value, or
        None (nothing counted) when one of them already holds its limit.

        Raises ``CounterStoreDown`` when the store cannot be reached (never fails open).
        """
        ...

    def give_back(self, keys: list[str], window_start: int) -> None:
        """Free one slot of each counter (never below zero; a counter that is gone stays gone).

        Raises ``CounterStoreDown`` when the store cannot be reached.
        """
        ...

    def reset(self, key: str, window_start: int) -> None:
        """Forget one counter."""
        ...

    def reset_prefix(self, prefix: str) -> None:
        """Forget every counter whose key starts with ``prefix``."""
        ...

    def counters(self, prefix: str) -> list[Counter]:
        """The live counters whose key starts with ``prefix`` (any window)."""
        ...

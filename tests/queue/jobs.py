"""Job functions for the queue tests, run by real worker processes.

Each appends a line ``<event> <unix time> <pid>`` to a file the test reads,
so a test sees when (and in which process) each attempt ran.
"""

from __future__ import annotations

import os
import time

NAMES = [f"tests.queue.jobs.{name}" for name in ("touch", "fail_first", "slow", "slow_once")]
"""The job functions of this module, which the test apps let workers run (``QUEUE_EXTRA_JOBS``)."""


def _mark(path: str, event: str) -> int:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{event} {time.time():.3f} {os.getpid()}\n")
    with open(path, encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def touch(path: str) -> str:
    _mark(path, "ran")
    return "ok"


def fail_first(path: str, failures: int) -> str:
    """Fail the first ``failures`` attempts, then succeed."""
    attempts = _mark(path, "attempt")
    if attempts <= failures:
        raise RuntimeError(f"attempt {attempts} fails on purpose")
    return "ok"


def slow(path: str, seconds: float) -> str:
    _mark(path, "start")
    time.sleep(seconds)
    _mark(path, "end")
    return "ok"


def lines(path: str) -> list[list[str]]:
    """The marks written so far, split into fields."""
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return [line.split() for line in handle if line.strip()]


def slow_once(path: str, seconds: float) -> str:
    """Hang on the first attempt (for a worker to be killed in), finish at once afterwards."""
    if _mark(path, "start") == 1:
        time.sleep(seconds)
    _mark(path, "end")
    return "ok"

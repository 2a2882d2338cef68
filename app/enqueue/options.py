"""The options of a queued job: where it goes, when it runs, how often it is tried.

They sit in an event script's ``config`` object, or in a scripted service's
``config`` beside ``content`` and ``queued``, as DreamFactory documents them:

- ``queue``: the queue's name (default ``DF_QUEUE_DEFAULT``); workers listen
  to queues by name, in priority order (``flask queue work --queue high,low``);
- ``connection``: a named Redis connection (``DF_QUEUE_CONNECTIONS``);
- ``delay``: seconds before the job may run (RQ's scheduler holds it until then);
- ``tries``: attempts before the job is failed (default ``DF_QUEUE_TRIES``);
- ``timeout``: seconds one attempt may run (default ``DF_QUEUE_TIMEOUT``);
- ``backoff``: seconds between attempts, a number (doubled after each
  failed attempt) or a list (one per retry); default ``DF_QUEUE_BACKOFF``.

Numbers may be given as digit strings (forms send text). ``parse`` raises a
400 naming the field for a bad value, so a script with one cannot be saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from app.vocabulary.errors import ValidationFailed

QUEUE_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
OPTION_NAMES = ("queue", "connection", "delay", "tries", "timeout", "backoff")

MAX_DELAY = 30 * 24 * 3600
"""Seconds; the longest ``delay`` accepted (30 days)."""

MAX_TRIES = 100
MAX_TIMEOUT = 24 * 3600
"""Seconds; the longest ``timeout`` accepted (a day)."""

MAX_BACKOFF = 24 * 3600
"""Seconds; the longest wait between two attempts."""


@dataclass(frozen=True)
class QueueOptions:
    queue: str
    connection: str | None
    delay: int
    tries: int
    timeout: int
    backoff: tuple[int, ...]
    """Seconds to wait before each retry (``tries - 1`` values)."""
    explicit: frozenset[str] = frozenset()
    """Options the script set itself; a worker's ``--tries``/``--timeout`` fill in the rest."""


def _integer(value: Any, field: str, low: int, high: int, errors: dict[str, list[str]]) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(field, []).append(f"The {field} option must be a whole number.")
        return low
    if not low <= value <= high:
        errors.setdefault(field, []).append(f"The {field} option must be between {low} and {high}.")
        return low
    return value


def parse(
    config: Any, defaults: dict[str, Any], connections: list[str] | None = None, prefix: str = ""
) -> QueueOptions:
    """The options in ``config`` (an event script's or a service's), with ``defaults`` filled in.

    ``defaults`` is the app config (``QUEUE_DEFAULT``, ``QUEUE_TRIES``...);
    ``connections`` the configured connection names, to refuse an unknown
    one (None skips that check); ``prefix`` goes before field names in errors.
    """
    config = config if isinstance(config, dict) else {}
    errors: dict[str, list[str]] = {}
    present = {name for name in OPTION_NAMES if config.get(name) not in (None, "")}

    queue = str(config.get("queue") or defaults.get("QUEUE_DEFAULT") or "default")
    if not QUEUE_NAME.match(queue):
        errors["queue"] = ["The queue option must be 1 to 64 letters, digits or any of _ . : -"]

    connection = config.get("connection") or None
    if connection is not None:
        connection = str(connection)
        if connections is not None and connection not in connections:
            known = ", ".join(connections) or "none: DF_REDIS_URL is not set"
            errors["connection"] = [
                f"The queue connection '{connection}' is not configured (configured: {known})."
            ]

    def given(name: str, default: Any) -> Any:
        return config[name] if name in present else default

    delay = _integer(given("delay", 0), "delay", 0, MAX_DELAY, errors)
    tries = _integer(given("tries", defaults.get("QUEUE_TRIES", 1)), "tries", 1, MAX_TRIES, errors)
    timeout = _integer(
        given("timeout", defaults.get("QUEUE_TIMEOUT", 60)), "timeout", 1, MAX_TIMEOUT, errors
    )
    backoff = _backoff(given("backoff", None), defaults.get("QUEUE_BACKOFF"), tries, errors)
    if errors:
        raise ValidationFailed({f"{prefix}{name}": messages for name, messages in errors.items()})
    return QueueOptions(queue, connection, delay, tries, timeout, backoff, frozenset(present))


def _backoff(value: Any, default: Any, tries: int, errors: dict[str, list[str]]) -> tuple[int, ...]:
    """Seconds before each of the ``tries - 1`` retries."""
    if value in (None, ""):
        value = default if default not in (None, "") else 10
    if isinstance(value, list):
        steps = [_integer(v, "backoff", 0, MAX_BACKOFF, errors) for v in value]
        if not steps:
            return tuple(0 for _ in range(tries - 1))
        return tuple(steps[min(i, len(steps) - 1)] for i in range(tries - 1))
    base = _integer(value, "backoff", 0, MAX_BACKOFF, errors)
    return tuple(min(base * 2**i, MAX_BACKOFF) for i in range(tries - 1))


def rq_intervals(backoff: tuple[int, ...] | list[int]) -> list[int]:
    """Backoff as RQ's retry intervals, so that no retry comes early.

    RQ schedules a retry at a whole second, dropping the fraction (its
    scheduled registry is scored in whole seconds), so it may run up to a
    second before the interval is over; a second more makes it never early.
    """
    return [step + 1 if step else 0 for step in backoff]


def has_options(config: Any) -> bool:
    return isinstance(config, dict) and any(name in config for name in OPTION_NAMES)

"""Queued work, run on a queue worker through the same path as every internal call.

A queued scripted-service call is replayed with ``call_internal``: the caller
(as they are now) is checked as any internal call is, lookups are substituted,
and the service runs the call instead of queueing it again (the request is
``deferred``; the event scripts that ran when it was queued do not run again).
A queued event script is not a call: it runs with the event of the request that
queued it, and each ``platform.api`` call it makes is checked as its caller's.
"""

from __future__ import annotations

import logging
from typing import Any

from app.dispatch import call_internal
from app.scripting import queueing

logger = logging.getLogger(__name__)


def run_queued(job: dict[str, Any]) -> None:
    """Run one queued job (inside the worker's app context); an ``ApiError`` fails it."""
    kind = job.get("kind")
    if kind not in ("event_script", "service"):
        logger.warning("queued job of unknown kind %r skipped", kind)
        return
    request = queueing.queued_request(job)
    if kind == "event_script":
        queueing.run_queued_event(job, request)
        return
    call_internal(request)

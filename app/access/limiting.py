"""Enforcing usage limits on API calls (the throttle on failed logins is ``app.access.throttle``).

The limits themselves (what a ``system/limit`` record says, which of them
apply to a call) are ``app.limit_rules``; their counters are ``app.counters``.
``enforce_limits`` runs last in the access pipeline, after authorization, so
only calls that would otherwise be served are counted. For each active limit
that applies (see ``app.limit_rules.matching``) the counter of its current
window is checked *before* it is incremented: with a rate of N, N calls are
allowed and the N+1st is refused with 429 until the window ends. A refused
call is not counted against any limit. Sys admins and calls made by scripts
are exempt, as in DreamFactory.

The 429 carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``,
``X-RateLimit-Reset`` (epoch second the window ends) and ``Retry-After``
(seconds), for the exceeded limit whose window ends last; a limited call that
is allowed carries the first three, for the limit with the fewest calls left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import after_this_request, g, request

from app import system_cache
from app.counters import windows
from app.counters.store import Tally, get_counter_store, peek_event
from app.limit_rules.matching import Call, LimitInfo, active_limits, applicable
from app.vocabulary.calls import Requestor
from app.vocabulary.errors import TooManyRequests
from app.vocabulary.paths import parse_api_path

if TYPE_CHECKING:
    from app.access.actor import Actor

logger = logging.getLogger(__name__)

LIMIT_EXCEEDED = "API limit(s) exceeded. "


def rate_headers(tally: Tally, retry: bool = False) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": str(tally.limit),
        "X-RateLimit-Remaining": str(0 if retry else tally.remaining),
        "X-RateLimit-Reset": str(tally.window.end),
    }
    if retry:
        headers["Retry-After"] = str(tally.window.retry_after(windows.now()))
    return headers


@dataclass
class LimitCheck:
    """The outcome of ``check_limits``: the limits that counted the call, and those exceeded."""

    counted: list[tuple[LimitInfo, Tally]] = field(default_factory=list)
    exceeded: list[tuple[LimitInfo, Tally]] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.exceeded

    def headers(self) -> dict[str, str]:
        if self.exceeded:
            _, tally = max(self.exceeded, key=lambda item: item[1].window.end)
            return rate_headers(tally, retry=True)
        if self.counted:
            _, tally = min(self.counted, key=lambda item: item[1].remaining)
            return rate_headers(tally)
        return {}


class LimitExceeded(TooManyRequests):
    """429 naming every exceeded limit in ``context``, with the rate-limit headers."""

    def __init__(self, check: LimitCheck) -> None:
        context = [
            {"id": limit.id, "name": limit.name, "object": dict(limit.record)}
            for limit, _ in check.exceeded
        ]
        super().__init__(LIMIT_EXCEEDED, context=context)
        self.headers = check.headers()


def is_exempt(actor: Actor) -> bool:
    """Sys admins and scripts are never limited."""
    return actor.is_sys_admin or actor.requestor == Requestor.SCRIPT


def check_limits(actor: Actor, verb: str, service: str, resource: str) -> LimitCheck:
    """Count the call against the limits that apply, unless one of them is already full."""
    if is_exempt(actor):
        return LimitCheck()
    limits = active_limits()
    if not limits:
        return LimitCheck()
    info = system_cache.get_service_info(service) if service else None
    call = Call(
        verb=verb.upper(),
        user_id=actor.user.id if actor.user is not None else None,
        role_id=actor.role.id if actor.role is not None else None,
        service_id=info.id if info is not None else None,
        resource=resource,
    )
    chosen = applicable(limits, call)
    if not chosen:
        return LimitCheck()
    store = get_counter_store()
    peeks = [
        (limit, peek_event(limit.counter_key(call.user_id), limit.rate, limit.seconds, store))
        for limit in chosen
    ]
    exceeded = [(limit, tally) for limit, tally in peeks if not tally.allowed]
    if exceeded:
        return LimitCheck(counted=[], exceeded=exceeded)
    counted = []
    for limit, tally in peeks:
        key = limit.counter_key(call.user_id)
        count = store.hit(key, tally.window.start, tally.window.end, limit.id)
        counted.append((limit, Tally(count, limit.rate, tally.window, count <= limit.rate)))
    return LimitCheck(counted=counted, exceeded=[(lim, t) for lim, t in counted if not t.allowed])


def require_within_limits(actor: Actor, verb: str, service: str, resource: str) -> LimitCheck:
    """``check_limits``, raising ``LimitExceeded`` when a limit is full."""
    check = check_limits(actor, verb, service, resource)
    if not check.allowed:
        raise LimitExceeded(check)
    return check


def enforce_limits():
    """Pipeline step: refuse an API call over a limit with 429 and the rate-limit headers.

    The 429 is raised like every pipeline refusal; the ``ApiError`` handler
    sends ``LimitExceeded.headers`` with it.
    """
    actor = g.get("actor")
    if actor is None:  # not an API call: authentication did not run
        return None
    _, service, resource = parse_api_path((request.view_args or {}).get("path", ""))
    check = require_within_limits(actor, g.method, service, resource)
    headers = check.headers()
    if headers:

        @after_this_request
        def add_headers(response):
            for name, value in headers.items():
                response.headers.setdefault(name, value)
            return response

    return None

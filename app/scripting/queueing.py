"""Handing scripts to a job queue: ``.queued`` event scripts and queued scripted services.

This module is the seam with the job queue. A queue makes itself available
by putting an object with an ``enqueue(job, config)`` method in
``app.extensions["df_script_queue"]`` (``app.enqueue``); a job is plain JSON (names, ids and
values, never credentials) and the queue's worker runs it inside an app context built by
the same factory, through the dispatcher (``app.dispatch.queued``): a queued service call
as ``call_internal(queued_request(job))``, a queued event script with ``run_queued_event``.

Without a queue, queueing is refused with a 503 that says so, and the refusal
comes before the service runs (``require_queue``), so a request either is
handled completely or not at all: a ``.queued`` script is never silently
dropped.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app import enqueue, system_cache
from app.access.actor import Actor
from app.extensions import db
from app.models import App
from app.scripting import runner
from app.scripting.scripts import get_index
from app.vocabulary.calls import Requestor, ServiceRequest
from app.vocabulary.errors import ServiceUnavailable

if TYPE_CHECKING:
    from app.access.actor import Actor
    from app.scripting.scripts import ScriptInfo
    from app.vocabulary.calls import ServiceRequest

logger = logging.getLogger(__name__)

CREDENTIAL_HEADERS = frozenset(
    {"authorization", "cookie", "x-dreamfactory-api-key", "x-dreamfactory-session-token"}
)
"""Request headers left out of queued jobs: the job names its caller by ids instead."""


def require_queue() -> Any:
    """The queue, ready to take jobs: a 503 when there is none or it cannot be reached."""
    queue = enqueue.get_queue()
    if queue is None:
        raise ServiceUnavailable(enqueue.NO_QUEUE)
    check = getattr(queue, "check", None)
    if check is not None:
        check()
    return queue


def actor_ids(actor: Actor | None) -> dict[str, int | None]:
    return {
        "user_id": actor.user.id if actor and actor.user else None,
        "app_id": actor.app.id if actor and actor.app else None,
        "role_id": actor.role.id if actor and actor.role else None,
    }


def job_request(request_view: dict[str, Any]) -> dict[str, Any]:
    """``event.request`` without credential headers."""
    view = dict(request_view)
    headers = view.get("headers") or {}
    view["headers"] = {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}
    return view


def queue_event(script: ScriptInfo, event: dict[str, Any], actor: Actor | None) -> None:
    """Queue the ``.queued`` script with the finished request's event (its config has
    the queue options)."""
    name = script.name
    job = {
        "kind": "event_script",
        "script": name,
        "event": {**event, "request": job_request(event.get("request") or {})},
        "actor": actor_ids(actor),
        "queued_at": int(time.time()),
    }
    require_queue().enqueue(job, script.config)
    logger.info("script=%s queued", name)


def queue_service_call(service: str, config: dict[str, Any], request: ServiceRequest) -> None:
    """Queue a call to a queued scripted service (the client has its 202 already);
    ``config`` is the service's, with the queue options."""
    job = {
        "kind": "service",
        "service": service,
        "request": job_request(request.to_event()),
        "actor": actor_ids(request.actor),
        "queued_at": int(time.time()),
    }
    require_queue().enqueue(job, config)
    logger.info("script=service.%s queued", service)


def rebuild_actor(ids: dict[str, Any]) -> Actor:
    """The caller of a queued job, from its ids (as they are now)."""
    actor = Actor()
    if ids.get("user_id"):
        actor.user = system_cache.get_user(int(ids["user_id"]))
    if ids.get("app_id"):
        row = db.session.scalar(sa.select(App).where(App.id == int(ids["app_id"])))
        if row is not None:
            actor.app = system_cache.get_app_by_key(row.api_key)
            actor.api_key = row.api_key
    if ids.get("role_id"):
        actor.role = system_cache.get_role(int(ids["role_id"]))
    return actor


def queued_request(job: dict[str, Any]) -> ServiceRequest:
    """The call a queued job replays, made by its caller as they are now: the request as
    it was queued (its HTTP ``uri`` included), marked ``deferred`` so it is run, not queued."""
    view = job.get("request") or (job.get("event") or {}).get("request") or {}
    content = view.get("content") or ""
    return ServiceRequest.internal(
        str(view.get("method") or "GET"),
        str(view.get("service") or job.get("service") or ""),
        str(view.get("resource") or ""),
        params=dict(view.get("parameters") or {}),
        headers=dict(view.get("headers") or {}),
        payload=view.get("payload"),
        content=content.encode("utf-8") if isinstance(content, str) else b"",
        content_type=view.get("content_type"),
        actor=rebuild_actor(job.get("actor") or {}),
        requestor=Requestor.API,
        uri=str(view.get("uri") or ""),
        deferred=True,
    )


def run_queued_event(job: dict[str, Any], request: ServiceRequest) -> None:
    """Run a queued event script with the event of the request that queued it.

    A script that ends with an exception, a timeout or a crash raises its
    ``ApiError``, so the queue can retry the job and then list it as failed.
    """
    name = str(job.get("script"))
    script = get_index().scripts.get(name)
    if script is None:
        logger.info("script=%s queued job skipped: no such active script", name)
        return
    result = runner.run_script(script, name, dict(job.get("event") or {}), request)
    if result.error is not None:
        logger.warning("script=%s queued run failed: %s", name, result.error.message)
        raise runner.script_error(result.error)  # the queue retries it, then fails it

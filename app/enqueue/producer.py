"""Putting jobs on RQ queues: queued scripts, queued scripted services, scheduled tasks.

A job names an importable function (``app.queue.jobs``) and carries only
plain JSON values: the event as it was at the end of the request, the
script's or service's name, the caller as ids (user, app, role), a task id.
Jobs are serialized as JSON, never pickled, and signed (``signing``), so a
job in Redis cannot smuggle code into a worker, and workers run no job this
app did not make (``guard``).

The script's options (``app.enqueue.options``) decide the connection and the
queue, the delay (RQ's scheduled-job registry holds the job until then; a
worker started by ``flask queue work`` runs RQ's scheduler), the attempts
(RQ's ``Retry`` with the backoff intervals) and the timeout of each attempt.

``ScriptQueue`` is what the scripting side sees (``app.scripting.queueing``
looks for it in ``app.extensions["df_script_queue"]``): ``app.enqueue.init_app``
installs one when Redis is configured, and without it queued scripts are
refused with a 503.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

import redis
from flask import current_app
from rq import Queue, Retry
from rq.serializers import JSONSerializer

from app.enqueue import connections, options, signing
from app.vocabulary.errors import ServiceUnavailable, ValidationFailed

logger = logging.getLogger(__name__)

SCRIPT_JOB = "app.queue.jobs.run_script_job"
TASK_JOB = "app.queue.jobs.run_task_job"

TIMEOUT_GRACE = 5
"""Seconds RQ waits beyond a job's ``timeout`` before killing it: the script engine
stops the script at ``timeout`` itself and reports it, which says more."""

CHECK_TTL = 1.0
"""Seconds a process trusts its last look at Redis (reachable or not) before looking again."""

RESULT_TTL = 600
"""Seconds a finished job (and its result) stays in Redis."""

FAILURE_TTL = 30 * 24 * 3600
"""Seconds a failed job stays in the failed list (``flask queue failed``) unless retried."""


def queue_options(config: Any, prefix: str = "") -> options.QueueOptions:
    """The options in a script's or service's config, checked against this app's settings."""
    return options.parse(
        config, current_app.config, connections.get_connections().names(), prefix=prefix
    )


def get_queue(name: str, connection: str | None = None) -> Queue:
    return Queue(name, connection=connections.get_connection(connection), serializer=JSONSerializer)


def enqueue(
    func: str,
    kwargs: dict[str, Any],
    opts: options.QueueOptions,
    description: str,
    job_id: str | None = None,
) -> str:
    """Put one job on its queue (or in the scheduled registry for a delay); its id.

    Raises 503 when the connection is not configured, Redis cannot be reached or it
    refuses the password in the URL.
    """
    client = connections.get_connection(opts.connection)
    queue = Queue(opts.queue, connection=client, serializer=JSONSerializer)
    retry = None
    if opts.tries > 1:
        retry = Retry(max=opts.tries - 1, interval=options.rq_intervals(opts.backoff))
    meta = {
        "df_connection": opts.connection or connections.DEFAULT,
        "df_tries": opts.tries,
        "df_timeout": opts.timeout,
        "df_explicit": sorted(opts.explicit),
    }
    try:
        job = queue.create_job(
            func,
            kwargs=kwargs,
            timeout=opts.timeout + TIMEOUT_GRACE,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
            description=description,
            job_id=job_id,
            meta=meta,
            retry=retry,
        )
        job.meta[signing.SIGNATURE_KEY] = signing.sign(
            signing.signing_key(current_app.config), job.id, job.data
        )
        if opts.delay:
            # RQ keeps whole seconds and drops the fraction: round up, never run early
            at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=opts.delay)
            if at.microsecond:
                at = at.replace(microsecond=0) + dt.timedelta(seconds=1)
            queue.schedule_job(job, at)
        else:
            queue.enqueue_job(job)
    except redis.RedisError as exc:
        message = connections.problem(opts.connection, exc)
        logger.error("queue=%s state=not_queued error=%s", opts.queue, message)
        raise ServiceUnavailable(message) from None
    logger.info(
        "job=%s queue=%s connection=%s delay=%s tries=%s description=%s",
        job.id,
        opts.queue,
        meta["df_connection"],
        opts.delay,
        opts.tries,
        description,
    )
    return job.id


def script_options(job: dict[str, Any], config: Any) -> options.QueueOptions:
    """The options of the script a queued job runs (``config``: its config as saved now)."""
    try:
        return queue_options(config or {})
    except ValidationFailed:  # saved before options were checked: run it with the defaults
        logger.warning("job=%s state=bad_options using=defaults", describe_job(job))
        return options.parse({}, current_app.config)


def describe_job(job: dict[str, Any]) -> str:
    if job.get("kind") == "service":
        return f"service.{job.get('service')}"
    return str(job.get("script") or job.get("kind") or "job")


class ScriptQueue:
    """The queue as ``app.scripting.queueing`` uses it: ``check()``, then ``enqueue(job)``.

    ``check`` runs before a request's service does, so that a request whose
    ``.queued`` script could not be enqueued (Redis down) is refused before it
    writes anything. Its answer is kept ``CHECK_TTL`` seconds per process, so
    a busy server asks Redis about once a second, and an outage costs each
    process one slow attempt a second instead of one per request.
    """

    def __init__(self) -> None:
        self._checked_until = 0.0
        self._down_until = 0.0
        self._down_message = ""

    def check(self) -> None:
        now = time.monotonic()
        if now < self._checked_until:
            return
        if now < self._down_until:
            raise ServiceUnavailable(self._down_message)
        try:
            connections.get_connection().ping()
        except redis.RedisError as exc:
            self._down_message = connections.problem(None, exc)
            logger.error("queue state=unreachable error=%s", self._down_message)
            self._down_until = time.monotonic() + CHECK_TTL
            raise ServiceUnavailable(self._down_message) from None
        self._checked_until = time.monotonic() + CHECK_TTL

    def enqueue(self, job: dict[str, Any], config: Any) -> str:
        """Queue ``job`` with the options in ``config`` (the script's or service's config)."""
        return enqueue(SCRIPT_JOB, {"job": job}, script_options(job, config), describe_job(job))

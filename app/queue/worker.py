"""``AppWorker``: the RQ worker that runs this app's jobs.

It is RQ's ``SimpleWorker`` (jobs run in the worker process, one at a
time) with what the app needs around it:

- the app is built once per process (``jobs.worker_app``), so database pools
  and the script engines' warm workers outlive a job;
- jobs are JSON (``rq.serializers.JSONSerializer``) whatever serializer a
  command line asks for, because that is how this app enqueues them, and
  they are read as ``guard.AppJob``: a job that is not one of this app's own
  (pushed into Redis by anyone else) is refused before anything of it is
  imported, called or unpickled, and fails at once with the reason;
- a job abandoned by a worker that died (SIGKILL, OOM, a lost machine) is
  noticed ``DF_QUEUE_HEARTBEAT_GRACE`` seconds after its timeout instead of
  RQ's fixed 60, by the next worker's registry sweep (at its start and every
  ``DF_QUEUE_MAINTENANCE_INTERVAL`` seconds, idle or not: an idle worker waits
  for a job at most that long before it sweeps, where RQ would wait
  ``worker_ttl - 15`` = 405 s), and is retried if it has attempts left or
  moved to the failed list otherwise;
- its scheduler child dies with it, even of SIGKILL (``app.queue.lifeline``);
- ``default_tries``/``default_timeout`` (``flask queue listen --tries
  --timeout``) apply to jobs whose script did not set its own;
- each failure is logged as a ``key=value`` line before RQ records it.

Plain ``rq worker`` uses it with ``--worker-class app.queue.worker.AppWorker``
(see the README's "Production" section).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rq import Queue, SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.serializers import JSONSerializer

from app.enqueue.options import rq_intervals
from app.enqueue.producer import FAILURE_TTL, TIMEOUT_GRACE
from app.queue import jobs
from app.queue.guard import AppJob, disarm
from app.queue.lifeline import LinkedScheduler

if TYPE_CHECKING:
    from flask import Flask
    from rq.job import Job

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT_GRACE = 60
"""Seconds after its timeout that a job whose worker vanished counts as abandoned."""


class AppWorker(SimpleWorker):
    """RQ's ``SimpleWorker`` for this app (see the module docstring)."""

    def __init__(
        self,
        queues: Any,
        *args: Any,
        app: Flask | None = None,
        default_tries: int | None = None,
        default_timeout: int | None = None,
        default_backoff: tuple[int, ...] = (),
        heartbeat_grace: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["serializer"] = JSONSerializer
        kwargs["job_class"] = AppJob
        names = [q.name if isinstance(q, Queue) else q for q in _as_list(queues)]
        super().__init__(names, *args, **kwargs)
        if app is not None:
            jobs.use_app(app)
        self.default_tries = default_tries
        self.default_timeout = default_timeout
        self.default_backoff = default_backoff
        self._heartbeat_grace = heartbeat_grace
        self.push_exc_handler(log_failure)

    @property
    def heartbeat_grace(self) -> int:
        if self._heartbeat_grace is None:
            config = jobs.worker_app().config
            self._heartbeat_grace = int(
                config.get("QUEUE_HEARTBEAT_GRACE", DEFAULT_HEARTBEAT_GRACE)
            )
        return self._heartbeat_grace

    @property
    def dequeue_timeout(self) -> int:
        """Seconds an idle worker waits for a job before its next round (sweep included)."""
        return max(1, min(self.worker_ttl - 15, int(self.maintenance_interval)))

    def _start_scheduler(
        self,
        burst: bool = False,
        logging_level: str | None = "INFO",
        date_format: str = DEFAULT_LOGGING_DATE_FORMAT,
        log_format: str = DEFAULT_LOGGING_FORMAT,
    ) -> None:
        """RQ's, with a scheduler that dies with this worker (``LinkedScheduler``)."""
        self.scheduler = LinkedScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if not self.scheduler.acquired_locks:
            return  # another worker's scheduler has them; the sweeps try again
        if not burst:
            self.scheduler.start()
            return
        try:  # a burst worker moves what is due now, in its own process
            self.scheduler.register_birth()
            self.scheduler.enqueue_scheduled_jobs()
        finally:
            self.scheduler.release_locks()
            self.scheduler.register_death()

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """How long the job's entry in the started registry lives without a heartbeat.

        A ``SimpleWorker`` sends none while a job runs, so the entry must
        outlast the job's whole timeout; it expires ``heartbeat_grace``
        seconds later, when the job can only have been abandoned.
        """
        timeout = job.timeout if job.timeout and job.timeout > 0 else self.worker_ttl
        return int(timeout) + self.heartbeat_grace

    def execute_job(self, job: Job, queue: Queue) -> None:
        if isinstance(job, AppJob) and job.refusal:
            self.refuse(job, queue)
        else:
            self.apply_defaults(job)
        super().execute_job(job, queue)  # a refused job's func raises ForeignJobError

    def refuse(self, job: AppJob, queue: Queue) -> None:
        """Disarm a foreign job, so that RQ fails it at once, on this queue, without retries."""
        logger.warning("job=%s queue=%s state=refused reason=%s", job.id, queue.name, job.refusal)
        job.origin = queue.name
        job.failure_ttl = FAILURE_TTL
        job.retries_left = None
        disarm(self.connection, job)

    def apply_defaults(self, job: Job) -> None:
        """The worker's ``--tries``/``--timeout`` for a job whose script left them unset."""
        meta = job.meta or {}
        explicit = set(meta.get("df_explicit") or ())
        changed = False
        if self.default_timeout and "timeout" not in explicit:
            job.timeout = self.default_timeout + TIMEOUT_GRACE
            job.meta["df_timeout"] = self.default_timeout
            changed = True
        if (
            self.default_tries
            and self.default_tries > 1
            and "tries" not in explicit
            and job.retries_left is None
        ):
            job.retries_left = self.default_tries - 1
            steps = rq_intervals(self.default_backoff) or [0]
            job.retry_intervals = [steps[min(i, len(steps) - 1)] for i in range(job.retries_left)]
            job.meta["df_tries"] = self.default_tries
            changed = True
        if changed:  # saved, so a worker sweeping up after this one's death sees them too
            job.save()


def log_failure(job: Job, exc_type: Any, exc_value: Any, traceback: Any) -> None:
    """Exception handler: one ``key=value`` line per failed attempt (RQ then records it)."""
    logger.warning(
        "job=%s queue=%s state=failed retries_left=%s error=%s",
        job.id,
        job.origin,
        job.retries_left or 0,
        f"{getattr(exc_type, '__name__', exc_type)}: {exc_value}"[:500],
    )


def _as_list(queues: Any) -> list[Any]:
    if isinstance(queues, str | Queue):
        return [queues]
    return list(queues)

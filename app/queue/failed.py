"""Failed jobs across every configured connection and queue: list, retry, forget, flush.

A job lands in its queue's failed registry after its last attempt (or when
a dead worker's job had no attempts left). Retrying puts it back on its queue
for one more attempt; forgetting deletes it. Queues are the ones RQ has seen
on each connection (``rq:queues``). Jobs are read as ``guard.AppJob`` (JSON
only), so a job or result planted in Redis is listed with why it was refused,
and nothing of it is unpickled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from app.enqueue import connections
from app.queue.guard import AppJob

ERROR_CHARS = 300
"""Characters of a failure's last line shown per job."""


@dataclass(frozen=True)
class FailedJob:
    id: str
    connection: str
    queue: str
    failed_at: dt.datetime | None
    error: str
    description: str


def _registries() -> Iterator[tuple[str, Queue, FailedJobRegistry]]:
    """Each queue's failed registry, per Redis (two names for one URL are looked at once)."""
    registry = connections.get_connections()
    seen: set[str] = set()
    for name in registry.names():
        if registry.urls[name] in seen:
            continue
        seen.add(registry.urls[name])
        client = registry.get(name)
        for queue in Queue.all(connection=client, job_class=AppJob, serializer=JSONSerializer):
            yield name, queue, queue.failed_job_registry


def _error_of(job: AppJob) -> str:
    try:
        result = job.latest_result()
    except Exception:  # a result RQ cannot read (not JSON): say why the job is refused, if it is
        result = None
    text = (result.exc_string if result is not None else None) or ""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines and job.refusal:
        lines = [f"Refused: {job.refusal}"]
    return (lines[-1] if lines else "unknown error")[:ERROR_CHARS]


def list_failed() -> list[FailedJob]:
    """Every failed job, oldest failure first."""
    found: list[FailedJob] = []
    for name, queue, registry in _registries():
        for job_id in registry.get_job_ids():
            try:
                job = AppJob.fetch(job_id, connection=queue.connection)
            except NoSuchJobError:
                registry.remove(job_id)
                continue
            found.append(
                FailedJob(
                    id=job.id,
                    connection=name,
                    queue=queue.name,
                    failed_at=job.ended_at,
                    error=_error_of(job),
                    description=job.description or job.func_name or "",
                )
            )
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    found.sort(key=lambda f: _aware(f.failed_at) or epoch)
    return found


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _find(job_id: str) -> tuple[FailedJobRegistry, str] | None:
    for _, _, registry in _registries():
        if job_id in registry:
            return registry, job_id
    return None


def retry(job_id: str) -> bool:
    """Put one failed job back on its queue; False when no failed job has that id."""
    found = _find(job_id)
    if found is None:
        return False
    registry, _ = found
    registry.requeue(job_id)
    return True


def retry_all() -> int:
    count = 0
    for job in list_failed():
        count += retry(job.id)
    return count


def forget(job_id: str) -> bool:
    """Delete one failed job; False when no failed job has that id."""
    found = _find(job_id)
    if found is None:
        return False
    registry, _ = found
    registry.remove(job_id, delete_job=True)
    return True


def flush() -> int:
    """Delete every failed job; how many there were."""
    count = 0
    for _, _, registry in _registries():
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
            count += 1
    return count

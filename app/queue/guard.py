"""Which jobs a worker runs: this app's own job functions, and nothing else found in Redis.

Whoever can write to Redis can put a job hash on a queue, and RQ would
import and call what the hash names: its function (in ``data``), its
success, failure and stopped callbacks; it would send its webhooks, and its
default serializer would unpickle ``data``, ``meta`` and results, which by
itself runs code. Workers therefore read jobs as ``AppJob``:

- always with RQ's JSON serializer, whatever a command line asks for, so
  nothing in a job hash is ever unpickled;
- ``AppJob.restore`` looks at the raw hash before RQ reads it (``refusal``):
  the function must be one of ``OWN_JOBS`` (or ``DF_QUEUE_EXTRA_JOBS``),
  called on no instance with JSON arguments, the job may name no callbacks,
  webhooks or dependencies (this app's jobs have none), carry JSON meta
  only, and be signed by this app (``app.enqueue.signing``: our functions
  with forged arguments are refused too). A hash RQ cannot read at all is
  refused as well;
- a refused job is kept only disarmed (``disarmed``: its data becomes a
  call of nothing, its callbacks, webhooks, dependencies, meta and result
  are dropped), its ``func`` raises ``ForeignJobError`` with the reason, and
  it is never retried: the worker fails it at once (``disarm`` writes the
  disarmed hash back) and ``flask queue failed`` lists it as "Refused: ...".

Jobs pickled by RQ's default serializer, by another program or an install
older than JSON jobs, are refused the same way (their data is not JSON),
without being unpickled.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.utils import import_attribute

from app.enqueue import signing
from app.enqueue.producer import SCRIPT_JOB, TASK_JOB
from app.queue import jobs

OWN_JOBS = frozenset({SCRIPT_JOB, TASK_JOB})
"""Dotted names of the functions this app enqueues, the only ones its workers import."""

CALLBACKS = {
    "success_callback_name": "success callback",
    "failure_callback_name": "failure callback",
    "stopped_callback_name": "stopped callback",
}
"""Hash fields naming a function RQ imports and calls after the job."""

LINKS = {"webhooks": "webhooks", "dependency_ids": "dependencies", "dependency_id": "dependencies"}
"""Hash fields that make RQ reach beyond the job (HTTP requests, other jobs)."""

DROPPED = (*CALLBACKS, *LINKS, "meta", "result")
"""Fields a refused job loses."""

KEPT = ("origin", "description")
"""Fields (plain text) a refused job keeps when RQ cannot read the rest of its hash."""

INERT_DATA = JSONSerializer.dumps([None, None, [], {}])
"""The ``data`` of a refused job: a call of nothing."""

NAME_CHARS = 120
"""Characters of a foreign name quoted in a refusal."""


class ForeignJobError(Exception):
    """A job this app did not make; nothing of it was imported, called or unpickled."""


def extra_jobs(config: Mapping[str, Any]) -> frozenset[str]:
    """``QUEUE_EXTRA_JOBS``: more job functions, a list or a comma-separated string."""
    value = config.get("QUEUE_EXTRA_JOBS") or ()
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return frozenset(str(name).strip() for name in value if str(name).strip())


@dataclass(frozen=True)
class Policy:
    """What a job must be to run here: one of ``functions``, signed with ``key``."""

    functions: frozenset[str]
    key: bytes


def policy() -> Policy:
    """This process's policy, from its app's config (the worker's app outside a request)."""
    config = current_app.config if has_app_context() else jobs.worker_app().config
    return Policy(OWN_JOBS | extra_jobs(config), signing.signing_key(config))


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


def _quoted(name: Any) -> str:
    text = repr(name)
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 3] + "..."


def _unzipped(raw: bytes) -> bytes:
    """``data`` as RQ reads it: zlib-compressed, or else as it is."""
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return raw


def _json(raw: bytes) -> Any:
    """The JSON in ``raw``; ValueError when it is anything else."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def refusal(job_id: str, fields: Mapping[str, Any], rules: Policy) -> str | None:
    """Why the hash ``fields`` (raw values) of job ``job_id`` is not one of ours, or None.

    The checks go from the payload to the signature, so a forged job is refused
    for the first thing that gives it away.
    """
    data = _unzipped(_bytes(fields.get("data") or b""))
    try:
        call = _json(data)
    except ValueError:
        return (
            "its data is not JSON (RQ's default serializer pickles: another program, "
            "or an older install) and was not unpickled"
        )
    if not (isinstance(call, list) and len(call) == 4):
        return "its data is not a call (function, instance, arguments, keyword arguments)"
    func, instance, args, kwargs = call
    if not isinstance(func, str) or func not in rules.functions:
        return f"{_quoted(func)} is not one of this app's job functions"
    if instance is not None:
        return "it calls its function on an instance"
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        return "its arguments are not a list and an object"
    for field, label in CALLBACKS.items():
        if fields.get(field):
            name = _quoted(_text(fields[field]))
            return f"it names a {label} ({name}); this app's jobs have none"
    for field, label in LINKS.items():
        if _bytes(fields.get(field) or b"") not in (b"", b"[]"):
            return f"it has {label}, which this app's jobs never have"
    try:
        meta = _json(_bytes(fields.get("meta") or b"{}"))
    except ValueError:
        return "its meta is not JSON and was not unpickled"
    signature = meta.get(signing.SIGNATURE_KEY) if isinstance(meta, dict) else None
    if not signing.verify(rules.key, job_id, data, signature):
        return "it is not signed by this app (forged, or queued before its secret changed)"
    return None


def disarmed(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` of a refused job with nothing left that names code or holds a pickle."""
    kept = {name: value for name, value in fields.items() if name not in DROPPED}
    kept["data"] = INERT_DATA
    return kept


def minimal(fields: Mapping[str, Any]) -> dict[str, bytes]:
    """The few fields of a refused job that any hash can give (text made readable)."""
    kept = {name: _text(fields[name]).encode() for name in KEPT if fields.get(name)}
    return {**kept, "data": INERT_DATA}


class AppJob(Job):
    """An RQ job read through the guard (see the module docstring)."""

    refusal: str | None = None
    """Why this job is not one of ours, when it is not."""

    def __init__(self, id: str | None = None, connection: Any = None, serializer: Any = None):
        super().__init__(id, connection=connection, serializer=JSONSerializer)

    def restore(self, raw_data: Any) -> Any:
        fields = {_text(name): value for name, value in raw_data.items()}
        if "data" not in fields:
            return super().restore(raw_data)  # RQ's "no such job"
        self.refusal = refusal(self.id, fields, policy())
        if self.refusal is not None:
            fields = disarmed(fields)
        try:
            return super().restore(fields)
        except NoSuchJobError:
            raise
        except Exception as exc:  # any field RQ chokes on: refuse the job, keep the worker going
            self.refusal = self.refusal or f"its fields cannot be read ({type(exc).__name__})"
            self._success_callback_name = self._failure_callback_name = None
            self._stopped_callback_name = None
            self.webhooks = []
            return super().restore(minimal(fields))

    @property
    def func(self) -> Any:
        """The job's function, imported only when it is one of ours."""
        if self.refusal is None:
            if self.instance is not None:
                self.refusal = "it calls its function on an instance"
            elif self.func_name not in policy().functions:
                self.refusal = f"{_quoted(self.func_name)} is not one of this app's job functions"
        if self.refusal is not None:
            raise ForeignJobError(
                f"Refused: {self.refusal}; nothing of the job was imported or run."
            )
        return import_attribute(self.func_name)

    @property
    def should_retry(self) -> bool:
        return self.refusal is None and super().should_retry


def disarm(connection: Any, job: AppJob) -> None:
    """Write a refused job's disarmed hash back, so nothing later finds its payload."""
    with connection.pipeline() as pipeline:
        pipeline.hdel(job.key, *DROPPED)
        pipeline.hset(job.key, "data", zlib.compress(INERT_DATA))
        pipeline.execute()

"""``app.queue.guard``: the raw job hashes a worker accepts, and ``AppJob`` around RQ's job.

The worker processes that refuse foreign jobs are in ``test_foreign_jobs``;
these tests read hash fields directly, so every field that names code is
covered without a worker.
"""

from __future__ import annotations

import importlib
import json
import pickle
import zlib

import pytest
import redis
from rq.job import Job
from rq.serializers import JSONSerializer

from app.enqueue import producer, signing
from app.queue import guard

OWN = "app.queue.jobs.run_task_job"
JOB_ID = "task-1-60"
RULES = guard.Policy(guard.OWN_JOBS, signing.signing_key({"JWT_SECRET": "s" * 32}))


def own_job(**meta) -> Job:
    """A job made the way ``producer.enqueue`` makes them, signed with ``RULES.key``."""
    job = Job.create(
        OWN,
        kwargs={"task_id": 1, "tick": 60},
        connection=redis.Redis(),
        serializer=JSONSerializer,
        meta={"df_tries": 1},
        description="task.x",
        id=JOB_ID,
    )
    job.meta[signing.SIGNATURE_KEY] = signing.sign(RULES.key, JOB_ID, job.data)
    job.meta.update(meta)
    return job


def own_fields(**extra) -> dict[str, bytes]:
    """The hash ``own_job`` has in Redis, with ``extra`` fields written over it."""
    fields = {**own_job().to_dict(), **extra}
    return {k: v if isinstance(v, bytes) else str(v).encode() for k, v in fields.items()}


def data(func, instance=None, args=(), kwargs=None) -> bytes:
    return json.dumps([func, instance, list(args), kwargs or {}]).encode()


def test_own_jobs_are_the_functions_the_producer_enqueues():
    assert guard.OWN_JOBS == {producer.SCRIPT_JOB, producer.TASK_JOB}
    for name in guard.OWN_JOBS:
        module, _, attribute = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), attribute))


def test_a_job_made_by_the_producer_is_accepted():
    assert guard.refusal(JOB_ID, own_fields(), RULES) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"data": data("os.system", args=["id"])}, "'os.system' is not one of this app's"),
        ({"data": zlib.compress(data("subprocess.run"))}, "'subprocess.run' is not one"),
        ({"data": data(None)}, "None is not one of this app's job functions"),
        ({"data": data(["app.queue.jobs.run_task_job"])}, "is not one of this app's"),
        ({"data": data(OWN, instance={"a": 1})}, "it calls its function on an instance"),
        ({"data": data(OWN, instance="text")}, "it calls its function on an instance"),
        ({"data": json.dumps([OWN, None, {}, {}]).encode()}, "not a list and an object"),
        ({"data": json.dumps([OWN, None, []]).encode()}, "its data is not a call"),
        ({"data": json.dumps({"func": OWN}).encode()}, "its data is not a call"),
        ({"data": pickle.dumps((OWN, None, (), {}))}, "its data is not JSON"),
        ({"data": zlib.compress(pickle.dumps((OWN, None, (), {})))}, "its data is not JSON"),
        ({"data": b"[" * 100000}, "its data is not JSON"),
        ({"data": b""}, "its data is not JSON"),
        ({"success_callback_name": b"os.system"}, "it names a success callback ('os.system')"),
        ({"failure_callback_name": b"os.system"}, "it names a failure callback"),
        ({"stopped_callback_name": b"os.system"}, "it names a stopped callback"),
        ({"webhooks": b'[{"url": "http://x/", "job_status": "failed"}]'}, "it has webhooks"),
        ({"dependency_ids": b'["a"]'}, "it has dependencies"),
        ({"dependency_id": b"a"}, "it has dependencies"),
        ({"meta": pickle.dumps({"df_tries": 1})}, "its meta is not JSON and was not unpickled"),
    ],
)
def test_a_foreign_field_is_refused(change, reason):
    found = guard.refusal(JOB_ID, {**own_fields(), **change}, RULES)
    assert found is not None and reason in found, found


UNSIGNED = "it is not signed by this app"


@pytest.mark.parametrize(
    ("job_id", "meta"),
    [
        (JOB_ID, {signing.SIGNATURE_KEY: None}),
        (JOB_ID, {signing.SIGNATURE_KEY: "0" * 64}),
        (JOB_ID, {signing.SIGNATURE_KEY: "é" * 64}),
        (JOB_ID, {signing.SIGNATURE_KEY: 12}),
        ("task-1-120", {}),  # a signature moved to another job
    ],
    ids=["missing", "wrong", "not-ascii", "not-text", "other-job"],
)
def test_a_job_of_ours_without_its_signature_is_refused(job_id, meta):
    fields = {k: v for k, v in own_job(**meta).to_dict().items() if k in ("data", "meta")}
    assert guard.refusal(job_id, fields, RULES) == UNSIGNED + (
        " (forged, or queued before its secret changed)"
    )


def test_a_signed_job_whose_arguments_were_changed_is_refused():
    job = own_job()
    job.kwargs = {"task_id": 2, "tick": 60}  # the same signature, another task
    found = guard.refusal(JOB_ID, job.to_dict(), RULES)
    assert found is not None and UNSIGNED in found


def test_another_secret_signs_differently():
    other = guard.Policy(guard.OWN_JOBS, signing.signing_key({"JWT_SECRET": "t" * 32}))
    assert UNSIGNED in (guard.refusal(JOB_ID, own_fields(), other) or "")


def test_a_long_foreign_name_is_cut_in_the_reason():
    found = guard.refusal(JOB_ID, own_fields(data=data("x" * 5000)), RULES)
    assert found is not None and len(found) < guard.NAME_CHARS + 50


def test_disarmed_keeps_nothing_that_names_code():
    fields = own_fields(
        data=pickle.dumps(("os.system", None, ("id",), {})),
        success_callback_name=b"os.system",
        webhooks=b"[]",
        meta=b"x",
        result=b"y",
        dependency_ids=b'["a"]',
    )
    kept = guard.disarmed(fields)
    assert kept["data"] == guard.INERT_DATA
    assert not set(kept) & set(guard.DROPPED)
    assert kept["description"] == b"task.x"


def test_extra_jobs_come_as_a_list_or_a_comma_separated_string():
    assert guard.extra_jobs({}) == frozenset()
    assert guard.extra_jobs({"QUEUE_EXTRA_JOBS": ["a.b", " c.d "]}) == {"a.b", "c.d"}
    assert guard.extra_jobs({"QUEUE_EXTRA_JOBS": "a.b, c.d"}) == {"a.b", "c.d"}


def test_an_app_job_reads_json_only_whatever_serializer_it_is_given():
    job = guard.AppJob(connection=redis.Redis(), serializer="pickle")
    assert job.serializer is JSONSerializer


def test_an_app_job_made_here_with_a_foreign_function_refuses_to_import_it(qapp):
    job = guard.AppJob.create("os.system", args=["id"], connection=redis.Redis())
    with qapp.app_context(), pytest.raises(guard.ForeignJobError, match="'os.system' is not one"):
        job.func  # noqa: B018 - the property is what imports
    assert not job.should_retry


def test_an_app_job_of_ours_resolves_its_function(qapp):
    from app.queue import jobs

    job = guard.AppJob.create(OWN, kwargs={"task_id": 1, "tick": 60}, connection=redis.Redis())
    with qapp.app_context():
        assert job.func is jobs.run_task_job

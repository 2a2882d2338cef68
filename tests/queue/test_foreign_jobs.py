"""Jobs pushed into Redis by hand, as an attacker with a raw socket to Redis does, never run.

Each test writes job hashes with plain Redis commands (``HSET rq:job:<id>``,
``RPUSH rq:queue:default``) next to a job of our own, lets a real worker
process take them all, and checks that our job ran while nothing of the
foreign ones did: no marker file from their function, their callbacks, the
import of their module or the unpickling of their data, and each one in the
failed registry with the reason (``flask queue failed``).
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import uuid
import zlib

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from tests.queue.jobs import lines
from tests.queue.test_worker import enqueue

# One system store is enough: refusing a job does not depend on it (cases start real workers).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def call(func: str | None, args: list | None = None, kwargs: dict | None = None) -> bytes:
    """A job's ``data`` field as RQ's JSON serializer writes it."""
    return json.dumps([func, None, args or [], kwargs or {}]).encode()


def push_raw(rclient, fields: dict, queue: str = "default") -> str:
    """Put a job hash on a queue with raw commands, as a foreign client would; its id."""
    job_id = uuid.uuid4().hex
    rclient.hset(f"rq:job:{job_id}", mapping={"origin": queue, "status": "queued", **fields})
    rclient.sadd("rq:queues", f"rq:queue:{queue}")
    rclient.rpush(f"rq:queue:{queue}", job_id)
    return job_id


class MakeDirectory:
    """Unpickling this creates a folder (``os.mkdir``): the proof that a pickle was loaded."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def failed_rows(cli) -> dict[str, str]:
    """``flask queue failed``: job id → its row."""
    listing = cli.run("queue", "failed")
    assert listing.returncode == 0, listing.stdout + listing.stderr
    return {row.split()[0]: row for row in listing.stdout.strip().splitlines()[1:]}


def assert_disarmed(rclient, job_id: str) -> None:
    """The refused job's hash keeps nothing that names code or holds a pickle."""
    fields = rclient.hgetall(f"rq:job:{job_id}")
    data = fields[b"data"]
    try:
        data = zlib.decompress(data)
    except zlib.error:
        pass
    func, instance, args, kwargs = json.loads(data)
    assert (instance, args, kwargs) == (None, [], {})
    for name in (b"success_callback_name", b"failure_callback_name", b"stopped_callback_name"):
        assert not fields.get(name), fields
    for name in (b"webhooks", b"dependency_ids", b"dependency_id", b"meta", b"result"):
        assert name not in fields, fields


def test_foreign_functions_and_callbacks_never_run(qapp, cli, rclient, tmp_path):
    marks = {name: str(tmp_path / name) for name in ("own", "system", "imported", "touched")}
    own = enqueue(qapp, "touch", {"path": marks["own"]})
    touch = call("tests.queue.jobs.touch", kwargs={"path": marks["touched"]})
    foreign = {
        "system": (
            {"data": call("os.system", [f"touch {marks['system']}"]), "description": "backup"},
            "'os.system' is not one of this app's job functions",
        ),
        "import": (
            {"data": zlib.compress(call("tests.queue.import_marker.run"))},
            "'tests.queue.import_marker.run' is not one of this app's job functions",
        ),
        "success_callback": (
            {"data": touch, "success_callback_name": "tests.queue.import_marker.run"},
            "it names a success callback",
        ),
        "failure_callback": (
            {"data": touch, "failure_callback_name": "tests.queue.import_marker.run"},
            "it names a failure callback",
        ),
        "stopped_callback": (
            {"data": touch, "stopped_callback_name": "tests.queue.import_marker.run"},
            "it names a stopped callback",
        ),
        "webhook": (
            {
                "data": touch,
                "webhooks": json.dumps(
                    [{"url": "http://127.0.0.1:9/", "job_status": "failed", "method": "GET"}]
                ),
            },
            "it has webhooks",
        ),
        "dependency": ({"data": touch, "dependency_ids": '["elsewhere"]'}, "it has dependencies"),
        "instance": (
            {"data": json.dumps(["tests.queue.jobs.touch", {"x": 1}, [], {}])},
            "it calls its function on an instance",
        ),
        "retries": (
            {"data": call("os.system", [f"touch {marks['system']}"]), "retries_left": "5"},
            "'os.system' is not one of this app's job functions",
        ),
        "unsigned": ({"data": touch}, "it is not signed by this app"),
        "forged": (
            {"data": touch, "meta": json.dumps({"df_signature": "0" * 64})},
            "it is not signed by this app",
        ),
    }
    ids = {name: push_raw(rclient, fields) for name, (fields, _) in foreign.items()}

    cli.env["QUEUE_TEST_IMPORT_MARK"] = marks["imported"]
    result = cli.run("queue", "work", "--burst")

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(lines(marks["own"])) == 1  # our own job still runs
    for name in ("system", "imported", "touched"):
        assert not os.path.exists(marks[name]), (name, result.stdout + result.stderr)
    rows = failed_rows(cli)
    assert own not in rows
    for name, (_, reason) in foreign.items():
        job_id = ids[name]
        assert job_id in rows, (name, rows)
        assert "ForeignJobError: Refused:" in rows[job_id] and reason in rows[job_id], rows[job_id]
        status = Job.fetch(job_id, connection=rclient, serializer=JSONSerializer).get_status()
        assert status.value == "failed", name
        assert_disarmed(rclient, job_id)
    assert "state=refused" in result.stderr + result.stdout


def test_pickled_jobs_are_refused_without_being_unpickled(qapp, cli, rclient, tmp_path):
    marks = {name: str(tmp_path / name) for name in ("own", "data", "zipped", "meta", "result")}
    own = enqueue(qapp, "touch", {"path": marks["own"]})

    def bomb(name: str) -> bytes:
        return pickle.dumps(("tests.queue.jobs.touch", None, [MakeDirectory(marks[name])], {}))

    pickled = {
        "data": {"data": bomb("data")},
        "zipped": {"data": zlib.compress(bomb("zipped")), "description": "nightly"},
        "meta": {
            "data": call("tests.queue.jobs.touch", kwargs={"path": str(tmp_path / "unused")}),
            "meta": pickle.dumps(MakeDirectory(marks["meta"])),
            "result": pickle.dumps(MakeDirectory(marks["result"])),
        },
    }
    ids = {name: push_raw(rclient, fields) for name, fields in pickled.items()}

    result = cli.run("queue", "work", "--burst")

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(lines(marks["own"])) == 1
    for name in ("data", "zipped", "meta", "result"):
        assert not os.path.exists(marks[name]), (name, result.stdout + result.stderr)
    assert not os.path.exists(tmp_path / "unused")
    rows = failed_rows(cli)
    assert own not in rows
    for name in ("data", "zipped"):
        row = rows[ids[name]]
        assert "Refused: its data is not JSON" in row and "was not unpickled" in row, row
    assert "Refused: its meta is not JSON" in rows[ids["meta"]], rows[ids["meta"]]
    for job_id in ids.values():
        assert_disarmed(rclient, job_id)


def test_an_unreadable_job_hash_does_not_stop_the_worker(qapp, cli, rclient, tmp_path):
    """Our own jobs with a field RQ cannot read (a status, a date) are refused; the rest run."""
    mark = str(tmp_path / "own")
    touched = {"path": str(tmp_path / "touched")}
    bad_status = enqueue(qapp, "touch", touched)
    rclient.hset(f"rq:job:{bad_status}", "status", "whatever")
    bad_date = enqueue(qapp, "touch", touched)
    rclient.hset(f"rq:job:{bad_date}", "created_at", "yesterday")
    own = enqueue(qapp, "touch", {"path": mark})

    result = cli.run("queue", "work", "--burst")

    assert result.returncode == 0, result.stdout + result.stderr
    assert len(lines(mark)) == 1, result.stdout + result.stderr
    assert not os.path.exists(tmp_path / "touched")
    rows = failed_rows(cli)
    assert own not in rows
    for job_id in (bad_status, bad_date):
        assert "Refused: its fields cannot be read" in rows[job_id], rows


def test_an_abandoned_foreign_job_has_no_callback_run_by_the_sweep(qapp, cli, rclient, tmp_path):
    """A job hash planted in the started registry as if a worker had died running it."""
    imported = str(tmp_path / "imported")
    job_id = push_raw(
        rclient,
        {
            "data": call("os.system", [f"touch {tmp_path / 'system'}"]),
            "failure_callback_name": "tests.queue.import_marker.run",
            "status": "started",
        },
    )
    rclient.lrem("rq:queue:default", 0, job_id)
    rclient.zadd("rq:wip:default", {f"{job_id}:planted": 1})  # expired long ago

    cli.env["QUEUE_TEST_IMPORT_MARK"] = imported
    result = cli.run("queue", "work", "--burst")

    assert result.returncode == 0, result.stdout + result.stderr
    assert not os.path.exists(imported), result.stdout + result.stderr
    assert not os.path.exists(tmp_path / "system")
    assert job_id in failed_rows(cli)


def test_the_failed_listing_reads_planted_jobs_without_unpickling(qapp, cli, rclient, tmp_path):
    """A pickled job and a pickled result written straight into the failed registry."""
    marks = {name: str(tmp_path / name) for name in ("data", "result")}
    job_id = push_raw(rclient, {"data": pickle.dumps(MakeDirectory(marks["data"]))})
    rclient.lrem("rq:queue:default", 0, job_id)
    rclient.zadd("rq:failed:default", {job_id: 9999999999})
    bomb = base64.b64encode(pickle.dumps(MakeDirectory(marks["result"])))
    rclient.xadd(f"rq:results:{job_id}", {"type": 2, "return_value": bomb})

    rows = failed_rows(cli)

    assert "Refused: its data is not JSON" in rows[job_id], rows
    for mark in marks.values():
        assert not os.path.exists(mark)
    assert cli.run("queue", "forget", job_id).returncode == 0
    assert failed_rows(cli) == {}

"""A worker killed mid-job, and Redis going away under a worker.

A worker killed with SIGKILL leaves its job in RQ's started registry; the
entry expires ``timeout + DF_QUEUE_HEARTBEAT_GRACE`` seconds after the job
started (the test app sets the grace to 1 s and the sweep interval to 1 s),
and the next worker's sweep retries the job or moves it to the failed list.

The Redis restart runs against a private ``redis-server`` on a free port
(the shared server on 6379 is left alone).
"""

from __future__ import annotations

import signal
import time

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from app.enqueue.producer import TIMEOUT_GRACE
from tests.queue.conftest import free_port, start_redis, wait_for
from tests.queue.jobs import NAMES as TEST_JOBS
from tests.queue.jobs import lines
from tests.queue.test_worker import enqueue

# One system store is enough: killed workers and a restarted Redis do not depend on it
# (test_scheduler_run and test_queued_scripts cover the queue with every store).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

JOB_TIMEOUT = 2
"""Seconds; the killed job's ``timeout`` (its started entry lives this + 5 + 1 s)."""


def status(rclient, job_id: str) -> str:
    return Job.fetch(job_id, connection=rclient, serializer=JSONSerializer).get_status().value


def kill_mid_job(cli, mark: str) -> float:
    """Start a worker, SIGKILL it (and its group) once the job started; when it started."""
    worker = cli.start("queue", "work")
    started = wait_for(lambda: lines(mark), timeout=60)
    cli.stop(worker, signal.SIGKILL)
    assert worker.returncode == -signal.SIGKILL
    return float(started[0][1])


def sweep_after_expiry(cli, started: float) -> None:
    """Wait until the dead worker's entry expired, then let a new worker sweep and work."""
    expires = started + JOB_TIMEOUT + TIMEOUT_GRACE + 1
    time.sleep(max(0.0, expires - time.time()) + 1.5)
    result = cli.run("queue", "work", "--burst")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_job_of_a_killed_worker_is_retried_when_it_has_tries_left(qapp, cli, rclient, tmp_path):
    mark = str(tmp_path / "mark")
    job_id = enqueue(qapp, "slow_once", {"path": mark, "seconds": 60}, tries=2, timeout=JOB_TIMEOUT)

    started = kill_mid_job(cli, mark)
    assert status(rclient, job_id) == "started"  # nobody knows yet
    sweep_after_expiry(cli, started)

    assert [event for event, *_ in lines(mark)] == ["start", "start", "end"]
    assert status(rclient, job_id) == "finished"


def test_a_job_of_a_killed_worker_without_tries_left_lands_in_failed(qapp, cli, rclient, tmp_path):
    mark = str(tmp_path / "mark")
    job_id = enqueue(qapp, "slow_once", {"path": mark, "seconds": 60}, timeout=JOB_TIMEOUT)

    started = kill_mid_job(cli, mark)
    sweep_after_expiry(cli, started)

    assert [event for event, *_ in lines(mark)] == ["start"]
    assert status(rclient, job_id) == "failed"
    listing = cli.run("queue", "failed").stdout
    assert job_id in listing and "AbandonedJobError" in listing


def test_a_worker_reconnects_after_a_redis_restart(cli, tmp_path, spare_app, backend, stores):
    from tests.queue.conftest import close_app

    port = free_port()
    server = start_redis(port, tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    own = spare_app(
        stores(backend), str(tmp_path / "own"), REDIS_URL=url, QUEUE_EXTRA_JOBS=TEST_JOBS
    )
    cli.application = own
    worker = cli.start("queue", "work")
    try:
        first = str(tmp_path / "first")
        enqueue(own, "touch", {"path": first})
        wait_for(lambda: lines(first), timeout=60)

        server.terminate()
        server.wait(timeout=30)
        time.sleep(2)  # the worker's blocking read fails and it starts retrying
        server = start_redis(port, tmp_path)

        second = str(tmp_path / "second")
        enqueue(own, "touch", {"path": second})  # the app's client reconnects as well
        wait_for(lambda: lines(second), timeout=90)
        assert worker.poll() is None  # the same worker, still running
    finally:
        output = cli.stop(worker)
        server.terminate()
        server.wait(timeout=30)
        close_app(own)
    assert "could not connect to Redis" in output, output

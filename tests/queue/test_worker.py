"""Real workers (``flask queue work``/``listen``) on the real Redis: run, order, delay, retries.

Jobs here are the small functions of ``tests.queue.jobs`` (they write marks
to a file), enqueued through ``app.enqueue.producer`` with a script's options,
so what is tested is the queue itself: options → RQ job → worker process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from tests.queue.conftest import ROOT, app_env, wait_for
from tests.queue.jobs import lines
from tests.queue.test_scheduler_api import create_task, script_role

# One system store is enough: a worker's handling of jobs does not depend on it
# (test_scheduler_run and test_queued_scripts cover the queue with every store).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def enqueue(application, func: str, kwargs: dict, **options) -> str:
    from app.enqueue import producer

    with application.app_context():
        opts = producer.queue_options(options)
        return producer.enqueue(f"tests.queue.jobs.{func}", kwargs, opts, description=func)


def job_status(rclient, job_id: str) -> str:
    return Job.fetch(job_id, connection=rclient, serializer=JSONSerializer).get_status().value


def test_burst_worker_runs_a_job_in_another_process(qapp, cli, rclient, tmp_path):
    mark = str(tmp_path / "mark")
    job_id = enqueue(qapp, "touch", {"path": mark})
    assert job_status(rclient, job_id) == "queued"

    result = cli.run("queue", "work", "--burst")

    assert result.returncode == 0, result.stdout + result.stderr
    ran = lines(mark)
    assert [event for event, *_ in ran] == ["ran"]
    assert int(ran[0][2]) != os.getpid()
    assert job_status(rclient, job_id) == "finished"


def test_queues_are_taken_in_the_priority_order_given(qapp, cli, tmp_path):
    marks = {name: str(tmp_path / name) for name in ("low", "high", "other")}
    enqueue(qapp, "touch", {"path": marks["low"]}, queue="low")
    enqueue(qapp, "touch", {"path": marks["other"]}, queue="other")
    enqueue(qapp, "touch", {"path": marks["high"]}, queue="high")

    result = cli.run("queue", "work", "--queue", "high,low", "--burst")

    assert result.returncode == 0, result.stdout + result.stderr
    assert float(lines(marks["high"])[0][1]) <= float(lines(marks["low"])[0][1])
    assert lines(marks["other"]) == []  # not a queue this worker listens to


def test_a_delayed_job_runs_no_earlier_than_its_delay(qapp, cli, rclient, tmp_path):
    mark = str(tmp_path / "mark")
    queued_at = time.time()
    job_id = enqueue(qapp, "touch", {"path": mark}, delay=3)
    assert job_status(rclient, job_id) == "scheduled"

    early = cli.run("queue", "work", "--burst")  # nothing is due yet
    assert early.returncode == 0, early.stdout + early.stderr
    if time.time() < queued_at + 3:
        assert lines(mark) == []

    worker = cli.start("queue", "work")
    try:
        wait_for(lambda: lines(mark), timeout=60)
    finally:
        output = cli.stop(worker)
    assert float(lines(mark)[0][1]) >= queued_at + 3, output
    assert job_status(rclient, job_id) == "finished"


def test_tries_retry_with_backoff_then_succeed(qapp, cli, rclient, tmp_path):
    mark = str(tmp_path / "mark")
    job_id = enqueue(qapp, "fail_first", {"path": mark, "failures": 1}, tries=2, backoff=2)

    worker = cli.start("queue", "listen")
    try:
        wait_for(lambda: job_status(rclient, job_id) == "finished", timeout=60)
    finally:
        output = cli.stop(worker)
    attempts = lines(mark)
    assert len(attempts) == 2, output
    assert float(attempts[1][1]) - float(attempts[0][1]) >= 2  # the backoff was waited out
    assert "state=failed retries_left=1" in output


def test_listen_tries_apply_to_jobs_without_their_own(qapp, cli, rclient, tmp_path):
    mark = str(tmp_path / "mark")
    job_id = enqueue(qapp, "fail_first", {"path": mark, "failures": 2})

    worker = cli.start("queue", "listen", "--tries", "3", "--sleep", "1")
    try:
        wait_for(lambda: job_status(rclient, job_id) == "finished", timeout=90)
    finally:
        cli.stop(worker)
    assert len(lines(mark)) == 3


def test_a_job_that_keeps_failing_is_listed_retried_forgotten_and_flushed(qapp, cli, tmp_path):
    mark = str(tmp_path / "mark")
    failing = enqueue(qapp, "fail_first", {"path": mark, "failures": 2}, tries=2)
    doomed = enqueue(qapp, "fail_first", {"path": str(tmp_path / "other"), "failures": 9})

    assert cli.run("queue", "work", "--burst").returncode == 0
    assert len(lines(mark)) == 2  # both attempts used

    listing = cli.run("queue", "failed")
    assert listing.returncode == 0, listing.stderr
    header, *rows = listing.stdout.strip().splitlines()
    assert header.split() == ["ID", "Connection", "Queue", "Failed", "At", "Error"]
    assert sorted(row.split()[0] for row in rows) == sorted([failing, doomed])
    row = next(r for r in rows if r.startswith(failing))
    assert row.split()[1:3] == ["default", "default"]
    assert "RuntimeError: attempt 2 fails on purpose" in row

    retried = cli.run("queue", "retry", failing)
    assert retried.returncode == 0 and f"Job {failing} is queued again." in retried.stdout
    assert cli.run("queue", "work", "--burst").returncode == 0
    assert len(lines(mark)) == 3  # the third attempt succeeded
    rows = cli.run("queue", "failed").stdout.strip().splitlines()[1:]
    assert [r.split()[0] for r in rows] == [doomed]

    missing = cli.run("queue", "forget", "no-such-job")
    assert missing.returncode != 0 and "No failed job with id no-such-job." in missing.stderr
    forgot = cli.run("queue", "forget", doomed)
    assert forgot.returncode == 0 and f"Failed job {doomed} deleted." in forgot.stdout
    assert cli.run("queue", "failed").stdout.strip() == "No failed jobs."

    enqueue(qapp, "fail_first", {"path": str(tmp_path / "a"), "failures": 9})
    enqueue(qapp, "fail_first", {"path": str(tmp_path / "b"), "failures": 9}, queue="low")
    assert cli.run("queue", "work", "--queue", "default,low", "--burst").returncode == 0
    assert cli.run("queue", "retry", "all").stdout.strip() == "Retried 2 failed job(s)."
    assert cli.run("queue", "work", "--queue", "default,low", "--burst").returncode == 0
    assert cli.run("queue", "flush").stdout.strip() == "Deleted 2 failed job(s)."
    assert cli.run("queue", "failed").stdout.strip() == "No failed jobs."


def test_plain_rq_worker_runs_the_apps_jobs(qapp, qadmin, cli):
    """``rq worker`` with the documented settings runs a scheduled task's job in the app."""
    task = create_task(qadmin, role_id=script_role(qadmin))
    assert cli.run("scheduler", "run", "--once", "--at", "2026-03-02T10:15").returncode == 0

    rq = str(Path(sys.executable).with_name("rq"))
    argv = [rq, "worker", "--burst", "--with-scheduler", "--url", qapp.config["REDIS_URL"]]
    argv += ["--worker-class", "app.queue.worker.AppWorker", "--serializer", "json", "default"]
    result = subprocess.run(  # noqa: S603 - the venv's rq
        argv, cwd=ROOT, env=app_env(qapp), capture_output=True, text=True, timeout=120, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    logs = qadmin.get(f"system/scheduler/{task['id']}", query_string={"related": "task_log"})
    assert [r["status"] for r in logs.get_json()["task_log"]] == ["succeeded"]


def test_a_named_connection_has_its_own_queues_and_workers(
    backend, stores, tmp_path, sample_db, redis_url, private_redis, rclient
):
    """``connection: reports`` goes to that Redis; ``flask queue work reports`` serves it."""
    from tests.queue.conftest import Cli, build_app, close_app

    reports = {"reports": private_redis, "again": redis_url}  # "again": listed once, as default
    application = build_app(
        backend, stores, tmp_path, sample_db, REDIS_URL=redis_url, QUEUE_CONNECTIONS=reports
    )
    runner = Cli(application)
    try:
        mark = str(tmp_path / "mark")
        job_id = enqueue(application, "touch", {"path": mark}, connection="reports")
        assert rclient.exists(f"rq:job:{job_id}") == 0  # not on the default connection

        assert runner.run("queue", "work", "--burst").returncode == 0
        assert lines(mark) == []
        result = runner.run("queue", "work", "reports", "--burst")
        assert result.returncode == 0, result.stdout + result.stderr
        assert len(lines(mark)) == 1

        enqueue(application, "fail_first", {"path": str(tmp_path / "f"), "failures": 9})
        enqueue(
            application,
            "fail_first",
            {"path": str(tmp_path / "g"), "failures": 9},
            connection="reports",
        )
        assert runner.run("queue", "work", "--burst").returncode == 0
        assert runner.run("queue", "work", "reports", "--burst").returncode == 0
        rows = runner.run("queue", "failed").stdout.strip().splitlines()[1:]
        assert sorted(row.split()[1] for row in rows) == ["default", "reports"]

        unknown = runner.run("queue", "work", "nope", "--burst")
        assert unknown.returncode != 0 and "No queue connection 'nope'" in unknown.stderr
    finally:
        runner.close()
        close_app(application)

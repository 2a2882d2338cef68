"""A worker killed with SIGKILL: its job is noticed on time, and nothing of it lives on.

Only the worker's own process is killed (``os.kill``, not its process
group), as the kernel's OOM killer or an operator's ``kill -9`` would: its
scheduler child must go with it and give up the scheduler lock, and a worker
that sits idle must still sweep every ``DF_QUEUE_MAINTENANCE_INTERVAL``
seconds (the test app: 1 s, with a heartbeat grace of 1 s).
"""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from rq import Worker
from rq.scheduler import RQScheduler

from app.enqueue.producer import TIMEOUT_GRACE
from tests.queue.conftest import wait_for
from tests.queue.jobs import lines
from tests.queue.test_queued_scripts import save_queued_service
from tests.queue.test_reliability import status
from tests.queue.test_worker import enqueue
from tests.scripting.pyrun import worker_children

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

JOB_TIMEOUT = 2
"""Seconds; the killed job's ``timeout``."""

NOTICED_WITHIN = JOB_TIMEOUT + TIMEOUT_GRACE + 1 + 1
"""Seconds after the job started by which an idle worker has swept it up: its RQ timeout
(``timeout`` + ``TIMEOUT_GRACE``), the heartbeat grace and one maintenance interval."""

MARGIN = 15
"""Seconds of slack on a loaded machine (an idle worker used to take 405 s)."""

LOCK = RQScheduler.get_locking_key("default")


def children(pid: int) -> list[int]:
    """The live processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _stat(int(entry))[1] == pid:
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    state, _ = _stat(pid)
    return state not in ("", "Z", "X")


def _stat(pid: int) -> tuple[str, int]:
    """State letter and parent pid of ``pid`` (``("", 0)`` when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return "", 0
    return fields[0], int(fields[1])


def kill_alone(process: subprocess.Popen) -> None:
    """SIGKILL the worker's process only, leaving its children to their fate."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def kill_group(process: subprocess.Popen) -> None:
    """Whatever is left of the process's group (a test that failed leaves survivors)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def idle_workers(rclient) -> int:
    return sum(1 for w in Worker.all(connection=rclient) if w.get_state() == "idle")


def test_an_idle_worker_retries_a_killed_workers_job_on_time(qapp, cli, rclient, tmp_path):
    mark = str(tmp_path / "mark")
    job_id = enqueue(qapp, "slow_once", {"path": mark, "seconds": 60}, tries=2, timeout=JOB_TIMEOUT)
    first = cli.start("queue", "work")
    try:
        started = float(wait_for(lambda: lines(mark), timeout=60)[0][1])
        second = cli.start("queue", "work")
        wait_for(lambda: idle_workers(rclient) == 1, timeout=60)  # swept once, now waiting
        offspring = wait_for(lambda: children(first.pid), timeout=30)  # its scheduler

        kill_alone(first)

        wait_for(lambda: not any(alive(pid) for pid in offspring), timeout=10)
        wait_for(lambda: len(lines(mark)) == 3, timeout=NOTICED_WITHIN + MARGIN)
    finally:
        kill_group(first)
    ran = lines(mark)
    assert [event for event, *_ in ran] == ["start", "start", "end"]
    assert int(ran[1][2]) == second.pid  # retried by the worker that was idle
    assert float(ran[1][1]) >= started + JOB_TIMEOUT  # not before the job's time was up
    wait_for(lambda: status(rclient, job_id) == "finished", timeout=10)


def test_a_killed_idle_workers_scheduler_dies_and_a_new_worker_takes_over(
    qapp, cli, rclient, tmp_path
):
    first = cli.start("queue", "work")
    try:
        holder = wait_for(lambda: rclient.get(LOCK), timeout=60)
        offspring = wait_for(lambda: children(first.pid), timeout=30)

        kill_alone(first)

        wait_for(lambda: not any(alive(pid) for pid in offspring), timeout=10)
        wait_for(lambda: rclient.get(LOCK) is None, timeout=10)  # given up, not left to expire
    finally:
        kill_group(first)

    cli.start("queue", "work")
    wait_for(lambda: rclient.get(LOCK) not in (None, holder), timeout=30)
    mark = str(tmp_path / "mark")
    enqueue(qapp, "touch", {"path": mark}, delay=1)  # only a scheduler moves it to the queue
    wait_for(lambda: lines(mark), timeout=30)


def test_a_killed_workers_running_script_dies_with_it(qadmin, cli):
    save_queued_service(qadmin, "nap", "import time\ntime.sleep(60)")
    assert qadmin.post("nap", json={}).status_code == 202
    first = cli.start("queue", "work")
    workers: list[int] = []
    try:
        workers = wait_for(lambda: worker_children(first.pid), timeout=60)

        kill_alone(first)

        wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10)
    finally:
        kill_group(first)
        for pid in workers:  # a test that failed leaves them: they have groups of their own
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

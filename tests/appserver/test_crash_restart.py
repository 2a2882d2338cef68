"""A crashed gunicorn master (``kill -9``) can be replaced at once on the same port.

The server is the repo's ``gunicorn.conf.py`` serving ``pid_app`` (each answer is
the pid of the worker that served it) on a free loopback port. At the crash one
request is in flight for long, one for two seconds, and one connection is open
but silent, as nginx's are: the orphaned workers used to keep the listening
socket through their graceful stop (up to ``graceful_timeout``), so the new
master's bind failed ("Connection in use") and it exited. Now a new master
starts at once and serves, no request sent after the crash is answered by an
orphan, the short request is still answered, and the orphans are gone within
``ORPHAN_GRACE`` seconds (plus a generous margin for a busy machine).
"""

from __future__ import annotations

import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE = 60
"""Seconds a master gets to answer its first request."""
MARGIN = 10
"""Seconds beyond the worker's own deadline that a busy machine may add."""
APP = "tests.appserver.pid_app:app"
REQUESTS_AFTER = 20
"""Requests (each on its own connection) sent to the new master."""


def _orphan_grace() -> int:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))["ORPHAN_GRACE"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DF_", "PYTEST_"))}
    env.update(DF_BIND=f"127.0.0.1:{port}", DF_WORKERS="2", DF_THREADS="4")
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", APP],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_until_serving(master: subprocess.Popen, base: str, log: Path) -> set[int]:
    """The master's two workers, once they are up and the master answers."""
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if master.poll() is not None:
            pytest.fail(f"gunicorn exited {master.returncode}:\n{log.read_text()}")
        workers = _children(master.pid)
        with suppress(requests.ConnectionError, requests.Timeout):
            if len(workers) == 2 and requests.get(base, timeout=5).status_code == 200:
                return workers
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer within {START_DEADLINE}s:\n{log.read_text()}")


def _parent(pid: int) -> int | None:
    """The parent of a live process ``pid``; None once it is gone (or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    return None if state in ("Z", "X") else int(ppid)


def _children(pid: int) -> set[int]:
    return {
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent(int(entry.name)) == pid
    }


def _slow_request(base: str, seconds: float, answers: list[requests.Response]) -> None:
    """A request still running when the master is killed; the orphan may cut it off."""
    with suppress(requests.RequestException):
        answers.append(requests.get(f"{base}/slow?seconds={seconds}", timeout=150))


@contextmanager
def _stopped_in_the_end(*masters: subprocess.Popen) -> Iterator[None]:
    """Whatever happens, every process of these masters' sessions is gone after the test."""
    try:
        yield
    finally:
        for master in masters:
            with suppress(ProcessLookupError):
                os.killpg(master.pid, signal.SIGKILL)
            master.wait(timeout=30)


def test_a_new_master_takes_over_the_port_of_a_killed_one(tmp_path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    old = _start(port, tmp_path / "old.log")
    with _stopped_in_the_end(old):
        old_workers = _wait_until_serving(old, base, tmp_path / "old.log")

        short: list[requests.Response] = []
        finishing = threading.Thread(target=_slow_request, args=(base, 2, short))
        finishing.start()
        threading.Thread(target=_slow_request, args=(base, 120, []), daemon=True).start()
        silent = socket.create_connection(("127.0.0.1", port))
        time.sleep(0.5)  # all three reach a worker

        os.kill(old.pid, signal.SIGKILL)
        old.wait(timeout=30)
        killed_at = time.monotonic()
        new = _start(port, tmp_path / "new.log")
        with _stopped_in_the_end(new):
            _wait_until_serving(new, base, tmp_path / "new.log")

            answered_by = set()
            for _ in range(REQUESTS_AFTER):
                response = requests.get(base, headers={"Connection": "close"}, timeout=30)
                assert response.status_code == 200
                answered_by.add(int(response.text))
            assert not answered_by & old_workers, "an orphaned worker answered"
            assert answered_by <= _children(new.pid), answered_by

            deadline = killed_at + _orphan_grace() + MARGIN
            while {w for w in old_workers if _parent(w) is not None}:
                assert time.monotonic() < deadline, (
                    f"orphans still running: {(tmp_path / 'old.log').read_text()}"
                )
                time.sleep(0.1)
        silent.close()
        finishing.join(timeout=60)
        assert [r.status_code for r in short] == [200], "a running request was cut off"
        assert int(short[0].text) in old_workers

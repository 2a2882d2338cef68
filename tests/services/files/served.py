"""A real gunicorn serving the app, for file tests that need a real server.

The Flask test client hands the app a finished body and reads the whole
answer; sockets closed half-way, chunked transfers cut short and worker
memory only show under a real server. ``gunicorn_server`` starts one (1
worker unless asked for more, 2 threads, ``gthread`` as deployed) on a seeded
SQLite store in the test's temp dir and stops its whole process group afterwards.
"""

from __future__ import annotations

import http.client
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, place_sample, seeded_app

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Served:
    base: str
    """``http://127.0.0.1:<port>``."""
    worker: int
    """The pid of gunicorn's one worker."""
    container: Path
    """The ``files`` service's container folder."""

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.base.removeprefix("http://").split(":")
        return host, int(port)

    def admin_token(self) -> dict[str, str]:
        """Headers carrying a fresh admin session token."""
        login = requests.post(
            f"{self.base}/api/v2/system/admin/session",
            json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
            timeout=60,
        )
        login.raise_for_status()
        return {"X-DreamFactory-Session-Token": login.json()["session_token"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise AssertionError("gunicorn started no worker")


@contextmanager
def gunicorn_server(
    url: str, tmp_path: Path, sample_db: str, workers: int = 1, threads: int = 2, **settings: str
) -> Iterator[Served]:
    """gunicorn on the SQLite store ``url`` (emptied and seeded) with storage in ``tmp_path``.

    ``settings`` are more ``DF_*`` variables for the server (``DF_`` left off).
    """
    storage = tmp_path / "storage"
    place_sample(sample_db, storage)
    application = seeded_app(url, str(storage))
    from app.extensions import db

    with application.app_context():
        db.engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DF_", "PYTEST_"))}
    env.update(
        DF_SYSTEM_DATABASE_URL=url,
        DF_STORAGE_PATH=str(storage),
        DF_INSTANCE_PATH=application.config["INSTANCE_PATH"],
        DF_JWT_SECRET=application.config["JWT_SECRET"],
        DF_PASSWORD_TIME_COST="1",
        DF_PASSWORD_MEMORY_COST="64",
        **{f"DF_{name}": value for name, value in settings.items()},
    )
    command = [
        sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
        "-k", "gthread",
        "-b", f"127.0.0.1:{port}", "--timeout", "300", "--error-logfile", "-",
        "--no-control-socket", "wsgi:app",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with suppress(requests.ConnectionError, requests.Timeout):  # still booting
                if requests.get(f"{base}/status", timeout=10).status_code == 200:
                    break
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.2)
        yield Served(base, worker_pid(process.pid), storage / "app")
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)


class _Received:
    """What ``http.client.HTTPResponse`` needs of a socket: the bytes already received."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, *args, **kwargs):
        return io.BytesIO(self.data)


def send_raw(served: Served, head: bytes, body: bytes) -> tuple[int, bytes]:
    """Send ``head`` and ``body`` as they are, close the write side, read the whole answer.

    ``head`` is the request line and headers (without the blank line); returns the
    status and the decoded body of the answer.
    """
    with socket.create_connection(served.address, timeout=60) as sock:
        sock.sendall(head.rstrip(b"\r\n") + b"\r\n\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while data := sock.recv(65536):
            received += data
    answer = http.client.HTTPResponse(_Received(received))  # type: ignore[arg-type]
    answer.begin()
    return answer.status, answer.read()

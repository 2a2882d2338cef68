"""Fixtures for the job queue: a Redis database of our own, apps using it, real workers.

RQ keeps its keys under ``rq:`` whatever the app's prefix, so the queue tests
have a database to themselves: database 1 of the test process's own
``redis-server`` (``tests.redis_server``), emptied before and after each test;
on a database named by ``DF_TEST_REDIS_URL`` they take turns and delete only
RQ's keys and their own.

Workers and schedulers are real processes (``flask --app wsgi queue work``...)
started with the test app's settings as ``DF_*`` variables; ``Cli.run``
waits for them (bounded), ``Cli.start`` leaves one running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis

from tests import redis_server
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, place_sample, release, seeded_app
from tests.queue.jobs import NAMES as TEST_JOBS
from tests.redis_server import free_port, start_redis

ROOT = Path(__file__).resolve().parents[2]
QUEUE_DB = 1
"""The database of the run's own Redis server that the queue tests have to themselves."""

NAMED_PREFIX = "dftest-queue:"
"""The app's key prefix in the queue tests when they share a database named by the operator."""

CLAIM_KEY = "dftest-queue:claim"
CLAIM_TTL = 600
"""Seconds a queue test's claim on a named database lasts if its process dies."""

CLAIM_WAIT = 1800
"""Seconds a queue test waits for its turn on a named database."""

PROCESS_TIMEOUT = 90
"""Seconds a worker or scheduler process may take before the test gives up on it."""

FORWARDED = (
    "SYSTEM_DATABASE_URL",
    "STORAGE_PATH",
    "INSTANCE_PATH",
    "JWT_SECRET",
    "REDIS_URL",
    "REDIS_PREFIX",
    "QUEUE_CONNECTIONS",
    "QUEUE_EXTRA_JOBS",
    "QUEUE_TRIES",
    "QUEUE_TIMEOUT",
    "QUEUE_BACKOFF",
    "QUEUE_HEARTBEAT_GRACE",
    "QUEUE_MAINTENANCE_INTERVAL",
    "SCHEDULE_FILE",
    "SCHEDULER_TIMEZONE",
    "SCRIPT_TIMEOUT",
)
"""App settings handed to worker and scheduler processes."""


@pytest.fixture(scope="session")
def redis_db() -> str:
    """The Redis database the queue tests use (``tests.redis_server``)."""
    return redis_server.current().url(QUEUE_DB)


def _empty(client: redis.Redis, owned: bool) -> None:
    """Our own server's queue database is emptied; a named one loses only RQ's and our keys."""
    if owned:
        client.flushdb()
        return
    for pattern in ("rq:*", f"{NAMED_PREFIX}*"):
        names = list(client.scan_iter(match=pattern))
        if names:
            client.delete(*names)


@pytest.fixture
def redis_url(redis_db) -> Iterator[str]:
    """The queue database, empty, for this test alone; emptied again afterwards.

    On a database named by ``DF_TEST_REDIS_URL`` the test processes take turns
    through a claim key, since RQ's keys are the same for every app.
    """
    owned = redis_server.current().owned
    client = redis.Redis.from_url(redis_db)
    token = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if not owned:
        deadline = time.monotonic() + CLAIM_WAIT
        while not client.set(CLAIM_KEY, token, nx=True, ex=CLAIM_TTL):
            if time.monotonic() > deadline:
                pytest.fail("the queue database stayed claimed by another test", pytrace=False)
            time.sleep(0.2)
    _empty(client, owned)
    yield redis_db
    _empty(client, owned)
    if not owned and client.get(CLAIM_KEY) == token.encode():
        client.delete(CLAIM_KEY)
    client.close()


@pytest.fixture
def rclient(redis_url) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def close_app(application) -> None:
    from app.enqueue import connections

    with application.app_context():
        connections.get_connections().close()
    release(application)


def build_app(backend, stores, tmp_path, sample_db, **extra: Any):
    """A seeded app whose workers may also run the test jobs of ``tests.queue.jobs``."""
    storage = tmp_path / "storage"
    place_sample(sample_db, storage)
    extra.setdefault("QUEUE_EXTRA_JOBS", TEST_JOBS)
    return seeded_app(stores(backend), str(storage), **extra)


@pytest.fixture
def qapp(backend, stores, tmp_path, sample_db, redis_url):
    """A seeded app whose queue is the claimed Redis database (quick settings for tests)."""
    application = build_app(
        backend,
        stores,
        tmp_path,
        sample_db,
        REDIS_URL=redis_url,
        REDIS_PREFIX=NAMED_PREFIX,
        QUEUE_BACKOFF=0,
        QUEUE_HEARTBEAT_GRACE=1,
        QUEUE_MAINTENANCE_INTERVAL=1,
    )
    yield application
    close_app(application)


@pytest.fixture
def qadmin(qapp) -> Api:
    api = Api(qapp.test_client())
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return api


def app_env(application, **extra: str) -> dict[str, str]:
    """The environment of a process that builds the same app as ``application``."""
    import orjson

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DF_", "FLASK_", "RQ_"))}
    for key in FORWARDED:
        value = application.config.get(key)
        if value is None or value == {}:
            continue
        env[f"DF_{key}"] = value if isinstance(value, str) else orjson.dumps(value).decode()
    env["DF_LOG_LEVEL"] = "info"
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@dataclass
class Cli:
    """``flask --app wsgi ...`` in a separate process with the test app's settings."""

    application: Any
    env: dict[str, str] = field(default_factory=dict)
    running: list[subprocess.Popen] = field(default_factory=list)

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "flask", "--app", "wsgi", *args]

    def run(self, *args: str, timeout: float = PROCESS_TIMEOUT) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own interpreter and arguments
            self.argv(*args),
            cwd=ROOT,
            env=app_env(self.application, **self.env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            self.argv(*args),
            cwd=ROOT,
            env=app_env(self.application, **self.env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def wait(self, process: subprocess.Popen) -> str:
        """Wait for the process to end by itself; its output."""
        try:
            output, _ = process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            return self.stop(process, signal.SIGKILL)
        return output or ""

    def stop(self, process: subprocess.Popen, sig: int = signal.SIGTERM) -> str:
        """Signal the process (group) and collect its output."""
        if process.poll() is None:
            os.killpg(process.pid, sig)
        try:
            output, _ = process.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        return output or ""

    def close(self) -> None:
        for process in self.running:
            self.stop(process, signal.SIGKILL)


@pytest.fixture
def cli(qapp) -> Iterator[Cli]:
    runner = Cli(qapp)
    yield runner
    runner.close()


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.2):
    """Poll until ``predicate()`` is truthy; its value, or a failed test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {timeout} s", pytrace=False)
        time.sleep(interval)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[str]:
    """The URL of a redis-server of this test alone (on a free port), stopped afterwards."""
    folder = tmp_path / "private-redis"
    folder.mkdir()
    port = free_port()
    server = start_redis(port, folder)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=30)


REDIS_PASSWORD = "queue-test-password-0123456789"  # noqa: S105 - a throwaway server's
"""The password of ``locked_redis``."""


@pytest.fixture
def locked_redis(tmp_path) -> Iterator[int]:
    """The port of a redis-server of this test alone that requires ``REDIS_PASSWORD``."""
    folder = tmp_path / "locked-redis"
    folder.mkdir()
    port = free_port()
    server = start_redis(port, folder, password=REDIS_PASSWORD)
    yield port
    server.terminate()
    server.wait(timeout=30)

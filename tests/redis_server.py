"""The Redis the tests use: a throwaway ``redis-server`` of their own, or ``DF_TEST_REDIS_URL``.

By default each test process (each xdist worker) starts its own ``redis-server``
on a free port the first time a test needs Redis, without persistence, and it
goes away with the process: the machine's Redis is never read, written or
flushed. Its database 0 holds the keys of tests that use key prefixes; the
queue tests, whose RQ keys (``rq:...``) cannot be prefixed, have database 1 to
themselves and empty it between tests.

``DF_TEST_REDIS_URL`` names a Redis database to use instead (a server without
``redis-server`` installed next to it, another host): then every test uses that
one database and nothing else on the server. Tests with key prefixes delete
exactly the keys they wrote; the queue tests take turns (a claim key) and
delete RQ's ``rq:*`` keys and their own prefix, never ``FLUSHDB``, so that
database must not hold a real RQ queue.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

import redis

from tests.dbservers import missing_tool, unavailable

NAMED_URL = os.environ.get("DF_TEST_REDIS_URL", "").strip()
"""The database the operator gave the tests, if any."""

START_TIMEOUT = 20
"""Seconds a new ``redis-server`` may take to answer."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def start_redis(port: int, folder, password: str | None = None) -> subprocess.Popen:
    """A ``redis-server`` on ``port`` (requiring ``password`` if given), once it answers.

    It is killed with the process that started it (``setpriv --pdeathsig``, not a
    ``preexec_fn``: that would run the app's fork hooks in the child), so a test run
    that dies leaves no server behind.
    """
    server = shutil.which("redis-server")
    if server is None:
        missing_tool("redis-server")
    argv = [
        "setpriv",
        "--pdeathsig",
        "KILL",
        server,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    argv += ["--dir", str(folder)]
    if password is not None:
        argv += ["--requirepass", password]
    process = subprocess.Popen(  # noqa: S603 - the system's redis-server
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port, password=password, socket_connect_timeout=0.5)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _pings(client):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                unavailable("redis", f"redis-server on port {port} did not start")
            time.sleep(0.05)
    finally:
        client.close()
    return process


@dataclass
class TestRedis:
    """Where this test process's Redis is, and whether the tests own the whole server."""

    __test__ = False  # not a test class

    base: str
    owned: bool

    def url(self, database: int | None = None) -> str:
        """The URL of ``database`` on our own server; the named database otherwise."""
        if not self.owned or database is None:
            return self.base
        return self.base.rsplit("/", 1)[0] + f"/{database}"


_current: TestRedis | None = None


def current() -> TestRedis:
    """This process's Redis: the named database, or our own server (started on first use)."""
    global _current
    if _current is None:
        _current = _named() if NAMED_URL else _own()
    return _current


def _named() -> TestRedis:
    client = redis.Redis.from_url(NAMED_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("redis", f"DF_TEST_REDIS_URL: {exc}")
    finally:
        client.close()
    return TestRedis(NAMED_URL, owned=False)


def _own() -> TestRedis:
    folder = tempfile.mkdtemp(prefix="dftest-redis-")
    port = free_port()
    process = start_redis(port, folder)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    return TestRedis(f"redis://127.0.0.1:{port}/0", owned=True)

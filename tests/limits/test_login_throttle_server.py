"""The failed-login throttle under a real gunicorn with several workers, raced from many threads.

The server is ``scripts/serve`` (``tests.test_quickstart.serving``) with three
workers of eight threads, its counters in a redis-server of this test alone,
trusting forwarded headers only from 192.0.2.1, so this test's loopback
client is a direct, untrusted one. Forty wrong passwords for one account are
sent at once, each with its own spoofed ``X-Forwarded-For``: exactly
``LOGIN_MAX_ATTEMPTS`` of them may be checked (401), every other one is
refused (429). Then Redis is stopped and the race run again on another
account: the counters move to the system store, and the same holds.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.queue.conftest import free_port, start_redis
from tests.test_quickstart import REQUEST_TIMEOUT, Server, serving

pytestmark = pytest.mark.slow

ADMIN_EMAIL = "throttle-admin@example.com"
ADMIN_PASSWORD = "throttle-admin-password-0123"  # noqa: S105
ATTEMPTS = 40
LIMIT = 5


def login(
    server: Server, email: str, password: str, spoofed: str | None = None
) -> requests.Response:
    return requests.post(
        server.url("system/admin/session"),
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": spoofed} if spoofed else {},
        timeout=REQUEST_TIMEOUT,
    )


def race(server: Server, email: str) -> list[int]:
    """Statuses of ATTEMPTS wrong passwords sent at once, each from a "different" address."""

    def attempt(n: int) -> int:
        return login(server, email, f"wrong-password-{n:04d}", f"198.51.100.{n}").status_code

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        return sorted(pool.map(attempt, range(ATTEMPTS)))


def test_racing_spoofed_wrong_passwords_are_checked_at_most_the_limit(tmp_path):
    expected = [401] * LIMIT + [429] * (ATTEMPTS - LIMIT)
    (tmp_path / "redis").mkdir()
    (tmp_path / "server").mkdir()
    port = free_port()
    redis_server = start_redis(port, tmp_path / "redis")
    env = {
        "DF_ADMIN_EMAIL": ADMIN_EMAIL,
        "DF_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "DF_PASSWORD_TIME_COST": "1",
        "DF_PASSWORD_MEMORY_COST": "64",
        "DF_LOGIN_MAX_ATTEMPTS": str(LIMIT),
        "DF_FORWARDED_ALLOW_IPS": "192.0.2.1",
        "DF_REDIS_URL": f"redis://127.0.0.1:{port}/0",
        "GUNICORN_CMD_ARGS": "--workers 3 --threads 8",
    }
    try:
        with serving(tmp_path / "server", **env) as server:
            assert race(server, ADMIN_EMAIL) == expected, server.output[-3000:]
            right = login(server, ADMIN_EMAIL, ADMIN_PASSWORD)
            assert right.status_code == 429  # same account, same (real) address: locked
            assert int(right.headers["Retry-After"]) > 0

            redis_server.terminate()
            redis_server.wait(timeout=30)
            assert race(server, "nobody@example.com") == expected, server.output[-3000:]
            assert "counting slots in the system store" in server.output
    finally:
        if redis_server.poll() is None:
            redis_server.terminate()
            redis_server.wait(timeout=30)

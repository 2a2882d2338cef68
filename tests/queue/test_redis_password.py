"""Redis with a password (``redis://:<password>@host:port/db`` in ``DF_REDIS_URL``).

A redis-server of the test's own requires ``REDIS_PASSWORD``. With it in the
URL every Redis client of the app works: the queue (producer, a worker
process, the failed listing), usage-limit counters, the remote-service cache
and script statistics. With a wrong or no password each of them gives a clear
error (a 503 over HTTP, a message and exit status on the command line, a log
line where the app fails open), and the password never shows.
"""

from __future__ import annotations

import pytest
import redis

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, assert_error
from tests.queue.conftest import REDIS_PASSWORD, Cli, build_app, close_app
from tests.queue.jobs import lines
from tests.queue.test_worker import enqueue

# One system store is enough: Redis's password does not depend on it (cases start real workers).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

WRONG_PASSWORD = "wrong-password-9876543210"  # noqa: S105


@pytest.fixture
def locked_app(backend, stores, tmp_path, sample_db, locked_redis):
    """``build(password)``: an app on the locked Redis, with that password in its URL."""
    made = []

    def build(password: str | None):
        auth = f":{password}@" if password else ""
        application = build_app(
            backend,
            stores,
            tmp_path,
            sample_db,
            REDIS_URL=f"redis://{auth}127.0.0.1:{locked_redis}/0",
        )
        made.append(application)
        return application

    yield build
    for application in made:
        close_app(application)


def admin_of(application) -> Api:
    api = Api(application.test_client())
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return api


def test_every_redis_client_uses_the_password_in_the_url(locked_app, locked_redis, tmp_path):
    from app.counters.store import count_event
    from app.scripting import stats
    from app.services.rws import kv

    application = locked_app(REDIS_PASSWORD)
    owner = redis.Redis(port=locked_redis, password=REDIS_PASSWORD)
    runner = Cli(application)
    try:
        mark = str(tmp_path / "mark")
        enqueue(application, "touch", {"path": mark})
        worked = runner.run("queue", "work", "--burst")
        assert worked.returncode == 0, worked.stdout + worked.stderr
        assert len(lines(mark)) == 1
        listing = runner.run("queue", "failed")
        assert listing.stdout.strip() == "No failed jobs.", listing.stdout + listing.stderr
        for output in (worked, listing):
            assert REDIS_PASSWORD not in output.stdout + output.stderr

        with application.app_context():
            assert count_event("pw-test", 5, 60).count == 1
            assert owner.keys("df:rl:pw-test:*")
            kv.get_store().put("pw-test", b"cached", 60)
            assert kv.get_store().get("pw-test") == b"cached"
            assert owner.get("df:kv:pw-test") == b"cached"
            stats.record("pw.test", 0.01, None)
            assert stats.get_recorder().totals("pw.test")[0]["runs"] == 1
            assert owner.exists("df:script_stats:pw.test")
            stats.get_recorder().close()

        admin = admin_of(application)
        for path in ("system/environment", "system/config", "system/script_stats"):
            response = admin.get(path)
            assert response.status_code == 200, response.get_data(as_text=True)
            assert REDIS_PASSWORD not in response.get_data(as_text=True)
        assert admin.get("system/environment").get_json()["queue"]["available"] is True
    finally:
        runner.close()
        owner.close()


@pytest.mark.parametrize(
    ("password", "says"),
    [
        (WRONG_PASSWORD, "Redis refused the password in DF_REDIS_URL"),
        (None, "Redis requires a password: put it in DF_REDIS_URL"),
    ],
    ids=["wrong", "missing"],
)
def test_a_wrong_or_missing_password_is_a_clear_error_that_never_shows_it(
    locked_app, locked_redis, tmp_path, caplog, monkeypatch, password, says
):
    from app.counters import redis_store
    from app.counters.store import count_event
    from app.vocabulary.errors import ServiceUnavailable

    application = locked_app(password)
    runner = Cli(application)
    where = f"127.0.0.1:{locked_redis}/0"
    try:
        for command in (("queue", "work", "--burst"), ("queue", "failed")):
            result = runner.run(*command)
            said = result.stdout + result.stderr
            assert result.returncode != 0, said
            assert f"Redis at {where}" in said and says in said, said
            assert "Traceback" not in said
            assert WRONG_PASSWORD not in said

        with application.app_context(), pytest.raises(ServiceUnavailable) as refused:
            enqueue(application, "touch", {"path": str(tmp_path / "never")})
        assert says in refused.value.message and where in refused.value.message
        assert WRONG_PASSWORD not in refused.value.message

        response = admin_of(application).get("system/script_stats")
        error = assert_error(response, 503)
        assert says in error["message"], error
        assert WRONG_PASSWORD not in response.get_data(as_text=True)

        monkeypatch.setattr(redis_store.logger, "disabled", False)  # alembic's fileConfig
        with application.app_context(), caplog.at_level("ERROR"):
            assert count_event("pw-test", 1, 60).allowed  # limits fail open
        assert says in caplog.text, caplog.text
        assert WRONG_PASSWORD not in caplog.text
    finally:
        runner.close()

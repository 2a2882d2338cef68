"""Limits are shared: two app instances on one store or one Redis add up, threads lose nothing."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, make_app
from tests.limits.conftest import make_limit, make_role_app
from tests.limits.test_enforcement import allowed, refused


@pytest.fixture
def twin(request, app, backend, stores, tmp_path):
    """A second app instance on the same system store (and the same Redis, when asked)."""
    from app.extensions import db

    extra = {}
    if "redis_prefix" in request.fixturenames:
        space = request.getfixturevalue("redis_space")
        extra = {"REDIS_URL": space.url, "REDIS_PREFIX": request.getfixturevalue("redis_prefix")}
    other = make_app(stores(backend), str(tmp_path / "twin"), **extra)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def two_callers(first_app, second_app):
    admin = Api(first_app.test_client())
    admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    _, key = make_role_app(admin)
    return (
        admin,
        Api(first_app.test_client(), api_key=key),
        Api(second_app.test_client(), api_key=key),
    )


def test_two_apps_on_one_store_add_up(app, twin, clock):
    admin, one, two = two_callers(app, twin)
    limit = make_limit(admin, type="instance", rate=4)
    allowed(one, "system/environment", 2)
    allowed(two, "system/environment", 2)
    refused(one, "system/environment")
    refused(two, "system/environment")
    response = Api(twin.test_client(), token=admin.token).get(f"system/limit_cache/{limit['id']}")
    assert response.get_json()["attempts"] == 4


def test_two_apps_on_one_redis_add_up(redis_app, redis_prefix, twin, clock):
    assert twin.config["REDIS_PREFIX"] == redis_app.config["REDIS_PREFIX"]
    admin, one, two = two_callers(redis_app, twin)
    make_limit(admin, type="instance.role", role_id=1, rate=3)
    allowed(one, "system/environment", 1)
    allowed(two, "system/environment", 2)
    refused(one, "system/environment")
    refused(two, "system/environment")
    clock.advance(60)
    allowed(two, "system/environment", 3)
    refused(one, "system/environment")


def test_limit_edits_reach_the_other_app_at_once(app, twin, clock):
    admin, one, two = two_callers(app, twin)
    allowed(two, "system/environment", 3)  # the twin has cached "no limits"
    limit = make_limit(admin, type="instance", rate=1)
    allowed(two, "system/environment", 1)
    refused(two, "system/environment")
    admin.patch(f"system/limit/{limit['id']}", json={"is_active": False})
    allowed(two, "system/environment", 2)


def run_threads(api_apps, path, per_thread):
    """Each thread calls ``path`` ``per_thread`` times with its own client; the statuses."""
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(api_apps))

    def work(flask_app, key):
        try:
            api = Api(flask_app.test_client(), api_key=key)
            start.wait()
            for _ in range(per_thread):
                status = api.get(path).status_code
                with lock:
                    statuses.append(status)
        except BaseException as exc:  # surfaced in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=item) for item in api_apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return statuses


@pytest.mark.parametrize("rate", [1000, 15])
def test_concurrent_calls_never_lose_a_count(world, clock, rate):
    """Two threads × 20 calls: all counted under a high rate, exactly ``rate`` under a low one."""
    limit = world.limit(type="instance", rate=rate)
    statuses = run_threads([(world.app, world.api_key)] * 2, "system/environment", 20)
    served = statuses.count(200)
    assert served + statuses.count(429) == 40
    assert served == min(rate, 40)
    attempts = world.cache(limit["id"])[0]["attempts"]
    if rate > 40:
        assert attempts == 40
    else:  # both threads may have seen the last free slot: the loser's hit counts, is refused
        assert rate <= attempts <= rate + 1

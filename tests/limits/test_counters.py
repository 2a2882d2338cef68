"""The counter stores on the real servers: atomic increments, windows, listing, reset, pruning."""

from __future__ import annotations

import pytest

from app.counters.redis_store import RedisCounterStore
from app.counters.sql_store import SqlCounterStore
from app.counters.store import count_event, get_counter_store, peek_event
from tests.limits.conftest import run_at_once


@pytest.fixture(params=["sql", "redis"])
def counter_app(request, app):
    """An app whose counters live in the system store, or in Redis."""
    if request.param == "redis":
        return request.getfixturevalue("redis_app")
    return app


def test_store_is_chosen_by_config(app, redis_app):
    with app.app_context():
        assert isinstance(get_counter_store(), SqlCounterStore)
        assert get_counter_store() is get_counter_store()
    with redis_app.app_context():
        assert isinstance(get_counter_store(), RedisCounterStore)


def test_hit_peek_reset(counter_app, clock):
    with counter_app.app_context():
        store = get_counter_store()
        assert store.peek("k", 100) == 0
        assert [store.hit("k", 100, clock.at + 60) for _ in range(3)] == [1, 2, 3]
        assert store.hit("k", 160, clock.at + 120) == 1  # another window, another counter
        assert store.hit("other", 100, clock.at + 60) == 1
        assert store.peek("k", 100) == 3
        store.reset("k", 100)
        assert store.peek("k", 100) == 0
        assert store.peek("k", 160) == 1


def test_counters_and_reset_prefix(counter_app, clock):
    with counter_app.app_context():
        store = get_counter_store()
        store.hit("limit:1:a:user:7", 100, clock.at + 60)
        store.hit("limit:1:a:user:7", 100, clock.at + 60)
        store.hit("limit:1:a:user:8", 100, clock.at + 60)
        store.hit("limit:10:b", 100, clock.at + 60)
        store.hit("limit%_:x", 100, clock.at + 60)  # LIKE wildcards are plain text
        listed = {(c.key, c.window_start, c.count) for c in store.counters("limit:1:")}
        assert listed == {("limit:1:a:user:7", 100, 2), ("limit:1:a:user:8", 100, 1)}
        assert [c.key for c in store.counters("limit%_")] == ["limit%_:x"]
        store.reset_prefix("limit:1:")
        assert store.counters("limit:1:") == []
        assert store.peek("limit:10:b", 100) == 1
        assert store.peek("limit%_:x", 100) == 1


def test_count_event_allows_n_then_refuses_without_counting(counter_app, clock):
    with counter_app.app_context():
        tallies = [count_event("ev", 3, 60) for _ in range(5)]
        assert [t.allowed for t in tallies] == [True, True, True, False, False]
        assert [t.count for t in tallies] == [1, 2, 3, 3, 3]
        assert [t.remaining for t in tallies] == [2, 1, 0, 0, 0]
        assert tallies[0].window.end == clock.at - clock.at % 60 + 60
        assert peek_event("ev", 3, 60).allowed is False
        clock.advance(60)
        assert peek_event("ev", 3, 60).count == 0
        assert count_event("ev", 3, 60).allowed is True


def test_sql_store_prunes_ended_windows(app, clock):
    from app.extensions import db
    from app.models import RateCounter

    with app.app_context():
        store = SqlCounterStore()
        store.hit("old", 100, clock.at + 60)
        store.hit("new", 200, clock.at + 600)
        clock.advance(61)
        assert store.prune() == 1
        assert db.session.query(RateCounter.key).all() == [("new",)]
        assert [c.key for c in store.counters("")] == ["new"]


def test_sql_store_prunes_on_its_own(app, clock):
    from app.extensions import db
    from app.models import RateCounter

    with app.app_context():
        store = SqlCounterStore()
        store.hit("old", 100, clock.at + 60)
        clock.advance(3600)
        store.hit("new", 200, clock.at + 60)
        assert db.session.query(RateCounter.key).all() == [("new",)]


def test_concurrent_hits_are_never_lost(counter_app, clock):
    """Two threads, each in its own app context, hit one counter: every value comes out once."""
    per_thread = 40

    def hits(_: int) -> list[int]:
        with counter_app.app_context():
            store = get_counter_store()
            return [store.hit("race", 100, clock.at + 60) for _ in range(per_thread)]

    results = [value for values in run_at_once(2, hits) for value in values]
    assert sorted(results) == list(range(1, 2 * per_thread + 1))
    with counter_app.app_context():
        assert get_counter_store().peek("race", 100) == 2 * per_thread


def test_unreachable_redis_fails_open(app, backend, stores, tmp_path, clock, caplog, monkeypatch):
    """Nothing listens on port 1: counting allows everything and logs the outage once."""
    from app.counters import redis_store
    from tests.conftest import make_app

    # alembic's fileConfig (run by the store fixture) disables loggers that already exist
    monkeypatch.setattr(redis_store.logger, "disabled", False)
    down = make_app(stores(backend), str(tmp_path / "s"), REDIS_URL="redis://127.0.0.1:1/0")
    with down.app_context(), caplog.at_level("ERROR", logger="app.counters.redis_store"):
        tallies = [count_event("x", 1, 60) for _ in range(3)]
        assert all(t.allowed for t in tallies)
        assert get_counter_store().peek("x", 0) == 0
    outage = [r for r in caplog.records if "failing open" in r.getMessage()]
    assert len(outage) == 1
    from app.extensions import db

    with down.app_context():
        db.engine.dispose()

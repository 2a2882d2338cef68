"""Slots: counters that hand out at most N places per window, all-or-nothing, never failing open.

Run against both stores (the system store and Redis) on every backend; the
fallback tests point ``REDIS_URL`` at a port nothing listens on.
"""

from __future__ import annotations

import pytest

from app.counters.slots import Slot, take_slots
from app.counters.sql_store import SqlCounterStore
from app.counters.store import get_counter_store
from tests.limits.conftest import run_at_once


@pytest.fixture(params=["sql", "redis"])
def counter_app(request, app):
    """An app whose counters live in the system store, or in Redis."""
    if request.param == "redis":
        return request.getfixturevalue("redis_app")
    return app


@pytest.fixture
def redis_down(backend, stores, tmp_path, spare_app, monkeypatch):
    """An app whose Redis cannot be reached (nothing listens on port 1)."""
    from app.counters import slots

    # alembic's fileConfig (run by the store fixture) disables loggers that already exist
    monkeypatch.setattr(slots.logger, "disabled", False)
    monkeypatch.setattr(slots, "_last_fallback_log", 0.0)  # another test may have logged
    return spare_app(stores(backend), str(tmp_path / "down"), REDIS_URL="redis://127.0.0.1:1/0")


def test_take_allows_n_then_refuses_without_counting(counter_app, clock):
    with counter_app.app_context():
        store = get_counter_store()
        start, end = 100, clock.at + 60
        taken = [store.take(["a", "b"], [3, 10], start, end) for _ in range(5)]
        assert taken == [[1, 1], [2, 2], [3, 3], None, None]
        assert (store.peek("a", start), store.peek("b", start)) == (3, 3)


def test_take_is_all_or_nothing(counter_app, clock):
    with counter_app.app_context():
        store = get_counter_store()
        assert store.take(["full"], [1], 100, clock.at + 60) == [1]
        assert store.take(["free", "full"], [5, 1], 100, clock.at + 60) is None
        assert store.peek("free", 100) == 0


def test_give_back_frees_a_slot_and_never_goes_below_zero(counter_app, clock):
    with counter_app.app_context():
        store = get_counter_store()
        assert store.take(["g"], [1], 100, clock.at + 60) == [1]
        assert store.take(["g"], [1], 100, clock.at + 60) is None
        store.give_back(["g"], 100)
        assert store.peek("g", 100) == 0
        store.give_back(["g"], 100)
        store.give_back(["never-taken"], 100)
        assert store.peek("g", 100) == 0
        assert store.counters("never-taken") == []
        assert store.take(["g"], [1], 100, clock.at + 60) == [1]


def test_concurrent_takes_never_exceed_the_limit(counter_app, clock):
    """Twenty threads race for five slots: exactly five get one."""

    def take(_: int) -> list[int] | None:
        with counter_app.app_context():
            return get_counter_store().take(
                ["race:pair", "race:wide"], [5, 100], 100, clock.at + 60
            )

    results = run_at_once(20, take)
    granted = sorted(taken[0] for taken in results if taken is not None)
    assert granted == [1, 2, 3, 4, 5]
    with counter_app.app_context():
        assert get_counter_store().peek("race:wide", 100) == 5


def test_take_slots_holds_and_gives_back(counter_app, clock):
    with counter_app.app_context():
        slots = [Slot("h:one", 2), Slot("h:two", 4)]
        first = take_slots(slots, 60)
        assert first.taken and first.counts == (1, 1)
        assert first.window.end == clock.at - clock.at % 60 + 60
        second = take_slots(slots, 60)
        assert second.counts == (2, 2)
        refused = take_slots(slots, 60)
        assert not refused.taken and refused.counts == ()
        second.give_back()
        assert take_slots(slots, 60).counts == (2, 2)


def test_unreachable_redis_falls_back_to_the_system_store(redis_down, clock, caplog):
    with redis_down.app_context(), caplog.at_level("WARNING", logger="app.counters.slots"):
        slots = [Slot("down:x", 2)]
        held = [take_slots(slots, 60) for _ in range(3)]
        assert [h.taken for h in held] == [True, True, False]
        assert isinstance(held[0].store, SqlCounterStore)
        window = held[0].window.start
        assert held[0].store.peek("down:x", window) == 2
        held[0].give_back()
        assert held[0].store.peek("down:x", window) == 1
    fallbacks = [r for r in caplog.records if "system store" in r.getMessage()]
    assert len(fallbacks) == 1  # logged once, not at every attempt

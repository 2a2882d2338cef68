"""Cached GET answers, shared by every worker (Redis or the system store)."""

from __future__ import annotations

import pytest

from tests.conftest import Api, create_api_app, create_role, create_user, issue_token
from tests.services.rws.conftest import make_rws


class Clock:
    def __init__(self, at: int = 1_800_000_000) -> None:
        self.at = at

    def __call__(self) -> int:
        return self.at


@pytest.fixture
def clock(monkeypatch) -> Clock:
    from app.services.rws import kv

    fake = Clock()
    monkeypatch.setattr(kv, "now", fake)
    return fake


def cached_rws(admin, remote, **config):
    config = {"base_url": remote.url, "cache_enabled": True, "cache_ttl": 60, **config}
    return make_rws(admin, **config)


def count(api, path="remote/count", **kwargs):
    response = api.get(path, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["count"]


def test_get_answers_are_cached_for_their_ttl(admin, remote, clock):
    cached_rws(admin, remote)
    assert count(admin) == 1
    response = admin.get("remote/count")
    assert response.get_json() == {"count": 1}
    assert response.headers["Content-Type"] == "application/json"
    assert remote.counts == {"/count?": 1}
    clock.at += 59
    assert count(admin) == 1
    clock.at += 2
    assert count(admin) == 2


def test_caching_needs_enabled_and_a_ttl(admin, remote, clock):
    make_rws(admin, base_url=remote.url, cache_enabled=True)
    assert [count(admin), count(admin)] == [1, 2]
    make_rws(admin, name="off", base_url=remote.url, cache_ttl=60)
    assert [count(admin, "off/count"), count(admin, "off/count")] == [3, 4]


def test_the_key_is_what_the_remote_saw(admin, remote, clock):
    cached_rws(
        admin,
        remote,
        parameters=[
            {"name": "_ts", "exclude": True, "outbound": True, "cache_key": True},
            {"name": "trace", "exclude": True, "outbound": False, "cache_key": True},
        ],
    )
    assert count(admin, query_string={"a": "1"}) == 1
    assert count(admin, query_string={"a": "2"}) == 1  # another URL: another remote count
    assert count(admin, query_string={"a": "1", "_ts": "99"}) == 1  # _ts neither sent nor keyed
    assert count(admin, query_string={"a": "1", "trace": "x"}) == 1  # trace: not in the key
    assert remote.counts == {"/count?a=1": 1, "/count?a=2": 1}
    assert remote.last().query == "a=2"


def test_callers_whose_lookups_differ_do_not_share(app, admin, client, remote, clock):
    service_id = cached_rws(admin, remote, headers=[{"name": "X-User", "value": "{user.email}"}])
    access = {"service_id": service_id, "component": "*", "verb_mask": 1, "requestor_mask": 1}
    role = create_role(admin, "callers", [access])
    app_id, key = create_api_app(admin, "callers-app", role)
    link = {"app_id": app_id, "role_id": role}
    other_id = create_user(admin, "other@example.com", user_to_app_to_role_by_user_id=[link])
    other = Api(client, token=issue_token(app, other_id, "other@example.com"), api_key=key)
    assert count(admin) == 1
    assert count(other) == 2
    assert count(admin) == 1
    assert count(other) == 2
    emails = [seen.headers.get("x-user") for seen in remote.seen]
    assert emails == ["admin@example.com", "other@example.com"]


def test_changing_the_service_or_flushing_its_cache_forgets(admin, remote, clock):
    service_id = cached_rws(admin, remote)
    assert count(admin) == 1
    assert admin.delete("system/cache/remote").status_code == 200
    assert count(admin) == 2
    assert count(admin) == 2
    admin.patch(f"system/service/{service_id}", json={"description": "changed"})
    assert count(admin) == 3
    assert admin.delete("system/cache").status_code == 200
    assert count(admin) == 4


def test_only_successful_storable_gets_are_cached(admin, remote, clock):
    cached_rws(admin, remote)
    assert count(admin, query_string={"cc": "no-store"}) == 1
    assert count(admin, query_string={"cc": "no-store"}) == 2
    assert count(admin, query_string={"cc": "max-age=5"}) == 1
    assert count(admin, query_string={"cc": "max-age=5"}) == 1
    admin.post("remote/count")
    admin.post("remote/count")
    assert remote.counts["/count?"] == 2
    for _ in range(2):
        assert admin.get("remote/status/503").status_code == 503
    assert [s.path for s in remote.seen].count("/status/503") == 2


def test_big_answers_stream_and_are_not_cached(admin, remote, clock):
    from app.services.rws.cache import MAX_CACHED_BYTES

    cached_rws(admin, remote)
    size = MAX_CACHED_BYTES + 1
    for _ in range(2):
        data = admin.get(f"remote/big/{size}").get_data()
        assert len(data) == size
    assert [s.path for s in remote.seen].count(f"/big/{size}") == 2
    small = admin.get(f"remote/big/{MAX_CACHED_BYTES}").get_data()
    assert admin.get(f"remote/big/{MAX_CACHED_BYTES}").get_data() == small
    assert [s.path for s in remote.seen].count(f"/big/{MAX_CACHED_BYTES}") == 1


def test_entries_are_shared_by_another_app_server(app, admin, remote, clock, spare_app, tmp_path):
    """A second app on the same store (another worker or host) reads what the first cached."""
    cached_rws(admin, remote)
    assert count(admin) == 1
    url = app.config["SYSTEM_DATABASE_URL"]
    twin = spare_app(url, str(tmp_path / "twin-storage"))
    assert count(Api(twin.test_client(), token=admin.token)) == 1
    assert remote.counts == {"/count?": 1}


@pytest.fixture
def redis_prefix(redis_space):
    return redis_space.prefix, redis_space.client


def test_entries_live_in_redis_when_configured(
    app, admin, remote, spare_app, tmp_path, redis_space, redis_prefix
):
    prefix, client = redis_prefix
    url = app.config["SYSTEM_DATABASE_URL"]
    extra = {"REDIS_URL": redis_space.url, "REDIS_PREFIX": prefix}
    one = spare_app(url, str(tmp_path / "one"), **extra)
    two = spare_app(url, str(tmp_path / "two"), **extra)
    cached_rws(admin, remote)
    assert count(Api(one.test_client(), token=admin.token)) == 1
    assert count(Api(two.test_client(), token=admin.token)) == 1
    names = [n.decode() for n in client.scan_iter(match=f"{prefix}kv:rws:*")]
    assert len(names) == 1
    assert 0 < client.ttl(names[0]) <= 60
    from app.models import CacheEntry

    with app.app_context():
        from app.extensions import db

        assert db.session.query(CacheEntry).count() == 0


def test_store_backend_expires_replaces_and_purges(app, clock):
    from app.extensions import db
    from app.models import CacheEntry
    from app.services.rws import kv

    with app.app_context():
        store = kv.SqlStore()
        store.put("a", b"one", 10)
        store.put("a", b"two", 10)  # a second write of a key replaces it
        assert store.get("a") == b"two"
        assert store.get("missing") is None
        clock.at += 10
        assert store.get("a") is None  # expired, still in the table
        assert db.session.query(CacheEntry).count() == 1
        clock.at += kv.PURGE_INTERVAL
        store.put("b", b"\x00" * 100_000, 10)
        db.session.rollback()  # a new snapshot (MySQL's REPEATABLE READ kept the old one)
        assert [e.key for e in db.session.query(CacheEntry)] == ["b"]
        assert store.get("b") == b"\x00" * 100_000
        db.session.remove()


def test_the_key_holds_every_value_of_a_repeated_name(admin, remote, clock):
    cached_rws(admin, remote)

    def query_seen(query: str) -> str:
        response = admin.get("remote/echo/x", query_string=query)
        assert response.status_code == 200
        return response.get_json()["query"]

    assert query_seen("tag=a&tag=b") == "tag=a&tag=b"
    assert query_seen("tag=a&tag=c") == "tag=a&tag=c"  # differs in the second value only
    assert query_seen("tag=b&tag=a") == "tag=b&tag=a"  # the same values, another order
    assert len(remote.seen) == 3
    assert query_seen("tag=a&tag=b") == "tag=a&tag=b"
    assert query_seen("tag=a&tag=c") == "tag=a&tag=c"
    assert len(remote.seen) == 3  # both from the cache


def test_head_neither_reads_nor_fills_the_cache(admin, remote, clock):
    cached_rws(admin, remote)
    assert admin.call("HEAD", "remote/count").status_code == 200
    assert count(admin) == 2  # the HEAD was the first call; it cached nothing
    assert admin.call("HEAD", "remote/count").status_code == 200
    assert [s.method for s in remote.seen] == ["HEAD", "GET", "HEAD"]
    assert count(admin) == 2  # GET still answered from the cache

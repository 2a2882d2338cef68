"""SQLite under several writers: no write is lost to "database is locked".

The ``db`` service (SQLite) and the SQLite system store are written by every
gunicorn worker at once. Writers queue for SQLite's one write lock (WAL
journal, a busy timeout, write transactions that take the lock up front)
instead of failing; only a lock held longer than ``DF_SQLITE_BUSY_TIMEOUT``
answers a 503 in the usual envelope, and reads go on while a writer holds it.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, assert_error, place_sample, seeded_app
from tests.services.files.served import gunicorn_server

BUSY_TIMEOUT = 0.5
"""Seconds the in-process apps wait for a held lock before answering 503."""

WAVES = 1
"""Waves of concurrent writes sent to the server (more waves, more chances to collide)."""


def _sqlite_file(url: str) -> str:
    return url.removeprefix("sqlite:///")


@contextmanager
def held_write_lock(path: str, change: str):
    """Another connection's open write transaction on ``path``, its ``change`` not committed.

    The database must be in WAL mode by then: ``BEGIN EXCLUSIVE`` keeps every
    reader out of a database in rollback-journal mode, while under WAL they
    still read the last committed state.
    """
    with closing(sqlite3.connect(path, isolation_level=None, timeout=5)) as holder:
        assert holder.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute(change)
        yield
        holder.execute("ROLLBACK")


# -- several gunicorn workers writing at once ------------------------------------------------


SIZE = 8
"""Records per kind of write in one wave."""


@dataclass
class Client:
    """The admin's calls to the server; ``call`` insists on success."""

    base: str
    headers: dict[str, str]

    def send(self, job: tuple[str, str, dict | None]) -> tuple[str, str, int, str]:
        method, path, body = job
        response = requests.request(
            method, f"{self.base}/api/v2/{path}", json=body, headers=self.headers, timeout=120
        )
        return method, path, response.status_code, response.text

    def call(self, method: str, path: str, body: dict | None = None) -> Any:
        _, _, status, text = self.send((method, path, body))
        assert status in (200, 201), text
        return json.loads(text)

    def create(self, path: str, records: list[dict]) -> list[int]:
        return [r["id"] for r in self.call("POST", path, {"resource": records})["resource"]]

    def listed(self, path: str, prefix: str) -> dict[int, dict]:
        """The records at ``path`` whose first field value starts with ``prefix``, by id."""
        found = self.call("GET", path)["resource"]
        return {r["id"]: r for r in found if str(next(iter(r.values()), "")).startswith(prefix)}


def _wave(client: Client, tag: str) -> None:
    """Concurrent PATCH/DELETE/POST on ``db`` and ``system``; every one lands exactly once."""
    people = [{"first_name": f"{tag}p{i}", "last_name": "Before"} for i in range(3 * SIZE)]
    ids = client.create("db/_table/contact", people)
    roles = [{"name": f"{tag}role{i}"} for i in range(2 * SIZE)]
    role_ids = client.create("system/role", roles)
    edited, deleted, batched = ids[:SIZE], ids[SIZE : 2 * SIZE], ids[2 * SIZE :]
    kept, dropped = role_ids[:SIZE], role_ids[SIZE:]
    new_people = [{"first_name": f"{tag}n{i}", "last_name": "New"} for i in range(SIZE)]
    new_roles = [{"name": f"{tag}new{i}"} for i in range(SIZE)]
    new_users = [{"email": f"{tag}u{i}@example.com"} for i in range(SIZE)]
    jobs = [("PATCH", f"db/_table/contact/{i}", {"notes": f"edit {i}"}) for i in edited]
    jobs += [("DELETE", f"db/_table/contact/{i}", None) for i in deleted]
    jobs += [
        ("PATCH", "db/_table/contact", {"resource": [{"id": i, "twitter": f"@{i}"}]})
        for i in batched
    ]
    jobs += [("POST", "db/_table/contact", {"resource": [p]}) for p in new_people]
    jobs += [("PATCH", f"system/role/{r}", {"description": f"edit {r}"}) for r in kept]
    jobs += [("DELETE", f"system/role/{r}", None) for r in dropped]
    jobs += [("POST", "system/role", {"resource": [r]}) for r in new_roles]
    jobs += [("POST", "system/user", {"resource": [u]}) for u in new_users]
    random.shuffle(jobs)
    with ThreadPoolExecutor(max_workers=len(jobs) // 2) as pool:
        results = list(pool.map(client.send, jobs))
    assert not [r for r in results if r[2] not in (200, 201)]

    contacts = client.listed("db/_table/contact?fields=first_name,id,last_name,notes,twitter", tag)
    assert {i: contacts[i]["notes"] for i in edited} == {i: f"edit {i}" for i in edited}
    assert not set(deleted) & set(contacts)
    assert {i: contacts[i]["twitter"] for i in batched} == {i: f"@{i}" for i in batched}
    made = {c["first_name"] for c in contacts.values() if c["last_name"] == "New"}
    assert made == {p["first_name"] for p in new_people}

    found = client.listed("system/role?fields=name,id,description", tag)
    assert {r: found[r]["description"] for r in kept} == {r: f"edit {r}" for r in kept}
    # by name: SQLite gives a new row the id of the highest row deleted (no AUTOINCREMENT),
    # so a role made in this wave may carry a dropped role's id
    dropped_names = {r["name"] for r in roles[SIZE:]}
    assert not dropped_names & {r["name"] for r in found.values()}
    assert {r["name"] for r in found.values() if r["id"] not in kept} == {
        r["name"] for r in new_roles
    }
    users = client.listed("system/user?fields=email,id", tag)
    assert {u["email"] for u in users.values()} == {u["email"] for u in new_users}


@pytest.mark.slow
def test_concurrent_writers_in_several_workers_lose_nothing(stores, tmp_path, sample_db):
    with gunicorn_server(stores("sqlite"), tmp_path, sample_db, workers=4, threads=3) as served:
        client = Client(served.base, served.admin_token())
        for wave in range(WAVES):
            _wave(client, f"w{wave}")


# -- a lock held past the timeout; reads meanwhile ------------------------------------------


@pytest.fixture
def quick_app(stores, tmp_path, sample_db, spare_app):
    """A seeded app on the SQLite store that waits ``BUSY_TIMEOUT`` for a held lock."""
    place_sample(sample_db, tmp_path / "storage")
    seeded = seeded_app(stores("sqlite"), str(tmp_path / "storage"))
    from app.extensions import db

    with seeded.app_context():
        db.engine.dispose()
    return spare_app(stores("sqlite"), str(tmp_path / "storage"), SQLITE_BUSY_TIMEOUT=BUSY_TIMEOUT)


@pytest.fixture
def quick_admin(quick_app) -> Api:
    api = Api(quick_app.test_client())
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return api


def test_a_db_service_lock_held_too_long_is_a_503_and_reads_go_on(quick_app, quick_admin):
    path = f"{quick_app.config['STORAGE_PATH']}/databases/db.sqlite"
    assert quick_admin.get("db/_table/contact/1").status_code == 200
    with held_write_lock(path, "UPDATE contact SET notes = 'held' WHERE id = 1"):
        read = quick_admin.get("db/_table/contact/1")
        assert read.status_code == 200, read.get_json()
        assert read.get_json()["notes"] != "held"
        started = time.monotonic()
        error = assert_error(quick_admin.patch("db/_table/contact/1", json={"notes": "mine"}), 503)
        assert time.monotonic() - started >= BUSY_TIMEOUT
        assert "'db'" in error["message"] and "locked" in error["message"], error
        assert_error(quick_admin.delete("db/_table/contact/2"), 503)
        batch = quick_admin.post("db/_table/contact", json={"resource": [{"first_name": "x"}]})
        assert_error(batch, 503)
    done = quick_admin.patch("db/_table/contact/1", json={"notes": "mine"})
    assert done.status_code == 200, done.get_json()
    assert quick_admin.get("db/_table/contact/1").get_json()["notes"] == "mine"


def test_a_system_store_lock_held_too_long_is_a_503_and_reads_go_on(quick_app, quick_admin):
    path = _sqlite_file(quick_app.config["SQLALCHEMY_DATABASE_URI"])
    before = quick_admin.post("system/role", json={"resource": [{"name": "before"}]})
    assert before.status_code == 201, before.get_json()
    role_id = before.get_json()["resource"][0]["id"]
    with held_write_lock(path, "UPDATE role SET description = 'held'"):
        read = quick_admin.get("system/role")
        assert read.status_code == 200, read.get_json()
        assert [r["description"] for r in read.get_json()["resource"]] != ["held"]
        error = assert_error(
            quick_admin.post("system/role", json={"resource": [{"name": "during"}]}), 503
        )
        assert "locked" in error["message"], error
        assert_error(quick_admin.patch(f"system/role/{role_id}", json={"description": "x"}), 503)
        assert_error(quick_admin.patch("system/config", json={"default_app_id": None}), 503)
    again = quick_admin.post("system/role", json={"resource": [{"name": "after"}]})
    assert again.status_code == 201, again.get_json()
    names = {r["name"] for r in quick_admin.get("system/role").get_json()["resource"]}
    assert names == {"before", "after"}

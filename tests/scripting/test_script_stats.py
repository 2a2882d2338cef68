"""``system/script_stats``: run counts, errors and time per script, shared by every process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, assert_error
from tests.queue.conftest import wait_for
from tests.scripting.helpers import create_script_service, save_script

NAME = "db._table.todo.get.pre_process"
FAILING = "if 'fail' in event.request.parameters:\n    raise NotFoundException('no luck')\n"


def run_some(api: Api) -> None:
    save_script(api, NAME, FAILING)
    assert api.get("db/_table/todo").status_code == 200
    assert api.get("db/_table/todo").status_code == 200
    assert api.get("db/_table/todo", query_string={"fail": "1"}).status_code == 404


def test_counts_runs_errors_and_time(admin):
    run_some(admin)
    create_script_service(admin, "hello", "return {'hi': 1}")
    assert admin.get("hello").status_code == 200
    listing = admin.get("system/script_stats").get_json()["resource"]
    assert [s["name"] for s in listing] == [NAME, "service.hello"]
    one = admin.get(f"system/script_stats/{NAME}").get_json()
    assert (one["runs"], one["errors"], one["last_error"]) == (3, 1, "no luck")
    assert one["total_ms"] > 0
    assert one["avg_ms"] == pytest.approx(one["total_ms"] / 3, abs=0.01)
    assert one["last_run_at"].endswith("Z")
    assert admin.delete(f"system/script_stats/{NAME}").get_json() == {"success": True}
    assert_error(
        admin.get(f"system/script_stats/{NAME}"), 404, f"No statistics for script '{NAME}'."
    )
    assert [s["name"] for s in admin.get("system/script_stats").get_json()["resource"]] == [
        "service.hello"
    ]
    admin.delete("system/script_stats")
    assert admin.get("system/script_stats").get_json() == {"resource": []}


def _second_app(spare_app, stores, backend, tmp_path, **extra):
    other = spare_app(stores(backend), str(tmp_path / "storage"), SCRIPT_STATS_FLUSH=0, **extra)
    api = Api(other.test_client())
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    return other, api


def test_totals_are_shared_between_servers(app, admin, spare_app, stores, backend, tmp_path):
    app.config["SCRIPT_STATS_FLUSH"] = 0
    run_some(admin)
    _, other = _second_app(spare_app, stores, backend, tmp_path)
    assert other.get("db/_table/todo").status_code == 200
    seen_by_first = admin.get(f"system/script_stats/{NAME}").get_json()
    seen_by_second = other.get(f"system/script_stats/{NAME}").get_json()
    assert seen_by_first["runs"] == seen_by_second["runs"] == 4
    assert seen_by_first["errors"] == 1


@pytest.fixture
def redis_prefix(redis_space):
    return redis_space.prefix


def test_totals_in_redis(
    app, admin, spare_app, stores, backend, tmp_path, redis_space, redis_prefix
):
    settings = {"REDIS_URL": redis_space.url, "REDIS_PREFIX": redis_prefix}
    first, one = _second_app(spare_app, stores, backend, tmp_path, **settings)
    second, two = _second_app(spare_app, stores, backend, tmp_path, **settings)
    try:
        run_some(one)
        assert two.get("db/_table/todo").status_code == 200
        totals = two.get(f"system/script_stats/{NAME}").get_json()
        assert (totals["runs"], totals["errors"], totals["last_error"]) == (4, 1, "no luck")
        # the store-backed totals of the first app saw nothing of it
        assert admin.get("system/script_stats").get_json() == {"resource": []}
        one.delete("system/script_stats")
        assert two.get("system/script_stats").get_json() == {"resource": []}
    finally:
        _close(first, second)


# Two nodes (two apps on one store, or one Redis): what one counts, the other reads -----------

FLUSH = 1
"""Seconds: ``DF_SCRIPT_STATS_FLUSH`` of the nodes below."""

MARGIN = 10
"""Seconds of slack on a loaded machine, beyond ``FLUSH``."""


def _node(spare_app, stores, tmp_path, **extra):
    return spare_app(stores("sqlite"), str(tmp_path / "storage"), SCRIPT_STATS_FLUSH=FLUSH, **extra)


def _runs(application, name: str = NAME) -> int:
    from app.scripting import stats

    with application.app_context():
        rows = stats.get_recorder().totals(name)
    return rows[0]["runs"] if rows else 0


def _record(application, times: int, name: str = NAME) -> None:
    from app.scripting import stats

    with application.app_context():
        for _ in range(times):
            stats.record(name, 0.001, None)


def _close(*applications) -> None:
    from app.scripting import stats

    for application in applications:
        stats.close_recorder(application)


@pytest.fixture(params=["store", "redis"])
def node_settings(request):
    """The shared totals of the nodes: in the system store, or in Redis."""
    if request.param == "store":
        return {}
    space = request.getfixturevalue("redis_space")
    return {"REDIS_URL": space.url, "REDIS_PREFIX": request.getfixturevalue("redis_prefix")}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_runs_on_one_node_show_on_another_within_the_flush_delay(
    app, spare_app, stores, tmp_path, node_settings
):
    first = _node(spare_app, stores, tmp_path, **node_settings)
    second = _node(spare_app, stores, tmp_path, **node_settings)
    try:
        _record(first, 30)  # a burst, then nothing more on that node
        assert _runs(second) <= 30
        wait_for(lambda: _runs(second) == 30, timeout=FLUSH + MARGIN)
        _record(first, 9)
        wait_for(lambda: _runs(second) == 39, timeout=FLUSH + MARGIN)
    finally:
        _close(first, second)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_node_reads_its_own_runs_at_once(app, spare_app, stores, tmp_path, node_settings):
    first = spare_app(
        stores("sqlite"), str(tmp_path / "storage"), SCRIPT_STATS_FLUSH=3600, **node_settings
    )
    try:
        _record(first, 7)
        assert _runs(first) == 7
    finally:
        _close(first)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_process_adds_its_counts_when_it_exits(app, spare_app, stores, tmp_path, node_settings):
    """A process that stops (a gunicorn worker recycled, a queue worker stopped) loses nothing."""
    from tests.queue.conftest import ROOT, app_env

    reader = _node(spare_app, stores, tmp_path, **node_settings)
    code = (
        "from app.factory import create_app\n"
        "from app.scripting import stats\n"
        "application = create_app()\n"
        "with application.app_context():\n"
        f"    for _ in range(5): stats.record({NAME!r}, 0.001, None)\n"
    )
    try:
        result = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=app_env(reader, DF_SCRIPT_STATS_FLUSH="3600"),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert _runs(reader) == 5
    finally:
        _close(reader)

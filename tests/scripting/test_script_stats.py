"""``system/script_stats``: run counts, errors and time per script, shared by every process."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, assert_error
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
    from app.scripting import stats

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
        for application in (first, second):
            recorder = application.extensions.get(stats.EXTENSION_KEY)
            if recorder is not None:
                recorder.close()

"""Service configs, the engine registry, schema caching, and a database that is down or slow."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.services.sql.engines import get_registry
from tests.conftest import assert_error
from tests.services.sql.conftest import create_service

SECRET = "pw-never-shown-0123"  # noqa: S105


def post_service(admin, name: str, type_: str, config: dict):
    return admin.post(
        "system/service", json={"resource": [{"name": name, "type": type_, "config": config}]}
    )


@pytest.mark.parametrize(
    "database",
    [":memory:", "../escape.sqlite", "/etc/passwd", "a/../../b.sqlite", "file:x?mode=memory", ""],
)
def test_sqlite_database_must_stay_in_the_databases_folder(admin, database):
    response = post_service(admin, "lite", "sqlite", {"database": database})
    error = assert_error(response, 400, code=1000)
    assert "config.database" in str(error["context"])


def test_server_config_is_validated_and_the_password_masked(admin):
    assert_error(post_service(admin, "pg", "pgsql", {"database": "x"}), 400, code=1000)
    response = post_service(
        admin,
        "pg",
        "pgsql",
        {"host": "127.0.0.1", "database": "x", "username": "u", "password": SECRET},
    )
    assert response.status_code == 201, response.get_json()
    service_id = response.get_json()["resource"][0]["id"]
    body = admin.get(f"system/service/{service_id}").get_json()
    assert body["config"]["password"] == "**********"
    assert body["config"]["max_records"] == 1000
    assert SECRET not in admin.get("system/service", query_string={"fields": "*"}).get_data(
        as_text=True
    )
    types = {t["name"] for t in admin.get("system/service_type").get_json()["resource"]}
    assert {"sqlite", "pgsql", "mysql"} <= types


@pytest.mark.parametrize("type_", ["pgsql", "mysql"])
def test_a_database_that_is_down_is_a_503(admin, type_):
    config = {"host": "127.0.0.1", "port": 1, "database": "x", "username": "u", "password": SECRET}
    assert post_service(admin, "down", type_, config).status_code == 201
    response = admin.get("down/_table")
    error = assert_error(response, 503)
    assert "'down'" in error["message"]
    assert SECRET not in response.get_data(as_text=True)
    assert_error(admin.get("down/_table/x/1"), 503)


SLOW_VIEWS = {
    "postgresql": "CREATE VIEW slow AS SELECT 1 AS id FROM pg_sleep(8)",
    "mysql": "CREATE VIEW slow AS SELECT SLEEP(8) AS id",
    "sqlite": (
        "CREATE VIEW slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        "WHERE x < 1000000000) SELECT count(*) AS id FROM c"
    ),
}


def test_a_statement_over_the_timeout_is_a_504(sql, admin):
    sql.execute(SLOW_VIEWS[sql.kind])
    response = admin.patch(
        f"system/service/{sql.service_id}", json={"config": {"statement_timeout": 1.5}}
    )
    assert response.status_code == 200, response.get_json()
    error = assert_error(sql.get("slow"), 504)
    assert "'sqldb'" in error["message"]
    assert sql.get("todo").status_code == 200  # the connection is still usable


def test_engine_is_rebuilt_after_a_config_change_and_disposed_after_delete(app, sql, admin):
    disposed: list[sa.Engine] = []

    def engine_of(service_id: int) -> sa.Engine | None:
        with app.app_context():
            return get_registry().peek(service_id)

    assert sql.get("todo").status_code == 200
    first = engine_of(sql.service_id)
    sa.event.listen(first, "engine_disposed", disposed.append)
    assert sql.get("todo").status_code == 200
    assert engine_of(sql.service_id) is first
    admin.patch(f"system/service/{sql.service_id}", json={"config": {"max_records": 5}})
    assert sql.get("todo").status_code == 200
    second = engine_of(sql.service_id)
    assert second is not None and second is not first
    assert disposed == [first]

    config = admin.get(f"system/service/{sql.service_id}").get_json()["config"]
    if "password" in config:
        config["password"] = sa.make_url(sql.engine.url).password
    other_id = create_service(admin, sql.kind, config, name="other")
    assert admin.get("other/_table/todo").status_code == 200
    other = engine_of(other_id)
    sa.event.listen(other, "engine_disposed", disposed.append)
    assert admin.delete(f"system/service/{other_id}").status_code == 200
    assert sql.get("todo").status_code == 200  # any SQL request sweeps the registry
    assert engine_of(other_id) is None
    assert disposed == [first, other]
    assert engine_of(sql.service_id) is second


def test_schema_is_cached_until_refresh_or_cache_flush(sql, admin):
    assert_error(sql.get("late"), 404)
    sql.execute("CREATE TABLE late (id INTEGER PRIMARY KEY, label VARCHAR(20))")
    assert_error(sql.get("late"), 404)
    listed = sql.get(query_string={"refresh": "true", "as_list": "1"}).get_json()
    assert "late" in listed["resource"]  # the refreshing answer itself is fresh
    assert sql.get("late").get_json() == {"resource": []}
    sql.execute("CREATE TABLE later (id INTEGER PRIMARY KEY)")
    assert "later" not in sql.get(query_string={"as_list": "1"}).get_json()["resource"]
    assert admin.delete(f"system/cache/{sql.name}").get_json() == {"success": True}
    assert "later" in sql.get(query_string={"as_list": "1"}).get_json()["resource"]


def test_listing_tables_reflects_none_of_them(app, sql):
    from app.cache import get_cache

    assert sql.get().status_code == 200
    with app.test_request_context():
        schema = get_cache().get(
            ("service", f"service:{sql.service_id}"), f"sql_schema:{sql.service_id}", dict
        )
        assert not isinstance(schema, dict), "the listing should have cached the schema"
        assert schema._tables == {}
    assert sql.get("todo").status_code == 200
    assert list(schema._tables) == ["todo"]


def test_the_app_cap_limits_max_records(app, sql, admin):
    sql.post("todo", json=[{"name": f"t{i}"} for i in range(5)])
    app.config["DB_MAX_RECORDS_RETURNED"] = 3
    body = sql.get("todo").get_json()
    assert len(body["resource"]) == 3
    assert body["meta"] == {"count": 5, "next": 3}


def test_cached_reads_until_refresh_or_flush(sql, admin):
    config = {"cache_enabled": True, "cache_ttl": 300}
    assert (
        admin.patch(f"system/service/{sql.service_id}", json={"config": config}).status_code == 200
    )
    assert sql.get("todo").get_json() == {"resource": []}
    sql.post("todo", json=[{"name": "new"}])
    assert sql.get("todo").get_json() == {"resource": []}, (
        "writes do not invalidate (as DreamFactory)"
    )
    fresh = sql.get("todo", query_string={"refresh": "true"}).get_json()
    assert [r["name"] for r in fresh["resource"]] == ["new"]
    assert sql.get("todo", query_string={"fields": "name"}).get_json() == {
        "resource": [{"name": "new"}]
    }
    sql.post("todo", json=[{"name": "newer"}])
    assert len(sql.get("todo", query_string={"fields": "name"}).get_json()["resource"]) == 1
    admin.delete(f"system/cache/{sql.name}")
    assert len(sql.get("todo", query_string={"fields": "name"}).get_json()["resource"]) == 2


def test_postgresql_schema_and_statements_on_connect(sql, admin):
    if sql.kind != "postgresql":
        pytest.skip("schemas other than the default are a PostgreSQL setting")
    sql.execute("CREATE SCHEMA other")
    try:
        sql.execute("CREATE TABLE other.parent (id serial PRIMARY KEY, name text)")
        sql.execute(
            "CREATE TABLE other.child "
            "(id serial PRIMARY KEY, parent_id int REFERENCES other.parent)"
        )
        sql.execute("CREATE VIEW other.whoami AS SELECT current_setting('application_name') AS v")
        config = {"schema": "other", "statements": ["SET application_name = 'df-sql-test'"]}
        response = admin.patch(f"system/service/{sql.service_id}", json={"config": config})
        assert response.status_code == 200, response.get_json()
        listed = sql.get(query_string={"as_list": "1"}).get_json()["resource"]
        assert listed == ["child", "parent", "whoami"]
        assert sql.get("whoami").get_json() == {"resource": [{"v": "df-sql-test"}]}
        sql.post("parent", json=[{"name": "p", "child_by_parent_id": [{}, {}]}])
        body = sql.get("parent", query_string={"related": "child_by_parent_id"}).get_json()
        assert len(body["resource"][0]["child_by_parent_id"]) == 2
    finally:
        sql.execute("DROP SCHEMA other CASCADE")

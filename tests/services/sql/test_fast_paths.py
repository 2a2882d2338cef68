"""Fast paths: batches in one INSERT, kept filters, autocommit reads, pings after idling."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import pooling
from app.services.sql.engines import get_registry
from tests.conftest import assert_error
from tests.services.sql.conftest import todo


def statements(app, sql) -> list[str]:
    """Statements the service engine runs from now on (collected in the returned list)."""
    seen: list[str] = []
    assert sql.get("todo", query_string={"limit": 1}).status_code == 200  # the engine exists
    with app.app_context():
        engine = get_registry().peek(sql.service_id)
    sa.event.listen(engine, "before_cursor_execute", lambda c, cur, s, *a: seen.append(s))
    return seen


def test_a_plain_batch_is_written_without_savepoints(app, sql):
    seen = statements(app, sql)
    records = [{"name": f"n{i}", "complete": i % 2 == 0} for i in range(40)]
    response = sql.post("todo", json={"resource": records})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"resource": [{"id": i} for i in range(1, 41)]}
    inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT")]
    assert not [s for s in seen if "SAVEPOINT" in s.upper()]
    if sql.kind == "postgresql":  # SQLite and MariaDB run the INSERT per row, unwrapped
        assert len(inserts) == 1
    else:
        assert 1 <= len(inserts) <= 40
    assert [r["name"] for r in sql.rows(todo)] == [f"n{i}" for i in range(40)]


def test_given_keys_come_back_in_record_order(sql):
    response = sql.post("todo", json=[{"id": 10, "name": "b"}, {"id": 5, "name": "a"}])
    assert response.get_json() == {"resource": [{"id": 10}, {"id": 5}]}
    response = sql.post(
        "todo",
        query_string={"fields": "name"},
        json=[{"id": 7, "name": "c"}, {"id": 6, "name": "d"}],
    )
    assert response.get_json() == {"resource": [{"name": "c"}, {"name": "d"}]}


def test_a_failing_batch_reports_as_record_by_record(sql):
    records = [{"name": "a"}, {"name": "b"}, {"name": "a"}, {"name": "c"}]
    error = assert_error(
        sql.post("todo", json=records),
        400,
        "Batch Error: Not all requested records could be created.",
        code=1000,
    )
    assert error["context"]["error"] == [2]
    # (the rolled-back attempt may have used up key values: gaps, as in any rollback)
    assert [set(r) for r in error["context"]["resource"][:2]] == [{"id"}, {"id"}]
    assert "duplicate" in error["context"]["resource"][2]["message"].lower()
    assert [r["name"] for r in sql.rows(todo)] == ["a", "b"]
    error = assert_error(
        sql.post(
            "todo",
            query_string={"continue": "true"},
            json=[{"name": "c"}, {"name": "a"}, {"name": "d"}],
        ),
        400,
        code=1000,
    )
    assert error["context"]["error"] == [1]
    assert sorted(r["name"] for r in sql.rows(todo)) == ["a", "b", "c", "d"]
    assert_error(
        sql.post("todo", query_string={"rollback": "true"}, json=[{"name": "e"}, {"name": "a"}]),
        400,
        "Batch Error: Not all requested records could be created. All changes rolled back.",
        code=1000,
    )
    assert "e" not in [r["name"] for r in sql.rows(todo)]


def test_mixed_records_take_the_careful_path(sql):
    response = sql.post("todo", json=[{"name": "a"}, {"name": "b", "complete": True}])
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}]}
    assert [(r["name"], r["complete"]) for r in sql.rows(todo)] == [("a", None), ("b", True)]


def test_records_spelled_or_typed_otherwise_join_the_one_insert(app, sql):
    seen = statements(app, sql)
    records = [
        {"name": "a", "complete": "yes"},
        {"NAME": "b", "Complete": None},
        {"name": 3, "complete": 0, "nope": 1},
    ]
    response = sql.post("todo", json=records)
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}, {"id": 3}]}
    assert not [s for s in seen if "SAVEPOINT" in s.upper()]
    rows = [(r["name"], r["complete"]) for r in sql.rows(todo)]
    assert rows == [("a", True), ("b", None), ("3", False)]


def test_a_bad_value_in_a_plain_batch_is_reported_as_record_by_record(sql):
    records = [{"name": "a", "complete": True}, {"name": "x" * 81, "complete": False}]
    error = assert_error(sql.post("todo", json=records), 400, code=1000)
    assert error["context"]["error"] == [1]
    assert error["context"]["resource"][1]["message"] == (
        "Value for field 'name' is too long (81 characters; at most 80)."
    )
    assert [r["name"] for r in sql.rows(todo)] == ["a"]  # as record by record: kept


def kill_other_connections(sql) -> None:
    """End every server session on the service's database but this one."""
    with sql.engine.connect() as conn:
        if sql.kind == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        else:
            rows = conn.execute(
                sa.text(
                    "SELECT id FROM information_schema.PROCESSLIST "
                    "WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
                )
            ).scalars()
            for session in list(rows):
                conn.execute(sa.text(f"KILL {int(session)}"))


def test_a_dead_idle_connection_is_replaced(sql, monkeypatch):
    if sql.kind == "sqlite":
        pytest.skip("SQLite has no server to lose the connection")
    assert sql.get("todo").status_code == 200
    monkeypatch.setattr(pooling, "PING_AFTER_IDLE", 0.0)
    kill_other_connections(sql)
    assert sql.get("todo").get_json() == {"resource": []}


def test_reads_on_postgresql_run_without_a_transaction(app, sql):
    if sql.kind != "postgresql":
        pytest.skip("autocommit reads are a PostgreSQL choice")
    seen: list[bool] = []
    assert sql.get("todo").status_code == 200
    with app.app_context():
        engine = get_registry().peek(sql.service_id)
    sa.event.listen(
        engine,
        "before_cursor_execute",
        lambda conn, *a: seen.append(conn.connection.driver_connection.autocommit),
    )
    assert sql.get("todo").status_code == 200
    assert sql.post("todo", json=[{"name": "x"}]).status_code == 200
    assert seen[0] is True
    assert seen[-1] is False


def test_kept_filters_still_follow_their_params(sql):
    sql.insert(todo, [{"id": i, "name": f"t{i}", "complete": i % 2 == 0} for i in range(1, 7)])

    def names(params: dict) -> list[str]:
        body = {"filter": "(id > :low) AND (complete = :done)", "params": params}
        response = sql.api.call(
            "GET", f"{sql.name}/_table/todo", json=body, headers={"X-HTTP-Method": "GET"}
        )
        assert response.status_code == 200, response.get_json()
        return [r["name"] for r in response.get_json()["resource"]]

    assert names({"low": 1, "done": True}) == ["t2", "t4", "t6"]
    assert names({"low": 3, "done": True}) == ["t4", "t6"]
    assert names({"low": 3, "done": False}) == ["t5"]
    assert names({"low": 1, "done": True}) == ["t2", "t4", "t6"]
    assert_error(
        sql.get("todo", query_string={"filter": "nope = 1"}),
        400,
    )
    assert_error(sql.get("todo", query_string={"filter": "nope = 1"}), 400)  # not kept


def test_pages_of_keys_of_any_type(sql):
    metadata = sa.MetaData()
    country = sa.Table(
        "country",
        metadata,
        sa.Column("code", sa.String(2), primary_key=True),
        sa.Column("name", sa.String(40)),
    )
    city = sa.Table(
        "city",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("country_code", sa.String(2), sa.ForeignKey("country.code")),
        sa.Column("name", sa.String(40)),
    )
    metadata.create_all(sql.engine)
    with sql.engine.begin() as conn:
        conn.execute(
            country.insert(), [{"code": "de", "name": "Germany"}, {"code": "fr", "name": "France"}]
        )
        conn.execute(
            city.insert(),
            [
                {"id": 1, "country_code": "de", "name": "Berlin"},
                {"id": 2, "country_code": "fr", "name": "Paris"},
                {"id": 3, "country_code": "de", "name": "Bonn"},
            ],
        )
    body = sql.get(
        "country", query_string={"related": "city_by_country_code", "refresh": "true"}
    ).get_json()
    assert {
        c["code"]: [x["name"] for x in c["city_by_country_code"]] for c in body["resource"]
    } == {
        "de": ["Berlin", "Bonn"],
        "fr": ["Paris"],
    }
    body = sql.get("city", query_string={"related": "country_by_country_code"}).get_json()
    assert [c["country_by_country_code"]["name"] for c in body["resource"]] == [
        "Germany",
        "France",
        "Germany",
    ]
    body = sql.get("country", query_string={"ids": "fr,de"}).get_json()
    assert [c["name"] for c in body["resource"]] == ["France", "Germany"]


def test_postgresql_plans_every_statement_with_its_values(app, sql):
    """A prepared statement's one-size plan can be far worse for skewed data (see engines)."""
    if sql.kind != "postgresql":
        pytest.skip("plan_cache_mode is a PostgreSQL setting")
    assert sql.get("todo").status_code == 200
    with app.app_context():
        engine = get_registry().peek(sql.service_id)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"

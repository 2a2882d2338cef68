"""``_proc`` and ``_func`` on PostgreSQL and MariaDB (reference 4.6); SQLite has neither."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import assert_error
from tests.services.sql.conftest import SqlDb

PG_ROUTINES = [
    "CREATE TABLE log (id serial PRIMARY KEY, msg text)",
    """CREATE FUNCTION add_numbers(a integer, b integer DEFAULT 10) RETURNS integer
       AS $$ SELECT a + b $$ LANGUAGE sql""",
    """CREATE FUNCTION split_sum(a integer, b integer, OUT total integer, OUT diff integer)
       AS $$ SELECT a + b, a - b $$ LANGUAGE sql""",
    """CREATE FUNCTION series(n integer) RETURNS TABLE(num integer, label text)
       AS $$ SELECT g, 'n' || g FROM generate_series(1, n) g $$ LANGUAGE sql""",
    """CREATE FUNCTION greet(who text) RETURNS text AS $$ SELECT 'Hello, ' || who $$
       LANGUAGE sql""",
    """CREATE PROCEDURE bump(INOUT counter integer, step integer DEFAULT 1)
       LANGUAGE plpgsql AS $$ BEGIN counter := counter + step; END $$""",
    """CREATE PROCEDURE log_it(msg text) LANGUAGE sql
       AS $$ INSERT INTO log (msg) VALUES (msg) $$""",
    "COMMENT ON FUNCTION greet(text) IS 'Says hello.'",
]

MYSQL_ROUTINES = [
    "CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, msg TEXT)",
    "CREATE FUNCTION add_numbers(a INT, b INT) RETURNS INT DETERMINISTIC RETURN a + b",
    """CREATE PROCEDURE split_sum(IN a INT, IN b INT, OUT total INT, OUT diff INT)
       BEGIN SET total = a + b; SET diff = a - b; END""",
    """CREATE PROCEDURE series(IN n INT)
       BEGIN
         WITH RECURSIVE s (num) AS (SELECT 1 UNION ALL SELECT num + 1 FROM s WHERE num < n)
         SELECT num, CONCAT('n', num) AS label FROM s;
       END""",
    """CREATE FUNCTION greet(who VARCHAR(40)) RETURNS VARCHAR(60) DETERMINISTIC
       COMMENT 'Says hello.' RETURN CONCAT('Hello, ', who)""",
    "CREATE PROCEDURE bump(INOUT counter INT, IN step INT) BEGIN SET counter = counter + step; END",
    "CREATE PROCEDURE log_it(IN msg TEXT) BEGIN INSERT INTO log (msg) VALUES (msg); END",
    """CREATE PROCEDURE count_and_list(IN n INT, OUT total INT)
       BEGIN SELECT n AS asked; SET total = n * 2; END""",
]


@pytest.fixture
def routines(blank: SqlDb) -> SqlDb:
    if blank.kind == "sqlite":
        pytest.skip("SQLite has no stored routines (its absence is tested separately)")
    statements = PG_ROUTINES if blank.kind == "postgresql" else MYSQL_ROUTINES
    with blank.engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    return blank


def call(db: SqlDb, method: str, path: str, **kwargs):
    response = db.api.call(method, f"{db.name}/{path}", **kwargs)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_sqlite_has_no_routines(blank):
    if blank.kind != "sqlite":
        pytest.skip("this checks the SQLite service type")
    listed = blank.api.get(f"{blank.name}?as_list=true").get_json()["resource"]
    assert listed == ["_schema", "_table"]
    assert_error(blank.api.get(f"{blank.name}/_proc"), 404)


def test_server_services_list_routines(routines):
    listed = routines.api.get(f"{routines.name}?as_list=true").get_json()["resource"]
    assert listed == ["_schema", "_table", "_proc", "_func"]
    functions = call(routines, "GET", "_func")["resource"]
    procedures = call(routines, "GET", "_proc")["resource"]
    if routines.kind == "postgresql":
        assert functions == [{"name": n} for n in ("add_numbers", "greet", "series", "split_sum")]
        assert procedures == [{"name": "bump"}, {"name": "log_it"}]
    else:
        assert functions == [{"name": "add_numbers"}, {"name": "greet"}]
        assert [p["name"] for p in procedures] == [
            "bump",
            "count_and_list",
            "log_it",
            "series",
            "split_sum",
        ]
    assert call(routines, "GET", "_func", query_string={"as_list": "1"})["resource"][0] == (
        "add_numbers"
    )


def test_describe(routines):
    body = call(routines, "GET", "_func", query_string={"ids": "greet"})
    greet = body["resource"][0]
    assert greet["name"] == "greet"
    assert greet["label"] == "Greet"
    assert greet["description"] == "Says hello."
    assert greet["return_type"] in ("text", "string")
    assert greet["return_schema"] == []
    (param,) = greet["params"]
    assert set(param) == {
        "name",
        "position",
        "param_type",
        "type",
        "db_type",
        "length",
        "precision",
        "scale",
        "default",
    }
    assert (param["name"], param["position"], param["param_type"]) == ("who", 1, "IN")
    assert param["type"] in ("text", "string")
    if routines.kind == "postgresql":
        body = call(routines, "GET", "_func", query_string={"ids": "add_numbers,series"})
        add, series = body["resource"]
        assert add["params"][1]["default"] == "10"
        assert add["return_type"] == "integer"
        assert series["return_type"] == "table"
        assert [c["name"] for c in series["return_schema"]] == ["num", "label"]


def test_scalar_function_with_every_argument_form(routines):
    name = f"{routines.name}/_func/add_numbers"
    assert call(routines, "GET", "_func/add_numbers", query_string={"a": 1, "b": 2}) == 3
    assert call(routines, "GET", "_func/add_numbers(1, 2)") == 3
    assert call(routines, "POST", "_func/add_numbers", json={"params": [4, 5]}) == 9
    named = [{"name": "b", "value": 1}, {"name": "a", "value": 7}]
    assert call(routines, "POST", "_func/add_numbers", json={"params": named}) == 8
    assert call(routines, "POST", "_func/add_numbers", json={"params": {"a": 2, "b": 2}}) == 4
    assert routines.api.get(name + "(1,2)", query_string={"returns": "string"}).get_json() == "3"
    wrapped = call(routines, "GET", "_func/add_numbers(1,2)", query_string={"wrapper": "sum"})
    assert wrapped == {"sum": 3}
    assert call(routines, "GET", "_func/greet('O''Brien')") == "Hello, O'Brien"
    if routines.kind == "postgresql":  # b defaults to 10
        assert call(routines, "GET", "_func/add_numbers(5)") == 15


def test_out_parameters_are_merged(routines):
    kind = "_func" if routines.kind == "postgresql" else "_proc"
    assert call(routines, "GET", f"{kind}/split_sum(5,3)") == {"total": 8, "diff": 2}
    body = call(routines, "POST", f"{kind}/split_sum", json={"params": [5, 3], "wrapper": "out"})
    assert body == {"out": {"total": 8, "diff": 2}}
    assert call(routines, "POST", "_proc/bump", json={"params": [5, 2]}) == {"counter": 7}
    if routines.kind == "mysql":  # rows and OUT values together
        body = call(routines, "GET", "_proc/count_and_list(4)")
        assert body == {"resource": [{"asked": 4}], "total": 8}
        body = call(routines, "GET", "_proc/count_and_list(4)", query_string={"wrapper": "rows"})
        assert body == {"rows": [{"asked": 4}], "total": 8}


def test_rows_and_casts(routines):
    kind = "_func" if routines.kind == "postgresql" else "_proc"
    rows = call(routines, "GET", f"{kind}/series(3)")
    assert rows == [
        {"num": 1, "label": "n1"},
        {"num": 2, "label": "n2"},
        {"num": 3, "label": "n3"},
    ]
    cast = call(
        routines, "POST", f"{kind}/series", json={"params": [2], "schema": {"num": "string"}}
    )
    assert cast == [{"num": "1", "label": "n1"}, {"num": "2", "label": "n2"}]
    assert call(routines, "GET", f"{kind}/series(1)", query_string={"wrapper": "data"}) == {
        "data": [{"num": 1, "label": "n1"}]
    }


def test_procedures_write_and_commit(routines):
    call(routines, "POST", "_proc/log_it", json={"params": [{"name": "msg", "value": "hi"}]})
    with routines.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT msg FROM log")).scalars().all() == ["hi"]


def test_bad_calls(routines):
    api, name = routines.api, routines.name
    assert_error(api.get(f"{name}/_func/nothing"), 404)
    assert_error(api.get(f"{name}/_func/add_numbers(1,2); DROP TABLE log"), 404)
    assert_error(
        api.post(f"{name}/_func/add_numbers", json={"params": {"a": 1, "evil": 2}}),
        400,
        "Unknown parameter 'evil' for 'add_numbers'.",
    )
    assert_error(api.get(f"{name}/_func/add_numbers(1,2,3)"), 400)
    response = api.get(f"{name}/_func/add_numbers('1); DROP TABLE log; --', 2)")
    assert response.status_code == 400
    assert_error(api.get(f"{name}/_func/add_numbers(1,2)", query_string={"returns": "nope"}), 400)
    with routines.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM log")).scalar() == 0
    assert_error(api.put(f"{name}/_func/add_numbers"), 400)


def test_the_access_list_names_each_routine(routines):
    listed = routines.api.get(f"{routines.name}?as_access_list=true").get_json()["resource"]
    functions = [f["name"] for f in call(routines, "GET", "_func")["resource"]]
    procedures = [p["name"] for p in call(routines, "GET", "_proc")["resource"]]
    assert listed[listed.index("_proc/") :] == [
        "_proc/",
        "_proc/*",
        *[item for name in procedures for item in (f"_proc/{name}/", f"_proc/{name}/*")],
        "_func/",
        "_func/*",
        *[item for name in functions for item in (f"_func/{name}/", f"_func/{name}/*")],
    ]

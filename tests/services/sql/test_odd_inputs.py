"""Odd input to ``_table`` is a clear 4xx on every engine, never a 500.

Each case was a 500 found by an outside attack run: records that are not
objects in a PATCH or PUT body (every engine), and ids beyond the key column's
integer type (PostgreSQL, which sends each parameter as its column's type).
"""

from __future__ import annotations

from tests.conftest import NOT_OBJECTS, assert_error
from tests.services.sql.conftest import todo

MUST_BE_AN_OBJECT = "Each record must be a JSON object."

BEYOND_INT = 2**31
"""One past the largest value of a 32-bit ``INTEGER`` column."""


def test_updates_whose_records_are_not_objects(todos):
    for method in ("PATCH", "PUT"):
        for body in NOT_OBJECTS:
            response = todos.api.call(method, todos.url("todo"), json=body)
            error = assert_error(response, 400, code=1000)
            assert error["context"]["resource"][0]["message"] == MUST_BE_AN_OBJECT, body
    assert [r["name"] for r in todos.rows(todo)] == ["test1", "test2", "test3"]


def test_other_verbs_with_records_that_are_not_objects(todos):
    """``POST`` wants objects; ``GET`` and ``DELETE`` also take bare ids (``[1]``)."""
    for method in ("GET", "POST", "DELETE"):
        for body in NOT_OBJECTS:
            response = todos.api.call(method, todos.url("todo"), json=body)
            assert response.status_code < 500, (method, body, response.get_data(as_text=True))
            if body in ([None], [[1]], {"resource": [None]}) or method == "POST":
                error = assert_error(response, 400, code=1000)
                assert error["context"]["resource"][0]["message"] == MUST_BE_AN_OBJECT


def test_ids_beyond_the_key_columns_type(todos, backend):
    beyond = str(BEYOND_INT)
    missing = f"Record with identifier '{beyond}' not found."
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        response = todos.api.call(method, todos.url(f"todo/{beyond}"), json={"name": "x"})
        assert_error(response, 404, missing)
    for method in ("GET", "PATCH", "DELETE"):
        response = todos.api.call(
            method, todos.url("todo"), query_string={"ids": f"2,{beyond}"}, json={"name": "x"}
        )
        error = assert_error(response, 400, code=1000)
        assert error["context"]["resource"][1]["message"] == missing
        if method == "DELETE":
            todos.insert(todo, [{"id": 2, "name": "test2", "complete": True}])
    response = todos.delete("todo", json=[{"id": beyond}])
    error = assert_error(response, 400, code=1000)
    assert error["context"]["resource"][0]["message"] == missing
    assert len(todos.rows(todo)) == 3


def test_a_filter_value_beyond_its_columns_type(todos, backend):
    response = todos.get("todo", query_string={"filter": f"id = {BEYOND_INT}"})
    if backend == "postgresql":  # the parameter would be sent as an INTEGER: refused first
        assert_error(response, 400, f"Value for field 'id' is out of range: {BEYOND_INT}")
    else:  # compared as it is, matching nothing
        assert response.get_json() == {"resource": []}
    response = todos.get("todo", query_string={"filter": f"id < {BEYOND_INT - 1}"})
    assert len(response.get_json()["resource"]) == 3


def test_nul_characters_in_values_and_keys(todos):
    response = todos.post("todo", json=[{"name": "a\u0000b"}])
    error = assert_error(response, 400, code=1000)
    assert error["context"]["resource"][0]["message"].startswith("Invalid value for field 'name'")
    response = todos.patch("todo/1", json={"name": "\u0000"})
    assert_error(response, 400)
    response = todos.get("todo", query_string={"filter": "name = 'a\u0000'"})
    assert_error(response, 400)
    assert_error(todos.get("todo/a%00b"), 404, "Record with identifier 'a\u0000b' not found.")
    assert [r["name"] for r in todos.rows(todo)] == ["test1", "test2", "test3"]

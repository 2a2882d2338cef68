"""Odd input to ``_table`` is a clear 4xx on every engine, never a 500.

Each case was a 500 found by an outside attack run: records that are not
objects in a PATCH or PUT body (every engine).
"""

from __future__ import annotations

from tests.conftest import NOT_OBJECTS, assert_error
from tests.services.sql.conftest import todo

MUST_BE_AN_OBJECT = "Each record must be a JSON object."


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

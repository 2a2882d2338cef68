"""Kept read statements: every option and key a read depends on still decides what it answers."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [r["name"] for r in response.get_json()["resource"]]


@pytest.fixture
def many(sql):
    records = [{"name": f"n{i}", "complete": i % 3 == 0} for i in range(1, 11)]
    assert sql.post("todo", json={"resource": records}).status_code == 200
    return sql


def test_reads_by_key_answer_their_own_record(many):
    for _ in range(2):  # the second round runs the kept statements
        for i in (3, 1, 7):
            assert many.get(f"todo/{i}").get_json()["name"] == f"n{i}"
            only = many.get(f"todo/{i}", query_string={"fields": "name"}).get_json()
            assert only == {"name": f"n{i}"}
    assert_error(many.get("todo/99"), 404, "Record with identifier '99' not found.")
    assert many.get("todo/4").get_json()["name"] == "n4"


def test_pages_follow_filter_params_order_limit_and_offset(many):
    def page(**query):
        return names(many.get("todo", query_string=query))

    for _ in range(2):
        for wanted in ("n2", "n5"):
            body = {"filter": "name = :n", "params": {"n": wanted}}
            assert names(many.get("todo", json=body)) == [wanted]
        assert page(limit=3) == ["n1", "n2", "n3"]
        assert page(limit=3, offset=3) == ["n4", "n5", "n6"]
        assert page(limit=2, order="id desc") == ["n10", "n9"]
        assert page(limit=2, order="id desc", offset=1) == ["n9", "n8"]
        assert page(filter="complete = true", order="id desc") == ["n9", "n6", "n3"]
        assert page(filter="complete = false", limit=2) == ["n1", "n2"]
        first = many.get("todo", query_string={"fields": "id", "limit": 1}).get_json()
        assert first == {"resource": [{"id": 1}]}


def test_a_bad_order_is_refused_every_time_and_before_a_bad_limit(many):
    for _ in range(2):
        assert_error(
            many.get("todo", query_string={"order": "nope", "limit": "x"}),
            400,
            "Invalid field 'nope' in order by clause.",
        )
    assert names(many.get("todo", query_string={"order": "name desc", "limit": 1})) == ["n9"]
    assert_error(many.get("todo", query_string={"order": "name desc", "limit": "x"}), 400)

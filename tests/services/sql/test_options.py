"""Where ``_table`` takes its record options from: the query, or a body that is no record."""

from __future__ import annotations

from app.services.sql.context import table_options
from app.vocabulary.calls import ServiceRequest


def options(method="GET", params=None, payload=None):
    return table_options(ServiceRequest(method, "db", "_table/t", params or {}, payload=payload))


def test_the_query_and_its_aliases_come_first():
    found = options(params={"select": "a", "top": "2"}, payload={"fields": "b", "limit": 1})
    assert (found.fields, found.limit) == ("a", 2)


def test_a_body_of_options_or_records_carries_options():
    assert options("PATCH", payload={"ids": "1", "continue": True}).ids == ("1",)
    wrapped = options("POST", payload={"resource": [], "rollback": True, "limit": 3})
    assert (wrapped.rollback, wrapped.limit) == (True, 3)
    assert options("DELETE", payload={"name": "x", "force": True}).force


def test_a_bare_record_keeps_its_fields():
    """A column named ``limit`` in a PATCH body is data; ``top`` is never an option in a body."""
    assert options("PATCH", payload={"name": "x", "limit": 5}).raw_limit is None
    assert options("GET", payload={"top": 5}).raw_limit is None

"""Record options read once: typed flags and names, limits checked when read, system aliases."""

from __future__ import annotations

import pytest

from app.records.options import RecordOptions
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest


def read(**given) -> RecordOptions:
    return RecordOptions.read(given.get)


def test_nothing_given():
    options = read()
    assert options == RecordOptions()
    assert (options.ids, options.related, options.fields, options.filter) == (None,) * 4
    assert not (options.continue_ or options.rollback or options.force or options.count_only)
    assert (options.limit, options.offset) == (None, None)


def test_flags_are_booleans():
    options = read(**{"continue": "YES", "rollback": "0", "force": True, "include_count": "on"})
    assert (options.continue_, options.rollback, options.force) == (True, False, True)
    assert (options.include_count, options.include_schema) == (True, False)


def test_empty_text_is_not_given_but_empty_names_are():
    """``ids=`` reads all records; ``ids=,`` or ``ids=[]`` names none; ``related= `` adds none."""
    assert read(ids="", fields="", related="", filter="", id_field="") == RecordOptions()
    assert read(ids=",").ids == ()
    assert read(ids=[]).ids == ()
    assert read(related=" ").related == ()


def test_ids_from_text_or_a_list():
    assert read(ids="1, 2,,3").ids == ("1", "2", "3")
    assert read(ids=[2, "x", None]).ids == ("2", "x")
    assert read(ids=3).ids == ("3",)


def test_names_and_types():
    options = read(related="a, *", id_field="name,code", id_type=" INT, string", filter=5)
    assert options.related == ("a", "*")
    assert options.id_field == ("name", "code")
    assert options.id_type == "int"
    assert options.filter == "5"


def test_fields_order_group_and_params_are_kept_as_sent():
    options = read(fields=["a", "b"], order="a desc", group="a", params={":x": 1})
    assert (options.fields, options.order, options.group) == (["a", "b"], "a desc", "a")
    assert options.params == {":x": 1}


def test_limit_and_offset_fail_only_when_read():
    options = read(limit="abc", offset="-1")
    with pytest.raises(BadRequest, match="Invalid value for 'limit': must be an integer."):
        options.limit  # noqa: B018
    with pytest.raises(BadRequest, match="Invalid value for 'offset': must not be negative."):
        options.offset  # noqa: B018
    assert (read(limit=" 5 ", offset=2.0).limit, read(offset=2.0).offset) == (5, 2)


def request(params=None, payload=None, method="GET") -> ServiceRequest:
    return ServiceRequest(method=method, service="system", params=params or {}, payload=payload)


def test_system_options_come_from_the_query_then_the_body():
    options = RecordOptions.from_request(
        request({"fields": "id"}, {"fields": "name", "continue": True, "ids": [1, 2]})
    )
    assert (options.fields, options.continue_, options.ids) == ("id", True, ("1", "2"))


def test_system_aliases():
    """``limit`` then ``top`` (query, then body, each), ``order`` then ``sort`` while empty."""
    assert RecordOptions.from_request(request({"top": "2"}, {"limit": 1})).limit == 1
    assert RecordOptions.from_request(request({"top": "2", "skip": "3"})).offset == 3
    options = RecordOptions.from_request(request({"order": "", "order_by": "name desc"}))
    assert options.order == "name desc"
    assert RecordOptions.from_request(request({"sort": "a", "order_by": "b"})).order == "a"

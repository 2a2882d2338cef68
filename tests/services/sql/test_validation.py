"""Field validation rules set through ``_schema`` apply to ``_table`` writes (reference 4.4)."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.services.sql.test_schema import schema

FIELDS = [
    {"name": "id", "type": "id"},
    {"name": "email", "type": "string", "validation": {"email": None, "not_empty": None}},
    {
        "name": "color",
        "type": "string",
        "picklist": ["red", "green"],
        "validation": {"picklist": {"on_fail": "Pick red or green."}},
    },
    {"name": "tags", "type": "string", "picklist": "a,b,c", "validation": ["multi_picklist"]},
    {"name": "code", "type": "string", "validation": {"match": {"regexp": "/^[a-z]{3}$/i"}}},
    {"name": "age", "type": "integer", "validation": {"int": {"range": {"min": 0, "max": 150}}}},
    {
        "name": "secret",
        "type": "string",
        "validation": {"api_read_only": {"on_fail": "ignore_field"}},
    },
    {"name": "origin", "type": "string", "validation": ["create_only"]},
    {"name": "site", "type": "string", "validation": ["url"]},
]


@pytest.fixture
def people(blank):
    response = schema(blank, "POST", json=[{"name": "person", "field": FIELDS}])
    assert response.status_code == 200, response.get_json()
    return blank


def create(db, record: dict):
    return db.post("person", query_string={"fields": "*"}, json=[record])


def test_valid_records_pass(people):
    record = {
        "email": "ann@example.com",
        "color": "red",
        "tags": "a,c",
        "code": "AbC",
        "age": 42,
        "secret": "nope",
        "origin": "web",
        "site": "https://example.com/x",
    }
    response = create(people, record)
    assert response.status_code == 200, response.get_json()
    saved = response.get_json()["resource"][0]
    assert saved["secret"] is None  # ignored, as on_fail says
    assert saved["color"] == "red"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"email": "not-an-address"}, "Field 'email' value must be a valid email address."),
        ({"email": ""}, "Field 'email' value can not be empty."),
        ({"color": "blue"}, "Pick red or green."),
        ({"tags": "a,z"}, "Field 'tags' value is invalid."),
        ({"code": "abcd"}, "Field 'code' value is invalid."),
        ({"age": 200}, "Field 'age' value is not in the valid range."),
        ({"site": "example dot com"}, "Field 'site' value is not a valid URL."),
    ],
)
def test_invalid_values_are_refused(people, record, message):
    error = assert_error(create(people, record), 400, code=1000)
    assert error["context"]["resource"][0]["message"] == message
    assert people.get("person").get_json() == {"resource": []}


def test_create_only_fields_refuse_updates(people):
    assert create(people, {"origin": "web", "email": "a@example.com"}).status_code == 200
    assert_error(
        people.patch("person/1", json={"origin": "api"}),
        400,
        "Field 'origin' can only be set during record creation.",
    )
    assert people.patch("person/1", json={"color": "green"}).status_code == 200
    assert people.get("person/1").get_json()["origin"] == "web"

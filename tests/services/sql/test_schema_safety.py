"""``_schema`` under bad input and restricted roles: injection, partial failures, access."""

from __future__ import annotations

import pytest

from tests.conftest import (
    USER_PASSWORD,
    Api,
    assert_error,
    create_api_app,
    create_role,
    create_user,
)
from tests.services.sql.test_schema import TODO_FIELDS, create_todo, fields_of, schema

BAD_NAMES = [
    "todo; DROP TABLE todo",
    'todo"; DROP TABLE todo; --',
    "todo`",
    "1todo",
    "to do",
    "todo--",
    "x" * 70,
    "",
]


def table_names(db) -> list[str]:
    return [t["name"] for t in schema(db, "GET").get_json()["resource"]]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_table_names_are_refused(blank, name):
    create_todo(blank)
    response = schema(blank, "POST", json=[{"name": name, "field": TODO_FIELDS}])
    assert response.status_code == 400, response.get_json()
    assert table_names(blank) == ["todo"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_field_names_are_refused(blank, name):
    create_todo(blank)
    fields = [{"name": "id", "type": "id"}, {"name": name, "type": "string"}]
    assert schema(blank, "POST", json=[{"name": "other", "field": fields}]).status_code == 400
    response = schema(blank, "PATCH", "todo/_field", json=[{"name": name, "type": "string"}])
    assert response.status_code == 400
    assert table_names(blank) == ["todo"]
    assert list(fields_of(blank, "todo")) == ["id", "name", "complete"]


@pytest.mark.parametrize(
    "field",
    [
        {"type": "string; DROP TABLE todo"},
        {"type": "integer", "default": "1); DROP TABLE todo; --"},
        {"type": "integer", "default": {"expression": "1"}},
        {"type": "decimal", "precision": "10); DROP TABLE todo"},
        {"type": "string", "length": -1},
        {"db_type": "varchar(20); DROP TABLE todo"},
        {"db_type": "nosuchtype"},
        {"type": "boolean", "default": "maybe"},
        {"type": "reference", "ref_table": "todo", "ref_field": "id) ON DELETE CASCADE; --"},
        {"type": "reference", "ref_table": "todo", "ref_on_delete": "CASCADE; DROP TABLE todo"},
        {"type": "string", "validation": {"drop_table": None}},
    ],
)
def test_bad_definitions_are_refused(blank, field):
    create_todo(blank)
    response = schema(blank, "PATCH", "todo/_field", json=[{"name": "extra", **field}])
    assert response.status_code == 400, response.get_json()
    assert list(fields_of(blank, "todo")) == ["id", "name", "complete"]
    assert blank.get("todo").status_code == 200


def test_quoted_defaults_are_plain_values(blank):
    create_todo(blank)
    sneaky = "x'); DROP TABLE todo; --"
    response = schema(
        blank, "PATCH", "todo/_field/note", json={"type": "string", "default": sneaky}
    )
    assert response.status_code == 200, response.get_json()
    assert fields_of(blank, "todo")["note"]["default"] == sneaky
    blank.post("todo", json=[{"name": "a"}])
    assert blank.get("todo/1").get_json()["note"] == sneaky
    assert table_names(blank) == ["todo"]


def test_a_failing_table_fills_its_slot(blank):
    tables = [
        {"name": "good", "field": [{"name": "id", "type": "id"}]},
        {"name": "bad", "field": [{"name": "id", "type": "nonsense"}]},
        {"name": "fine", "field": [{"name": "id", "type": "id"}]},
    ]
    response = schema(blank, "POST", json={"resource": tables})
    assert response.status_code == 200
    body = response.get_json()["resource"]
    assert body[0] == {"name": "good"}
    assert body[1] == {
        "name": "bad",
        "error": {"message": "Invalid field type 'nonsense' for field 'id'.", "code": 400},
    }
    assert body[2] == {"name": "fine"}
    assert table_names(blank) == ["fine", "good"]
    # a single table's failure is the request's
    assert_error(
        schema(blank, "POST", json=[tables[1]]),
        400,
        "Invalid field type 'nonsense' for field 'id'.",
    )


def test_fields_option_answers_describes(blank):
    response = schema(
        blank,
        "POST",
        query_string={"fields": "*"},
        json=[{"name": "todo", "field": TODO_FIELDS}],
    )
    body = response.get_json()["resource"][0]
    assert body["name"] == "todo"
    assert [f["name"] for f in body["field"]] == ["id", "name", "complete"]
    described = schema(blank, "GET", query_string={"ids": "todo"}).get_json()
    assert described["resource"][0]["field"] == body["field"]


@pytest.fixture
def reader(blank, admin, client) -> Api:
    """A user whose role reads ``_table/todo`` and may only read and PATCH ``_schema/todo``."""
    accesses = [
        {"service_id": blank.service_id, "component": "_table/todo", "verb_mask": 1},
        {"service_id": blank.service_id, "component": "_schema/todo", "verb_mask": 1 | 8},
    ]
    for access in accesses:
        access["requestor_mask"] = 1
    role_id = create_role(admin, "schema-reader", accesses)
    _, api_key = create_api_app(admin, "schema-app", role_id)
    create_user(admin, "rita@example.com")
    api = Api(client, api_key=api_key)
    api.login("rita@example.com", USER_PASSWORD, admin=False)
    return api


def test_roles_see_and_change_only_their_tables(blank, reader):
    create_todo(blank)
    schema(blank, "POST", json=[{"name": "secret", "field": [{"name": "id", "type": "id"}]}])
    # no GET on _schema itself: the tables it reads through _table
    assert reader.get(f"{blank.name}/_schema").get_json() == {"resource": [{"name": "todo"}]}
    described = reader.get(f"{blank.name}/_schema/todo").get_json()
    assert described["access"] == 1 | 8
    assert_error(reader.get(f"{blank.name}/_schema/secret"), 403)
    assert_error(reader.get(f"{blank.name}/_schema", query_string={"ids": "secret"}), 403)
    response = reader.patch(
        f"{blank.name}/_schema/todo", json={"field": [{"name": "due", "type": "date"}]}
    )
    assert response.status_code == 200, response.get_json()
    assert_error(reader.delete(f"{blank.name}/_schema/todo"), 403)
    assert_error(
        reader.post(f"{blank.name}/_schema", json=[{"name": "x", "field": TODO_FIELDS}]), 403
    )
    assert table_names(blank) == ["secret", "todo"]


def test_anonymous_callers_get_the_usual_error(blank, anon):
    create_todo(blank)
    assert_error(anon.get(f"{blank.name}/_schema"), 400)

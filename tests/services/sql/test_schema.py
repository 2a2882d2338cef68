"""``_schema``: SqlDbTest's schema flow, describes, and table changes (reference 4.5, 13.G)."""

from __future__ import annotations

from typing import Any

from tests.conftest import assert_error
from tests.services.sql.conftest import SqlDb

TODO_FIELDS = [
    {"name": "id", "type": "id"},
    {"name": "name", "type": "string", "length": 80, "is_unique": True, "allow_null": False},
    {"name": "complete", "type": "boolean", "allow_null": True},
]


def schema(db: SqlDb, method: str, path: str = "", **kwargs: Any):
    return db.api.call(method, f"{db.name}/_schema/{path}".rstrip("/"), **kwargs)


def create_todo(db: SqlDb) -> None:
    response = schema(db, "POST", json={"resource": [{"name": "todo", "field": TODO_FIELDS}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"resource": [{"name": "todo"}]}


def fields_of(db: SqlDb, table: str) -> dict[str, dict]:
    response = schema(db, "GET", table)
    assert response.status_code == 200, response.get_json()
    return {f["name"]: f for f in response.get_json()["field"]}


def test_service_root_lists_schema_and_table(blank):
    body = blank.api.get(f"{blank.name}?as_list=true").get_json()
    assert body["resource"][:2] == ["_schema", "_table"]


def test_sqldbtest_schema_flow(blank):
    assert schema(blank, "GET").get_json() == {"resource": []}
    create_todo(blank)
    assert schema(blank, "GET").get_json() == {"resource": [{"name": "todo"}]}
    assert blank.get("todo").get_json() == {"resource": []}
    response = blank.post("todo", json=[{"name": "a"}, {"name": "b", "complete": True}])
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}]}

    described = schema(blank, "GET", "todo").get_json()
    assert described["name"] == "todo"
    assert described["label"] == "Todo"
    assert described["plural"] == "Todos"
    assert described["primary_key"] == ["id"]
    assert described["access"] == 31
    assert described["related"] == []
    fields = {f["name"]: f for f in described["field"]}
    assert list(fields) == ["id", "name", "complete"]
    assert fields["id"]["type"] == "id"
    assert fields["id"]["auto_increment"] is True
    assert fields["id"]["is_primary_key"] is True
    assert fields["name"]["type"] == "string"
    assert fields["name"]["length"] == 80
    assert fields["name"]["is_unique"] is True
    assert fields["name"]["allow_null"] is False
    assert fields["name"]["required"] is True
    assert fields["complete"]["type"] == "boolean"
    assert fields["complete"]["allow_null"] is True

    # add a field to the existing table
    response = schema(blank, "POST", "todo", json={"field": [{"name": "notes", "type": "text"}]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"name": "todo"}
    assert fields_of(blank, "todo")["notes"]["type"] == "text"
    assert blank.get("todo/1").get_json() == {
        "id": 1,
        "name": "a",
        "complete": None,
        "notes": None,
    }

    # PATCH merges: a new field, a changed one; the rest stays
    response = schema(
        blank,
        "PATCH",
        "todo",
        json={"field": [{"name": "priority", "type": "integer", "default": 3}]},
    )
    assert response.status_code == 200, response.get_json()
    fields = fields_of(blank, "todo")
    assert list(fields) == ["id", "name", "complete", "notes", "priority"]
    assert fields["priority"]["default"] == "3"

    # PUT replaces: fields not listed are dropped, the records keep the rest
    response = schema(
        blank,
        "PUT",
        "todo",
        json={"field": TODO_FIELDS + [{"name": "priority", "type": "integer"}]},
    )
    assert response.status_code == 200, response.get_json()
    assert list(fields_of(blank, "todo")) == ["id", "name", "complete", "priority"]
    assert blank.get("todo/2").get_json() == {
        "id": 2,
        "name": "b",
        "complete": True,
        "priority": 3,
    }

    # delete one field
    response = schema(blank, "DELETE", "todo/_field/priority")
    assert response.get_json() == {"success": True}
    assert "priority" not in fields_of(blank, "todo")

    # delete the table
    assert schema(blank, "DELETE", "todo").get_json() == {"success": True}
    assert_error(
        schema(blank, "GET", "todo"), 404, "Table &quot;todo&quot; does not exist in the database."
    )
    assert_error(blank.get("todo"), 404, "Table &quot;todo&quot; does not exist in the database.")
    assert schema(blank, "GET").get_json() == {"resource": []}


def test_create_errors(blank):
    assert_error(schema(blank, "POST"), 400, "No data in schema create request.")
    assert_error(
        schema(blank, "POST", json={"resource": []}), 400, "No data in schema create request."
    )
    assert_error(
        schema(blank, "POST", json={"resource": [{"field": TODO_FIELDS}]}),
        400,
        "Table name missing from schema.",
    )
    create_todo(blank)
    assert_error(
        schema(
            blank,
            "POST",
            query_string={"check_exist": "true"},
            json=[{"name": "todo", "field": TODO_FIELDS}],
        ),
        400,
        "A table with name 'todo' already exist in the database.",
    )
    assert_error(
        schema(blank, "POST", "missing", json={"field": TODO_FIELDS}),
        404,
        "Table &quot;missing&quot; does not exist in the database.",
    )
    assert_error(schema(blank, "PATCH", "todo"), 400, "No data in schema update request.")


def test_plurals_follow_the_english_rules_and_leave_plural_names_alone(blank):
    """Tables already named in the plural keep it (DreamFactory's ``Customers``, never
    ``Customerses``); singular names take the English plural, irregular ones included."""
    names = ["customers", "orders", "category", "person", "contact_info", "box"]
    tables = [{"name": name, "field": [{"name": "id", "type": "id"}]} for name in names]
    response = schema(blank, "POST", json={"resource": tables})
    assert response.status_code == 200, response.get_json()
    expected = {
        "customers": "Customers",
        "orders": "Orders",
        "category": "Categories",
        "person": "People",
        "contact_info": "Contact Infos",
        "box": "Boxes",
    }
    for name, plural in expected.items():
        assert schema(blank, "GET", name).get_json()["plural"] == plural
    listed = schema(blank, "GET", query_string={"fields": "*"}).get_json()["resource"]
    assert {item["name"]: item["plural"] for item in listed} == expected

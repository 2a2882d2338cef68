"""``_schema`` fields: types round-trip, references, automatic fields, metadata and changes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import assert_error
from tests.services.sql.test_schema import create_todo, fields_of, schema

TYPES = [
    "id",
    "user_id",
    "user_id_on_create",
    "user_id_on_update",
    "timestamp_on_create",
    "timestamp_on_update",
    "string",
    "text",
    "mediumtext",
    "longtext",
    "integer",
    "tinyint",
    "smallint",
    "mediumint",
    "bigint",
    "boolean",
    "float",
    "double",
    "decimal",
    "money",
    "date",
    "time",
    "timetz",
    "datetime",
    "datetimetz",
    "timestamp",
    "timestamptz",
    "binary",
    "json",
    "jsonb",
    "uuid",
    "timeuuid",
]


def test_field_types_round_trip(blank):
    types = TYPES + (["array"] if blank.kind == "postgresql" else [])
    fields = [{"name": "id", "type": "id"}] + [
        {"name": f"f_{kind}", "type": kind} for kind in types if kind != "id"
    ]
    response = schema(blank, "POST", json=[{"name": "kinds", "field": fields}])
    assert response.status_code == 200, response.get_json()
    described = fields_of(blank, "kinds")
    assert described["id"]["type"] == "id"
    assert {n: f["type"] for n, f in described.items() if n != "id"} == {
        f"f_{kind}": kind for kind in types if kind != "id"
    }
    # a second table's describe and a fresh process agree (metadata lives in the database)
    blank.api.delete(f"system/cache/{blank.name}")
    assert fields_of(blank, "kinds")["f_money"]["type"] == "money"


@pytest.mark.parametrize("kind", ["bigid", "smallid", "mediumid"])
def test_other_id_types(blank, kind):
    fields = [{"name": "key", "type": kind}, {"name": "label", "type": "string"}]
    response = schema(blank, "POST", json=[{"name": "ids", "field": fields}])
    assert response.status_code == 200, response.get_json()
    described = fields_of(blank, "ids")["key"]
    assert described["type"] == kind
    assert described["is_primary_key"] is True
    assert described["auto_increment"] is True
    created = blank.post("ids", json=[{"label": "a"}, {"label": "b"}]).get_json()
    assert created == {"resource": [{"key": 1}, {"key": 2}]}


def test_lengths_precision_defaults(blank):
    fields = [
        {"name": "id", "type": "pk"},
        {"name": "code", "type": "string", "size": 12, "fixed_length": True, "default": "x'y"},
        {"name": "price", "type": "decimal", "precision": 8, "scale": 2, "default": "1.50"},
        {"name": "active", "type": "boolean", "default": True, "allow_null": False},
        {"name": "count", "type": "integer", "default": 0},
    ]
    assert schema(blank, "POST", json=[{"name": "items", "field": fields}]).status_code == 200
    described = fields_of(blank, "items")
    assert described["id"]["type"] == "id"
    assert described["code"]["length"] == 12
    assert described["code"]["fixed_length"] is True
    assert described["code"]["default"] == "x'y"
    assert (described["price"]["precision"], described["price"]["scale"]) == (8, 2)
    assert described["price"]["type"] == "decimal"
    assert described["count"]["default"] == "0"
    assert described["active"]["required"] is False
    created = blank.post("items", query_string={"fields": "*"}, json=[{"count": None}]).get_json()
    record = created["resource"][0]
    assert record["code"].rstrip() == "x'y"
    assert float(record["price"]) == 1.5
    assert record["active"] is True
    assert record["count"] == 0


def test_metadata_is_remembered(blank):
    fields = [
        {"name": "id", "type": "id"},
        {
            "name": "color",
            "type": "string",
            "length": 10,
            "label": "Colour",
            "description": "What it looks like",
            "picklist": "red,green,blue",
            "validation": {"picklist": {"on_fail": "Pick a colour."}, "not_empty": None},
        },
    ]
    table = {"name": "paint", "label": "Paint Pot", "plural": "Paint Pots", "field": fields}
    assert schema(blank, "POST", json=[table]).status_code == 200
    described = schema(blank, "GET", "paint").get_json()
    assert (described["label"], described["plural"]) == ("Paint Pot", "Paint Pots")
    color = {f["name"]: f for f in described["field"]}["color"]
    assert color["label"] == "Colour"
    assert color["description"] == "What it looks like"
    assert color["picklist"] == ["red", "green", "blue"]
    assert color["validation"] == {"picklist": {"on_fail": "Pick a colour."}, "not_empty": None}
    listed = schema(blank, "GET", query_string={"fields": "*"}).get_json()["resource"]
    assert listed[0]["label"] == "Paint Pot"
    # the metadata table is nobody's table
    assert blank.get(query_string={"as_list": "true"}).get_json() == {"resource": ["paint"]}
    assert_error(blank.get("df_schema_extras"), 404)
    assert_error(
        schema(blank, "POST", json=[{"name": "df_schema_extras", "field": fields}]),
        400,
        "The table name 'df_schema_extras' is reserved.",
    )
    # PATCH of the label only keeps the picklist
    response = schema(blank, "PATCH", "paint/_field/color", json={"label": "Hue"})
    assert response.get_json() == {"name": "color"}
    color = fields_of(blank, "paint")["color"]
    assert (color["label"], color["picklist"]) == ("Hue", ["red", "green", "blue"])


def test_automatic_fields_are_filled_on_writes(blank, admin):
    fields = [
        {"name": "id", "type": "id"},
        {"name": "title", "type": "string"},
        {"name": "created", "type": "timestamp_on_create"},
        {"name": "modified", "type": "timestamp_on_update"},
        {"name": "created_by", "type": "user_id_on_create"},
        {"name": "modified_by", "type": "user_id_on_update"},
    ]
    assert schema(blank, "POST", json=[{"name": "note", "field": fields}]).status_code == 200
    response = blank.post(
        "note", json=[{"title": "a", "created_by": 999, "created": "2000-01-01T00:00:00"}]
    )
    assert response.status_code == 200, response.get_json()
    record = blank.get("note/1").get_json()
    admin_id = admin.get("system/admin/session").get_json()["id"]
    assert record["created_by"] == admin_id
    assert record["modified_by"] == admin_id
    assert record["created"] is not None and not record["created"].startswith("2000")
    assert record["modified"] is not None
    # outside the API the database still stamps new rows
    with blank.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO note (title) VALUES ('raw')"))
    assert blank.get("note/2").get_json()["created"] is not None


def test_foreign_keys_make_relations(blank):
    create_todo(blank)
    step = [
        {"name": "id", "type": "id"},
        {"name": "todo_id", "type": "reference", "ref_table": "todo", "ref_on_delete": "CASCADE"},
        {"name": "text", "type": "string", "length": 100},
    ]
    assert schema(blank, "POST", json=[{"name": "step", "field": step}]).status_code == 200
    described = fields_of(blank, "step")["todo_id"]
    assert described["type"] == "reference"
    assert described["is_foreign_key"] is True
    assert (described["ref_table"], described["ref_field"]) == ("todo", "id")
    assert described["ref_on_delete"] == "CASCADE"
    blank.post("todo", json=[{"name": "t1"}])
    blank.post("step", json=[{"todo_id": 1, "text": "s1"}, {"todo_id": 1, "text": "s2"}])
    body = blank.get("todo", query_string={"related": "step_by_todo_id"}).get_json()
    assert [s["text"] for s in body["resource"][0]["step_by_todo_id"]] == ["s1", "s2"]
    related = schema(blank, "GET", "todo/_related").get_json()["resource"]
    assert [(r["name"], r["type"]) for r in related] == [("step_by_todo_id", "has_many")]
    one = schema(blank, "GET", "step/_related/todo_by_todo_id").get_json()
    assert (one["type"], one["field"], one["ref_table"]) == ("belongs_to", "todo_id", "todo")
    assert one["ref_on_delete"] == "CASCADE"
    # a reference to a missing record is refused by the database
    assert blank.post("step", json=[{"todo_id": 99, "text": "x"}]).status_code == 400
    # deleting the relation drops the key; the field stays
    assert schema(blank, "DELETE", "todo/_related/step_by_todo_id").get_json() == {"success": True}
    assert fields_of(blank, "step")["todo_id"]["is_foreign_key"] is False
    assert schema(blank, "GET", "todo/_related").get_json() == {"resource": []}
    assert blank.post("step", json=[{"todo_id": 99, "text": "x"}]).status_code == 200


def test_reference_errors(blank):
    fields = [{"name": "id", "type": "id"}, {"name": "x_id", "type": "reference"}]
    assert_error(
        schema(blank, "POST", json=[{"name": "a", "field": fields}]),
        400,
        "Field 'x_id' of type 'reference' needs a 'ref_table'.",
    )
    fields[1]["ref_table"] = "nowhere"
    assert_error(
        schema(blank, "POST", json=[{"name": "a", "field": fields}]),
        400,
        "Referenced table 'nowhere' of field 'x_id' does not exist.",
    )
    fields[1].update(ref_table="a", ref_on_delete="EXPLODE")
    assert_error(schema(blank, "POST", json=[{"name": "a", "field": fields}]), 400)
    assert schema(blank, "GET").get_json() == {"resource": []}


def test_self_reference(blank):
    fields = [
        {"name": "id", "type": "id"},
        {"name": "parent_id", "type": "reference", "ref_table": "node"},
    ]
    assert schema(blank, "POST", json=[{"name": "node", "field": fields}]).status_code == 200
    blank.post("node", json=[{"parent_id": None}, {"parent_id": 1}])
    body = blank.get("node/2", query_string={"related": "node_by_parent_id"}).get_json()
    assert body["node_by_parent_id"]["id"] == 1


def test_changing_fields(blank):
    create_todo(blank)
    blank.post("todo", json=[{"name": "a", "complete": True}, {"name": "b"}])
    change = [
        {"name": "name", "type": "text", "allow_null": True, "is_unique": False},
        {"name": "complete", "is_index": True},
        {"name": "rank", "type": "integer", "is_unique": True},
    ]
    response = schema(blank, "PATCH", "todo/_field", json={"resource": change})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "resource": [{"name": "name"}, {"name": "complete"}, {"name": "rank"}]
    }
    fields = fields_of(blank, "todo")
    assert fields["name"]["type"] == "text"
    assert fields["name"]["allow_null"] is True
    assert fields["name"]["is_unique"] is False
    assert fields["complete"]["is_index"] is True
    assert fields["rank"]["is_unique"] is True
    assert blank.post("todo", json=[{"name": "a"}]).status_code == 200  # no longer unique
    assert blank.get("todo/1").get_json() == {"id": 1, "name": "a", "complete": True, "rank": None}
    blank.patch("todo/1", json={"rank": 5})
    response = blank.patch("todo/2", json={"rank": 5})
    assert (
        response.status_code == 400
        and "duplicate" in response.get_json()["error"]["message"].lower()
    )
    # back again: the describe sent as it is changes nothing
    described = schema(blank, "GET", "todo").get_json()
    assert schema(blank, "PATCH", "todo", json=described).status_code == 200
    assert schema(blank, "GET", "todo").get_json() == described


def test_field_change_errors(blank):
    create_todo(blank)
    blank.post("todo", json=[{"name": "a"}])
    if blank.kind != "sqlite":  # SQLite keeps any value in any column
        # 'a' is no integer: the database refuses, nothing changes
        assert_error(schema(blank, "PATCH", "todo/_field/name", json={"type": "integer"}), 400)
        assert fields_of(blank, "todo")["name"]["type"] == "string"
    assert_error(schema(blank, "PATCH", "todo/_field/complete", json={"allow_null": False}), 400)
    assert_error(
        schema(blank, "PATCH", "todo/_field", json=[{"name": "key", "type": "id"}]),
        400,
        "A primary key can only be set when a table is created (field 'key').",
    )
    assert_error(schema(blank, "DELETE", "todo/_field/nothing"), 404)
    assert_error(schema(blank, "GET", "todo/_field/nothing"), 404)


def test_field_and_relation_reads(blank):
    create_todo(blank)
    listed = schema(blank, "GET", "todo/_field", query_string={"ids": "id,complete"}).get_json()
    assert [f["name"] for f in listed["resource"]] == ["id", "complete"]
    one = schema(blank, "GET", "todo/_field/name").get_json()
    assert one["name"] == "name" and one["type"] == "string"
    assert schema(blank, "GET", "todo/name").get_json() == one  # the legacy form
    assert_error(schema(blank, "GET", "todo/_related/nothing"), 404)


def test_delete_tables_by_ids(blank):
    for name in ("one", "two", "three"):
        fields = [{"name": "id", "type": "id"}]
        assert schema(blank, "POST", json=[{"name": name, "field": fields}]).status_code == 200
    response = schema(blank, "DELETE", query_string={"ids": "one,two"})
    assert response.get_json() == {"resource": [{"name": "one"}, {"name": "two"}]}
    response = schema(blank, "DELETE", json={"resource": [{"name": "three"}, {"name": "gone"}]})
    body = response.get_json()
    assert body["resource"][0] == {"name": "three"}
    assert body["resource"][1]["error"]["code"] == 404
    assert schema(blank, "GET").get_json() == {"resource": []}

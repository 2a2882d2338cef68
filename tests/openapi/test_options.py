"""``_spec`` options as DreamFactory's MCP server sends them: compact, resource_name, tables, model.

And what a role's document lists is what the role may call: every operation
shown to an app key, called with real values, gets past the access checks.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import Api, create_api_app, create_role
from tests.openapi.conftest import fetch_spec, fetch_spec_30, operations, validate_30
from tests.openapi.test_roles import GET, POST, caller, service_id

TABLES = ["contact", "contact_group", "contact_group_relationship", "contact_info", "todo"]


def test_a_database_document_names_its_tables_and_relationships(admin):
    document = fetch_spec_30(admin, "db")
    resources = document["x-dreamfactory-resources"]
    assert resources["type"] == "database"
    assert resources["tables"] == TABLES
    assert resources["count"] == len(TABLES)
    relationships = document["x-dreamfactory-relationships"]["tables"]
    by_name = {r["name"]: r for r in relationships["contact_info"]}
    assert by_name["contact_by_contact_id"] == {
        "name": "contact_by_contact_id",
        "type": "belongs_to",
        "field": "contact_id",
        "ref_table": "contact",
        "ref_field": "id",
        "junction_table": None,
    }
    assert "todo" not in relationships  # a table without any
    assert fetch_spec(admin, "db")["x-dreamfactory-resources"] == resources


def test_compact_is_a_summary_of_endpoints(admin):
    response = admin.get("db/_spec", query_string={"compact": "true"})
    assert response.status_code == 200
    summary = response.get_json()
    assert summary["openapi"] == "3.0.3"
    assert summary["info"]["title"]
    assert summary["servers"] == [{"url": "/api/v2/db", "description": summary["info"]["title"]}]
    assert "paths" not in summary and "components" not in summary
    assert "x-dreamfactory-resources" not in summary  # only with tables=true
    assert "contact_info" in summary["x-dreamfactory-relationships"]["tables"]
    endpoints = {(e["method"], e["path"]): e for e in summary["endpoints"]}
    assert summary["endpoint_count"] == len(summary["endpoints"]) == len(endpoints)
    assert set(endpoints) == operations(fetch_spec(admin, "db"))
    query = endpoints[("GET", "/_table/todo")]
    assert query["summary"] == "Query todo"
    assert query["operationId"] == "getTableTodo"
    assert "filter (query, string)" in query["parameters"]
    assert "limit (query, integer)" in query["parameters"]
    assert "has_request_body" not in query
    one = endpoints[("PATCH", "/_table/todo/{id}")]
    assert "id (path, required, integer)" in one["parameters"]
    assert one["has_request_body"] is True
    with_tables = admin.get("db/_spec", query_string={"compact": "1", "tables": "1"}).get_json()
    assert with_tables["x-dreamfactory-resources"]["tables"] == TABLES


def test_resource_name_keeps_one_resource(admin):
    document = fetch_spec_30(admin, "db", resource_name="contact")
    assert set(document["paths"]) == {
        "/_table/contact",
        "/_table/contact/{id}",
    }
    schemas = set(document["components"]["schemas"])
    assert {"Table_contactRecord", "Table_contactCreate", "Error"} <= schemas
    assert not [name for name in schemas if "contact_info" in name or "todo" in name]
    assert [tag["name"] for tag in document["tags"]] == ["contact"]
    # no path has a segment so named: paths containing the name
    partial = fetch_spec_30(admin, "db", resource_name="contact_gr")
    assert set(partial["paths"]) == {
        "/_table/contact_group",
        "/_table/contact_group/{id}",
        "/_table/contact_group_relationship",
        "/_table/contact_group_relationship/{id}",
    }
    compact = admin.get("db/_spec", query_string={"resource_name": "todo", "compact": "true"})
    paths = {e["path"] for e in compact.get_json()["endpoints"]}
    assert paths == {"/_table/todo", "/_table/todo/{id}"}
    nothing = fetch_spec_30(admin, "db", resource_name="nope")
    assert nothing["paths"] == {}


def test_model_is_the_condensed_data_model(admin):
    response = admin.get("db/_spec", query_string={"model": "true"})
    assert response.status_code == 200
    model = response.get_json()
    assert model["service"] == "db"
    assert sorted(model["tables"]) == TABLES
    columns = {c["name"]: c for c in model["tables"]["contact_info"]["columns"]}
    assert columns["id"] == {"name": "id", "type": "id", "pk": True, "required": True}
    assert columns["contact_id"] == {
        "name": "contact_id",
        "type": "reference",
        "required": True,
        "fk": "contact.id",
    }
    assert columns["phone"] == {"name": "phone", "type": "string"}
    relations = {r["name"] for r in model["relationships"]["contact"]}
    assert "contact_info_by_contact_id" in relations
    assert "sample_data" not in model["tables"]["todo"]  # rows go through _table and its filters
    files = admin.get("files/_spec", query_string={"model": "true"}).get_json()
    assert files["tables"] == {}
    assert files["error"] == "This service does not support schema introspection."


def test_self_references_and_junctions_are_named_patterns(admin):
    created = admin.post(
        "db/_schema",
        json={
            "resource": [
                {
                    "name": "dept",
                    "field": [
                        {"name": "id", "type": "id"},
                        {
                            "name": "parent_id",
                            "type": "reference",
                            "ref_table": "dept",
                            "ref_field": "id",
                            "allow_null": True,
                        },
                    ],
                }
            ]
        },
    )
    assert created.status_code == 200, created.get_json()
    model = admin.get("db/_spec", query_string={"model": "true"}).get_json()
    assert {"table": "dept", "child_field": "parent_id", "parent_field": "id"} in model["patterns"][
        "hierarchies"
    ]
    junctions = model["patterns"]["junction_tables"]
    assert {
        "table": "contact",
        "related_table": "contact_group",
        "junction": "contact_group_relationship",
    } in junctions


@pytest.fixture
def reader(admin, client) -> Api:
    """An app key alone (no user), as DreamFactory's MCP server calls: its role reads
    ``todo`` and ``contact`` records and the documents, nothing else."""
    db = service_id(admin, "db")
    rows = [
        {"service_id": db, "component": component, "verb_mask": verbs, "requestor_mask": 1}
        for component, verbs in (
            ("_spec", GET),
            ("_table/todo", GET | POST),
            ("_table/contact/*", GET),
        )
    ]
    role_id = create_role(admin, "mcp-reader", rows)
    _, api_key = create_api_app(admin, "mcp-app", role_id)
    return Api(client, api_key=api_key)


def test_options_show_only_what_the_role_reaches(reader):
    document = fetch_spec_30(reader, "db")
    assert document["x-dreamfactory-resources"]["tables"] == ["contact", "todo"]
    assert set(document["x-dreamfactory-relationships"]["tables"]) <= {"contact", "todo"}
    compact = reader.get("db/_spec", query_string={"compact": "true", "tables": "true"}).get_json()
    assert {(e["method"], e["path"]) for e in compact["endpoints"]} == operations(document)
    model = reader.get("db/_spec", query_string={"model": "true"}).get_json()
    assert sorted(model["tables"]) == ["contact", "todo"]


def _concrete(path: str) -> str:
    """A listed path with real values: the seeded tables, a record id, their first field."""
    values = {"table_name": "todo", "id": "1", "field_name": "id", "relationship_name": "x"}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "x"), path)


@pytest.mark.parametrize(
    "rows",
    [
        [("_spec", GET), ("_table/*", GET)],
        [("_spec", GET), ("_table/todo", GET | POST), ("_table/contact/*", GET)],
        [("_spec", GET), ("_schema/*", GET), ("_table/todo", GET)],
        [("*", GET)],
        [("_spec", GET), ("_table/", GET), ("_schema/", GET), ("_table/todo/*", GET)],
        [("_spec", GET), ("_schema", GET), ("_table/todo/", GET)],
        [("", GET), ("_spec", GET), ("_schema/todo", GET), ("_schema/todo/*", GET)],
    ],
    ids=["tables", "some-tables", "schema", "everything", "console-rows", "exact", "one-schema"],
)
def test_every_listed_read_passes_the_access_checks(admin, client, rows):
    """What a role's document lists, the role may call (the checks before the service)."""
    db = service_id(admin, "db")
    accesses = [
        {"service_id": db, "component": c, "verb_mask": v, "requestor_mask": 1} for c, v in rows
    ]
    role_id = create_role(admin, "listed", accesses)
    _, api_key = create_api_app(admin, "listed-app", role_id)
    key_only = Api(client, api_key=api_key)
    document = fetch_spec_30(key_only, "db")
    validate_30(document)
    for verb, path in sorted(operations(document)):
        if verb != "GET":
            continue
        response = key_only.get(f"db{_concrete(path)}")
        assert response.status_code not in (400, 401, 403), (path, response.get_json())


def test_a_key_without_the_schema_row_is_not_shown_table_schemas(admin, client):
    user_role = caller(
        admin, client, [("db", "_spec", GET), ("db", "_table/*", GET)], "noschema@example.com"
    )
    ops = operations(fetch_spec(user_role, "db"))
    assert ("GET", "/_schema") in ops  # lists what the role reads through _table
    assert not [path for _, path in ops if path.startswith("/_schema/")]

"""SQL services' documents: one path per table with its real fields, on every dialect.

The ``sql`` fixture is a service on a database of the backend under test
(SQLite, PostgreSQL, MariaDB) holding varied tables (see
``tests/services/sql/conftest.py``); the seeded ``db`` is the SQLite sample.
"""

from __future__ import annotations

import pytest

from tests.openapi.conftest import fetch_spec, operations


def record(document, table):
    ref = document["paths"][f"/_table/{table}"]["get"]["responses"]["200"]["content"]
    wrapper = ref["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schemas = document["components"]["schemas"]
    items = schemas[wrapper]["properties"]["resource"]["items"]["$ref"].rsplit("/", 1)[1]
    return schemas[items]


def test_sample_db_tables_and_fields(admin):
    document = fetch_spec(admin, "db")
    ops = operations(document)
    for table in ("contact", "contact_info", "contact_group", "contact_group_relationship", "todo"):
        assert {("GET", f"/_table/{table}"), ("POST", f"/_table/{table}")} <= ops
        assert ("PATCH", f"/_table/{table}/{{id}}") in ops
    assert ("GET", "/_schema/{table_name}") in ops
    assert not any(path.startswith("/_proc") for _, path in ops)  # SQLite has no routines
    contact = record(document, "contact")["properties"]
    assert contact["id"] == {"type": "integer"}
    assert contact["first_name"] == {"type": "string"}
    assert contact["twitter"] == {"type": ["string", "null"]}
    create = document["components"]["schemas"]["Table_contactCreate"]
    assert create["required"] == ["first_name", "last_name"]
    assert create["properties"]["twitter"]["maxLength"] == 18
    todo = document["components"]["schemas"]["Table_todoCreate"]
    assert todo["required"] == ["name"]  # complete has a default
    assert todo["properties"]["complete"] == {"type": "boolean"}
    by_id = document["paths"]["/_table/todo/{id}"]["parameters"][0]
    assert by_id["name"] == "id" and by_id["schema"] == {"type": "integer"}
    related = document["paths"]["/_table/contact"]["get"]["description"]
    assert "contact_info_by_contact_id" in related
    virtual = {
        ("POST", "/_schema/{table_name}/_related"),
        ("PATCH", "/_schema/{table_name}/_related"),
    }
    assert virtual | {("PUT", "/_schema/{table_name}/_related/{relationship_name}")} <= ops
    body = document["paths"]["/_schema/{table_name}/_related"]["post"]["requestBody"]
    shape = body["content"]["application/json"]["schema"]["properties"]["resource"]["items"]
    definition = document["components"]["schemas"][shape["$ref"].rsplit("/", 1)[1]]
    assert {"type", "field", "ref_table", "ref_field", "is_virtual"} <= set(
        definition["properties"]
    )


def test_varied_fields_on_each_dialect(admin, sql, backend):
    document = fetch_spec(admin, sql.name)
    measure = record(document, "measure")["properties"]
    assert measure["code"] == {"type": ["string", "null"]}
    assert measure["small"] == {"type": ["integer", "null"]}
    assert measure["amount"] == {"type": ["number", "null"]}
    assert measure["ratio"] == {"type": ["number", "null"]}
    assert measure["day"] == {"type": ["string", "null"]}
    assert measure["data"] == {"type": ["string", "null"]}
    create = document["components"]["schemas"]["Table_measureCreate"]["properties"]
    assert create["code"]["maxLength"] == 8
    assert create["small"]["maximum"] == 2**31 - 1
    contact_info = record(document, "contact_info")["properties"]
    assert contact_info["contact_id"] == {"type": ["integer", "null"]}
    names = {path.split("/")[2] for _, path in operations(document) if path.startswith("/_table/")}
    assert {"todo", "contact", "contact_info", "tag", "contact_tag", "profile", "measure"} <= names
    routines = ("GET", "/_proc") in operations(document)
    assert routines == (backend != "sqlite")


def test_views_composite_keys_and_odd_names(admin, sql, backend):
    quote = "`" if backend == "mysql" else '"'
    sql.execute("CREATE VIEW adults AS SELECT id, name FROM contact WHERE age >= 18")
    sql.execute(
        f"CREATE TABLE {quote}odd name{quote} (a INTEGER NOT NULL, b INTEGER NOT NULL, "
        "note VARCHAR(20), PRIMARY KEY (a, b))"
    )
    document = fetch_spec(admin, sql.name, refresh="true")
    ops = operations(document)
    assert ("GET", "/_table/adults") in ops
    assert ("POST", "/_table/adults") not in ops
    assert not any(path.startswith("/_table/adults/") for _, path in ops)
    assert ("POST", "/_table/odd%20name") in ops
    assert ("GET", "/_table/odd%20name/{id}") not in ops  # composite key: no by-id path
    assert "Table_odd_nameRecord" in document["components"]["schemas"]


def test_enumerated_columns_list_their_values(admin, sql, backend):
    if backend == "sqlite":
        pytest.skip("SQLite has no enumerated column type")
    if backend == "postgresql":
        sql.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
        sql.execute("CREATE TABLE feeling (id SERIAL PRIMARY KEY, mood mood NOT NULL)")
    else:
        sql.execute(
            "CREATE TABLE feeling (id INTEGER AUTO_INCREMENT PRIMARY KEY, "
            "mood ENUM('happy', 'sad') NOT NULL)"
        )
    try:
        document = fetch_spec(admin, sql.name, refresh="true")
        create = document["components"]["schemas"]["Table_feelingCreate"]
        assert create["properties"]["mood"]["enum"] == ["happy", "sad"]
        assert create["required"] == ["mood"]
    finally:
        sql.execute("DROP TABLE feeling")
        if backend == "postgresql":
            sql.execute("DROP TYPE mood")


def test_schema_changes_through_the_api_show_at_once(admin, sql):
    before = fetch_spec(admin, sql.name)
    assert "/_table/gadget" not in before["paths"]
    created = admin.post(
        f"{sql.name}/_schema",
        json={
            "resource": [
                {
                    "name": "gadget",
                    "field": [
                        {"name": "id", "type": "id"},
                        {"name": "label", "type": "string", "length": 30, "allow_null": False},
                        {"name": "weight", "type": "float"},
                        {"name": "made", "type": "timestamp_on_create"},
                    ],
                }
            ]
        },
    )
    assert created.status_code in (200, 201), created.get_json()
    after = fetch_spec(admin, sql.name)
    gadget = record(after, "gadget")["properties"]
    assert gadget["label"] == {"type": "string"}
    assert gadget["weight"] == {"type": ["number", "null"]}
    assert after["components"]["schemas"]["Table_gadgetCreate"]["required"] == ["label"]
    assert admin.delete(f"{sql.name}/_schema/gadget").status_code == 200
    assert "/_table/gadget" not in fetch_spec(admin, sql.name)["paths"]


def test_changes_behind_the_api_need_refresh(admin, sql):
    fetch_spec(admin, sql.name)
    sql.execute("CREATE TABLE late (id INTEGER PRIMARY KEY, word VARCHAR(10))")
    assert "/_table/late" not in fetch_spec(admin, sql.name)["paths"]
    assert "/_table/late" in fetch_spec(admin, sql.name, refresh="true")["paths"]

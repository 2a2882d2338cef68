"""Documents are cut to the caller's role: only the paths and verbs it reaches."""

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
from tests.openapi.conftest import fetch_spec, operations, without_group

GET, POST, PUT, PATCH, DELETE = 1, 2, 4, 8, 16


def service_id(admin: Api, name: str) -> int:
    response = admin.get("system/service", query_string={"filter": f"name='{name}'"})
    return response.get_json()["resource"][0]["id"]


def caller(admin: Api, client, rows: list[tuple[str | None, str, int]], email: str) -> Api:
    """A logged-in user whose role (through an app) has these (service, component, verbs)."""
    accesses = [
        {
            "service_id": service_id(admin, service) if service else None,
            "component": component,
            "verb_mask": verbs,
            "requestor_mask": 1,
        }
        for service, component, verbs in rows
    ]
    role_id = create_role(admin, f"role-{email}", accesses)
    _, api_key = create_api_app(admin, f"app-{email}", role_id)
    create_user(admin, email)
    api = Api(client, api_key=api_key)
    api.login(email, USER_PASSWORD, admin=False)
    return api


@pytest.fixture
def clerk(admin, client) -> Api:
    return caller(
        admin,
        client,
        [
            ("db", "_spec", GET),
            ("db", "_table/todo", GET | POST),
            ("db", "_table/contact/*", GET),
            ("api_docs", "*", GET),
        ],
        "clerk@example.com",
    )


def test_only_reachable_tables_and_verbs(admin, clerk):
    document = fetch_spec(clerk, "db")
    assert operations(document) == {
        ("GET", "/_table/todo"),
        ("POST", "/_table/todo"),
        ("GET", "/_table/contact"),
        ("GET", "/_table/contact/{id}"),
        ("GET", "/_schema"),  # every role may list the tables it reaches there
    }
    schemas = document["components"]["schemas"]
    assert "Table_todoCreate" in schemas
    assert not [name for name in schemas if "contact_info" in name or "contact_group" in name]
    assert "Table_contactChange" not in str(document["paths"])
    # the admin's document, cached too, is not what the clerk got
    assert ("DELETE", "/_table/contact_info/{id}") in operations(fetch_spec(admin, "db"))
    assert operations(fetch_spec(clerk, "db")) == operations(document)


def test_spec_needs_the_spec_component(admin, client, clerk):
    reader = caller(admin, client, [("db", "_table/*", GET)], "reader@example.com")
    assert_error(
        reader.get("db/_spec"),
        403,
        "Access Forbidden. GET access to component '_spec' of service 'db' is not allowed "
        "by this user's role.",
    )


def test_role_changes_show_in_the_next_document(admin, clerk):
    assert ("DELETE", "/_table/todo") not in operations(fetch_spec(clerk, "db"))
    role = admin.get("system/role", query_string={"filter": "name = 'role-clerk@example.com'"})
    role_id = role.get_json()["resource"][0]["id"]
    rows = admin.get(f"system/role/{role_id}", query_string={"related": "*"}).get_json()
    todo = next(
        r for r in rows["role_service_access_by_role_id"] if r["component"] == "_table/todo"
    )
    changed = admin.patch(
        f"system/role/{role_id}",
        json={"role_service_access_by_role_id": [{"id": todo["id"], "verb_mask": GET | DELETE}]},
    )
    assert changed.status_code == 200, changed.get_json()
    ops = operations(fetch_spec(clerk, "db"))
    assert ("DELETE", "/_table/todo") in ops
    assert ("POST", "/_table/todo") not in ops


def test_api_docs_for_a_role(clerk):
    listed = clerk.get("api_docs").get_json()["resource"]
    assert sorted(item["name"] for item in listed) == ["api_docs", "db"]
    document = clerk.get("api_docs/db", query_string={"openapi": "3.1"}).get_json()
    assert without_group(document) == fetch_spec(clerk, "db")
    assert_error(
        clerk.get("api_docs/system"),
        403,
        "You do not have access to API Docs for the requested service system.",
    )
    assert_error(
        clerk.get("api_docs/nope"),
        403,
        "You do not have access to API Docs for the requested service nope.",
    )


def test_access_exceptions_show_for_any_role(admin, client):
    """A role with only user-service access still sees login and registration."""
    member = caller(
        admin, client, [("user", "_spec", GET), ("user", "profile", GET)], "member@example.com"
    )
    document = fetch_spec(member, "user")
    ops = operations(document)
    assert {("POST", "/session"), ("POST", "/register"), ("POST", "/password")} <= ops
    assert ("PATCH", "/profile") in ops  # an access exception, though the role reads only
    assert {} in document["paths"]["/session"]["post"]["security"]
    assert ("PUT", "/session") in ops and ("GET", "/") not in ops


def test_service_wide_row_reaches_everything(admin, client):
    everyone = caller(admin, client, [("db", "*", GET | POST | PATCH)], "all@example.com")
    ops = operations(fetch_spec(everyone, "db"))
    assert ("PATCH", "/_table/contact_info/{id}") in ops
    assert ("DELETE", "/_table/contact_info/{id}") not in ops
    assert ("PUT", "/_table/contact_info/{id}") not in ops

"""A restricted role: the tables it can list, and its record filters on every read and write."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import Api, assert_error
from tests.services.sql.conftest import SqlDb, contact, contact_info

PASSWORD = "0123456789abcdef-user"  # noqa: S105
DENIED = "Denied access to some of the requested fields."


@dataclass
class Restricted:
    db: SqlDb
    user: SqlDb
    user_id: int


def owner_filter() -> list[dict]:
    return [{"name": "owner_id", "operator": "=", "value": "{user.id}"}]


@pytest.fixture
def restricted(sql, admin, client) -> Restricted:
    """A user whose app role reaches ``contact`` (own rows only) and reads ``todo``."""
    access = [
        {"component": "_table", "verb_mask": 1},
        {"component": "_table/contact", "verb_mask": 31, "filters": owner_filter()},
        {"component": "_table/contact/*", "verb_mask": 31, "filters": owner_filter()},
        {"component": "_table/todo", "verb_mask": 1},
    ]
    rows = [
        {"service_id": sql.service_id, "requestor_mask": 1, "filter_op": "AND", **row}
        for row in access
    ]
    response = admin.post(
        "system/role",
        json={
            "resource": [
                {"name": "owners", "is_active": True, "role_service_access_by_role_id": rows}
            ]
        },
    )
    assert response.status_code == 201, response.get_json()
    role_id = response.get_json()["resource"][0]["id"]
    response = admin.post(
        "system/app",
        query_string={"fields": "id,api_key"},
        json={"resource": [{"name": "crm", "type": 0, "is_active": True, "role_id": role_id}]},
    )
    assert response.status_code == 201, response.get_json()
    api_key = response.get_json()["resource"][0]["api_key"]
    response = admin.post(
        "system/user",
        json={
            "resource": [
                {
                    "email": "uma@example.com",
                    "first_name": "Uma",
                    "password": PASSWORD,
                    "is_active": True,
                }
            ]
        },
    )
    assert response.status_code == 201, response.get_json()
    user_id = response.get_json()["resource"][0]["id"]
    api = Api(client, api_key=api_key)
    api.login("uma@example.com", PASSWORD, admin=False)
    sql.insert(
        contact,
        [
            {"id": 1, "name": "mine-1", "owner_id": user_id, "age": 30},
            {"id": 2, "name": "theirs", "owner_id": user_id + 100, "age": 40},
            {"id": 3, "name": "mine-2", "owner_id": user_id, "age": 50},
        ],
    )
    sql.insert(contact_info, [{"id": 1, "contact_id": 1, "info_type": "work", "value": None}])
    user = SqlDb(api, sql.engine, sql.kind, sql.service_id)
    return Restricted(sql, user, user_id)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [r["id"] for r in response.get_json()["resource"]]


def test_table_list_shows_only_reachable_tables(restricted):
    body = restricted.user.get(query_string={"fields": "*"}).get_json()
    access = {item["name"]: item["access"] for item in body["resource"]}
    assert access == {
        "contact": ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "todo": ["GET"],
    }
    admin_names = {i["name"] for i in restricted.db.get().get_json()["resource"]}
    assert {"contact", "contact_info", "todo", "tag"} <= admin_names


def test_reads_see_only_rows_inside_the_filter(restricted):
    user = restricted.user
    assert ids(user.get("contact")) == [1, 3]
    assert ids(user.get("contact", query_string={"filter": "age > 20", "include_count": "1"})) == [
        1,
        3,
    ]
    body = user.get("contact", query_string={"include_count": "1"}).get_json()
    assert body["meta"]["count"] == 2
    assert user.get("contact", query_string={"count_only": "1"}).get_json() == 2
    assert user.get("contact/1").get_json()["name"] == "mine-1"
    assert_error(user.get("contact/2"), 404, "Record with identifier '2' not found.")
    assert_error(user.get("contact", query_string={"ids": "1,2"}), 400, code=1000)
    assert ids(restricted.db.get("contact")) == [1, 2, 3]


def test_updates_and_deletes_reach_only_rows_inside_the_filter(restricted):
    user = restricted.user
    assert_error(user.patch("contact/2", json={"name": "mine now"}), 404)
    response = user.patch("contact", query_string={"filter": "age >= 0"}, json={"notes": "seen"})
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 3}]}
    assert_error(user.delete("contact/2"), 404)
    response = user.delete("contact", query_string={"force": "true"})
    assert response.get_json() == {"success": True}
    rows = restricted.db.rows(contact)
    assert [(r["id"], r["notes"]) for r in rows] == [(2, None)]


def test_written_records_must_satisfy_the_filter(restricted):
    user, me = restricted.user, restricted.user_id
    error = assert_error(
        user.post("contact", json=[{"name": "x", "owner_id": me + 1}]), 400, code=1000
    )
    assert error["context"]["resource"][0] == {
        "code": 403,
        "context": None,
        "message": DENIED,
        "status_code": 403,
    }
    assert_error(user.post("contact", json=[{"name": "no owner"}]), 400, code=1000)
    assert ids(user.post("contact", json=[{"name": "ok", "owner_id": me}])) == [4]
    assert_error(user.patch("contact/1", json={"owner_id": me + 1}), 403, DENIED)
    assert user.patch("contact/1", json={"name": "renamed"}).status_code == 200
    assert [r["owner_id"] for r in restricted.db.rows(contact)] == [me, me + 100, me, me]


def test_other_tables_follow_the_role(restricted):
    user = restricted.user
    assert_error(
        user.get("contact", query_string={"related": "contact_info_by_contact_id"}),
        403,
        "Access Forbidden. GET access to component '_table/contact_info' of service 'sqldb' "
        "is not allowed by this user's role.",
    )
    assert_error(user.delete("todo", query_string={"force": "true"}), 403)
    assert_error(user.get("contact_info"), 403)

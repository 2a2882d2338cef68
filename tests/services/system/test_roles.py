"""``system/role`` with nested service access rows and lookups (DreamFactory's RoleResourceTest)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Lookup, Role, RoleServiceAccess
from tests.conftest import assert_error
from tests.services.system.conftest import MASK, SECRET, created_ids, make_role


def access(service_id: int = 5, **fields) -> dict:
    return {
        "service_id": service_id,
        "component": "*",
        "verb_mask": 31,
        "requestor_mask": 3,
        **fields,
    }


def role_body(name: str, **fields) -> dict:
    return {
        "name": name,
        "description": f"{name} role",
        "is_active": True,
        "role_service_access_by_role_id": [access()],
        "lookup_by_role_id": [
            {"name": "host", "value": "example.com", "private": False},
            {"name": "token", "value": SECRET, "private": True},
        ],
        **fields,
    }


def accesses(store, role_id: int) -> list[tuple]:
    query = (
        sa.select(
            RoleServiceAccess.service_id, RoleServiceAccess.component, RoleServiceAccess.verb_mask
        )
        .where(RoleServiceAccess.role_id == role_id)
        .order_by(RoleServiceAccess.id)
    )
    return [tuple(row) for row in store.run(lambda s: s.execute(query).all())]


def lookups(store, **owner) -> list[tuple]:
    query = sa.select(Lookup.name, Lookup.value).order_by(Lookup.id)
    for key, value in owner.items():
        query = query.where(getattr(Lookup, key) == value)
    return [tuple(row) for row in store.run(lambda s: s.execute(query).all())]


def test_create_with_nested_rows(admin, store):
    response = admin.post("system/role", json={"resource": [role_body("r1"), role_body("r2")]})
    assert response.status_code == 201
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}]}
    assert accesses(store, 1) == [(5, "*", 31)]
    assert lookups(store, role_id=2) == [("host", "example.com"), ("token", SECRET)]
    record = admin.get("system/role/1").get_json()
    assert record["name"] == "r1" and record["created_by_id"] == 1
    assert "role_service_access_by_role_id" not in record


def test_worked_exchange_c(admin):
    body = {
        "resource": [
            {
                "name": "todo_rw",
                "is_active": True,
                "role_service_access_by_role_id": [
                    {
                        "service_id": 5,
                        "component": "_table/todo",
                        "verb_mask": 31,
                        "requestor_mask": 1,
                        "filters": [],
                        "filter_op": "AND",
                    },
                    {
                        "service_id": 5,
                        "component": "_table/todo/*",
                        "verb_mask": 31,
                        "requestor_mask": 1,
                        "filters": [],
                        "filter_op": "AND",
                    },
                ],
            }
        ]
    }
    assert admin.post("system/role", json=body).get_json() == {"resource": [{"id": 1}]}
    rows = admin.get("system/role/1", query_string={"related": "role_service_access_by_role_id"})
    rows = rows.get_json()["role_service_access_by_role_id"]
    assert [r["component"] for r in rows] == ["_table/todo", "_table/todo/*"]
    assert rows[0]["filters"] == [] and rows[0]["filter_op"] == "AND"
    assert rows[0]["role_id"] == 1 and rows[0]["requestor_mask"] == 1


def test_fields_and_related_lookups_mask_private_values(admin):
    admin.post("system/role", json={"resource": [role_body("r1")]})
    response = admin.get(
        "system/role", query_string={"fields": "name,id", "related": "lookup_by_role_id"}
    )
    (record,) = response.get_json()["resource"]
    assert list(record) == ["name", "id", "lookup_by_role_id"]
    values = {item["name"]: item["value"] for item in record["lookup_by_role_id"]}
    assert values == {"host": "example.com", "token": MASK}
    assert SECRET not in response.get_data(as_text=True)


def test_related_star_returns_every_relation(admin):
    admin.post("system/role", json=role_body("r1"))
    record = admin.get("system/role/1", query_string={"related": "*"}).get_json()
    assert len(record["role_service_access_by_role_id"]) == 1
    assert len(record["lookup_by_role_id"]) == 2
    assert record["user_to_app_to_role_by_role_id"] == []
    assert_error(admin.get("system/role/1", query_string={"related": "nope"}), 400)


def test_create_with_related_returns_the_id_and_the_relation(admin):
    response = admin.post(
        "system/role",
        json={"resource": [role_body("r1")]},
        query_string={"related": "lookup_by_role_id"},
    )
    (record,) = response.get_json()["resource"]
    assert list(record) == ["id", "lookup_by_role_id"]
    assert [item["value"] for item in record["lookup_by_role_id"]] == ["example.com", MASK]


def test_patch_nested_create_update_detach(admin, store):
    admin.post("system/role", json=role_body("r1"))
    body = {
        "description": "changed",
        "role_service_access_by_role_id": [
            {"id": 1, "verb_mask": 1},
            access(3, component="_table/*", verb_mask=2, requestor_mask=1),
        ],
        "lookup_by_role_id": [
            {"id": 1, "role_id": None},
            {"id": 2, "value": MASK, "description": "kept"},
            {"name": "new", "value": "v"},
        ],
    }
    response = admin.patch("system/role/1", json=body, query_string={"related": "*"})
    assert response.status_code == 200, response.get_json()
    record = response.get_json()
    assert [r["verb_mask"] for r in record["role_service_access_by_role_id"]] == [1, 2]
    assert accesses(store, 1) == [(5, "*", 1), (3, "_table/*", 2)]
    # the masked value sent back kept the secret; the detached lookup is gone, not global
    assert lookups(store, role_id=1) == [("token", SECRET), ("new", "v")]
    assert lookups(store) == [("token", SECRET), ("new", "v")]
    assert admin.get("system/lookup").get_json() == {"resource": []}
    assert store.scalar(sa.select(Role.description)) == "changed"


def test_detaching_service_access(admin, store):
    admin.post("system/role", json=role_body("r1"))
    admin.patch(
        "system/role/1", json={"role_service_access_by_role_id": [{"id": 1, "role_id": None}]}
    )
    assert accesses(store, 1) == []
    assert store.count(RoleServiceAccess) == 0


def test_adopt_a_child_from_another_role(admin, store):
    admin.post(
        "system/role", json={"resource": [role_body("r1"), role_body("r2", lookup_by_role_id=[])]}
    )
    response = admin.patch(
        "system/role/2",
        json={"role_service_access_by_role_id": [{"id": 1, "component": "adopted"}]},
    )
    assert response.status_code == 200, response.get_json()
    assert accesses(store, 1) == []
    assert accesses(store, 2) == [(5, "adopted", 31), (5, "*", 31)]


def test_a_system_lookup_can_not_be_pulled_into_a_role(admin, store):
    created_ids(admin.post("system/lookup", json={"resource": [{"name": "g", "value": "global"}]}))
    make_role(admin, "r1")
    response = admin.patch("system/role/1", json={"lookup_by_role_id": [{"id": 1, "value": "x"}]})
    assert_error(response, 404, "Related record with identifier '1' not found.")
    assert lookups(store) == [("g", "global")]


def test_patch_several_roles(admin, store):
    admin.post("system/role", json={"resource": [role_body("r1"), role_body("r2")]})
    response = admin.patch(
        "system/role",
        json={
            "resource": [
                {"id": 1, "description": "one", "lookup_by_role_id": [{"name": "x", "value": "1"}]},
                {"id": 2, "description": "two"},
            ]
        },
        query_string={"fields": "name,description"},
    )
    assert response.get_json() == {
        "resource": [{"name": "r1", "description": "one"}, {"name": "r2", "description": "two"}]
    }
    assert [n for n, _ in lookups(store, role_id=1)] == ["host", "token", "x"]


def test_delete_roles_with_their_rows(admin, store):
    admin.post("system/role", json={"resource": [role_body("r1"), role_body("r2")]})
    response = admin.delete("system/role", query_string={"ids": "1,2"})
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}]}
    assert store.count(Role) == 0
    assert store.count(RoleServiceAccess) == 0
    assert store.count(Lookup) == 0


def test_deleting_a_role_clears_it_from_apps(admin, store):
    from app.models import App

    make_role(admin, "r1")
    admin.post("system/app", json={"name": "a", "type": 0, "role_id": 1})
    admin.delete("system/role/1")
    assert store.scalar(sa.select(App.role_id).where(App.name == "a")) is None


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"verb_mask": "x"}, "verb_mask", "The verb mask field must be an integer."),
        (
            {"verb_mask": -1},
            "verb_mask",
            "The verb mask must be between 0 and 1023.",
        ),
        ({"requestor_mask": 4}, "requestor_mask", "The requestor mask must be between 0 and 3."),
        ({"service_id": 99}, "service_id", "The selected service id is invalid."),
        ({"filter_op": "XOR"}, "filter_op", "The selected filter op is invalid."),
        (
            {"filters": [{"name": "a", "operator": "~", "value": 1}]},
            "filters.0.operator",
            "The selected filters.0.operator is invalid.",
        ),
        ({"filters": "a=1"}, "filters", "The filters field must be a list."),
        ({"filters": ["a=1"]}, "filters.0", "The filters.0 field must be an object."),
    ],
)
def test_invalid_nested_rows_leave_nothing_behind(admin, store, row, field, message):
    body = {"name": "bad", "role_service_access_by_role_id": [access(**row)]}
    response = admin.post("system/role", json={"resource": [body]})
    error = assert_error(response, 400, code=1000)
    inner = error["context"]["resource"][0]
    assert field in inner["context"], inner
    assert inner["context"][field] == [message]
    assert store.count(Role) == 0
    assert store.count(RoleServiceAccess) == 0


def test_invalid_nested_row_on_update_keeps_the_parent_unchanged(admin, store):
    admin.post("system/role", json=role_body("r1"))
    response = admin.patch(
        "system/role/1",
        json={"description": "changed", "role_service_access_by_role_id": [access(99)]},
    )
    assert_error(response, 400)
    assert store.scalar(sa.select(Role.description)) == "r1 role"
    assert accesses(store, 1) == [(5, "*", 31)]


def test_nested_rows_must_be_a_list_of_objects(admin, store):
    for nested in ({"service_id": 5}, ["x"]):
        body = {"name": "bad", "role_service_access_by_role_id": nested}
        assert_error(admin.post("system/role", json=body), 400)
    assert store.count(Role) == 0


def test_role_name_is_required_and_unique(admin):
    error = assert_error(admin.post("system/role", json={"description": "x"}), 400)
    assert error["context"] == {"name": ["The name field is required."]}
    make_role(admin, "r1")
    error = assert_error(admin.post("system/role", json={"name": "R1"}), 400)
    assert error["context"] == {"name": ["The name has already been taken."]}


def test_duplicate_lookup_names_in_one_role(admin, store):
    body = {
        "name": "r",
        "lookup_by_role_id": [{"name": "k", "value": "1"}, {"name": "k", "value": "2"}],
    }
    error = assert_error(admin.post("system/role", json=body), 400)
    assert error["context"] == {"name": ["The name has already been taken."]}
    assert store.count(Role) == 0
    # the same name in two roles is fine
    for name in ("r1", "r2"):
        assert (
            admin.post(
                "system/role", json={"name": name, "lookup_by_role_id": [{"name": "k"}]}
            ).status_code
            == 201
        )


def test_detach_only_touches_the_parents_own_children(admin, store):
    admin.post("system/role", json={"resource": [role_body("r1"), role_body("r2")]})
    response = admin.patch(
        "system/role/2", json={"lookup_by_role_id": [{"id": 1, "role_id": None}]}
    )
    assert_error(response, 404, "Related record with identifier '1' not found.")
    assert [n for n, _ in lookups(store, role_id=1)] == ["host", "token"]


def test_child_ids_may_be_digit_strings(admin, store):
    admin.post("system/role", json=role_body("r1"))
    admin.patch(
        "system/role/1", json={"role_service_access_by_role_id": [{"id": "1", "verb_mask": 4}]}
    )
    assert accesses(store, 1) == [(5, "*", 4)]

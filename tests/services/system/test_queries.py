"""Reads load relations per page, not per row: the query count does not grow with the rows."""

from __future__ import annotations

import pytest

from tests.services.system.conftest import PASSWORD


def role(i: int) -> dict:
    return {
        "name": f"role{i}",
        "role_service_access_by_role_id": [
            {"service_id": 5, "component": "*", "verb_mask": 1, "requestor_mask": 1},
            {"service_id": 3, "component": "*", "verb_mask": 2, "requestor_mask": 1},
        ],
        "lookup_by_role_id": [{"name": "k", "value": str(i), "private": i % 2 == 0}],
    }


def app_record(i: int) -> dict:
    return {"name": f"app{i}", "type": 0, "role_id": 1, "lookup_by_app_id": [{"name": "k"}]}


def user(i: int) -> dict:
    return {
        "email": f"u{i}@x.test",
        "password": PASSWORD,
        "lookup_by_user_id": [{"name": "k", "value": "v"}],
        "user_to_app_to_role_by_user_id": [{"app_id": 1, "role_id": 1}],
    }


CASES = {
    "role": (role, {"related": "*"}),
    "app": (app_record, {"related": "*"}),
    "user": (user, {"related": "*"}),
    "service": (
        lambda i: {"name": f"s{i}", "type": "sqlite", "config": {"database": "x"}},
        {"fields": "*"},
    ),
}


def measured(admin, count_queries, path: str, params: dict) -> tuple[int, int]:
    """(rows, statements) of one list request, after a warm-up that fills the caches."""
    admin.get(path, query_string=params)
    with count_queries() as counter:
        response = admin.get(path, query_string=params)
    assert response.status_code == 200, response.get_json()
    return len(response.get_json()["resource"]), counter.count


@pytest.mark.parametrize("kind", list(CASES))
def test_listing_with_related_runs_a_constant_number_of_queries(admin, count_queries, kind):
    make, params = CASES[kind]
    if kind in ("app", "user"):
        admin.post("system/role", json=role(0))
    path = f"system/{kind}"
    admin.post(path, json={"resource": [make(i) for i in range(1, 3)]})
    few_rows, few = measured(admin, count_queries, path, params)
    response = admin.post(path, json={"resource": [make(i) for i in range(3, 21)]})
    assert response.status_code == 201, response.get_json()
    many_rows, many = measured(admin, count_queries, path, params)
    assert many_rows >= few_rows + 18
    assert many == few


def test_twenty_roles_with_every_relation(admin, count_queries):
    admin.post("system/role", json={"resource": [role(i) for i in range(20)]})
    rows, statements = measured(admin, count_queries, "system/role", {"related": "*"})
    assert rows == 20
    # the page, then one query per relation (three), plus the request's own session checks
    assert statements <= 10


def test_reading_by_ids_is_one_query_for_the_records(admin, count_queries):
    admin.post("system/role", json={"resource": [role(i) for i in range(20)]})
    params_few = {"ids": "2,1", "related": "*"}
    params_many = {"ids": ",".join(str(i) for i in range(20, 0, -1)), "related": "*"}
    few_rows, few = measured(admin, count_queries, "system/role", params_few)
    many_rows, many = measured(admin, count_queries, "system/role", params_many)
    assert (few_rows, many_rows) == (2, 20)
    assert many == few

"""Batch modes of system writes (default, ``continue``, ``rollback``), checked in the store."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Role, RoleServiceAccess, Service
from tests.conftest import assert_error
from tests.services.system.conftest import make_services, sqlite_service

BAD = {"name": "bad name", "type": "sqlite", "config": {"database": "x"}}
NAME_ERROR = "Service name should only contain letters, numbers, underscores and dashes."


def created(store) -> list[str]:
    return store.names(Service)[7:]  # after the seeded services


def batch_error(response, action: str, rolled_back: bool = False) -> dict:
    message = f"Batch Error: Not all requested records could be {action}."
    if rolled_back:
        message += " All changes rolled back."
    return assert_error(response, 400, message, code=1000)["context"]


def test_default_stops_at_the_first_failure_and_keeps_earlier_records(admin, store):
    body = {"resource": [sqlite_service("a1"), BAD, sqlite_service("a3")]}
    context = batch_error(admin.post("system/service", json=body), "created")
    assert context["error"] == [1]
    assert context["resource"][0] == {"id": 8}
    assert context["resource"][1]["message"] == f"Invalid data supplied. {NAME_ERROR}"
    assert context["resource"][1]["code"] == 400
    assert len(context["resource"]) == 2
    assert created(store) == ["a1"]


def test_continue_writes_every_good_record(admin, store):
    body = {"resource": [sqlite_service("a1"), BAD, sqlite_service("a3"), BAD]}
    response = admin.post("system/service", json=body, query_string={"continue": "true"})
    context = batch_error(response, "created")
    assert context["error"] == [1, 3]
    assert context["resource"][0] == {"id": 8}
    assert context["resource"][2] == {"id": 9}
    assert len(context["resource"]) == 4
    assert created(store) == ["a1", "a3"]


def test_continue_returns_the_asked_fields_of_good_records(admin):
    body = {"resource": [BAD, sqlite_service("a2")]}
    response = admin.post(
        "system/service", json=body, query_string={"continue": "true", "fields": "name,type"}
    )
    context = batch_error(response, "created")
    assert context["resource"][1] == {"name": "a2", "type": "sqlite"}


def test_rollback_writes_nothing_but_reports_the_ids(admin, store):
    body = {"resource": [sqlite_service("a1"), sqlite_service("a2"), BAD, sqlite_service("a4")]}
    response = admin.post("system/service", json=body, query_string={"rollback": "true"})
    context = batch_error(response, "created", rolled_back=True)
    assert context["error"] == [2]
    assert context["resource"][:2] == [{"id": 8}, {"id": 9}]
    assert len(context["resource"]) == 3
    assert created(store) == []


def test_rollback_success_writes_everything(admin, store):
    body = {"resource": [sqlite_service("a1"), sqlite_service("a2")]}
    response = admin.post(
        "system/service", json=body, query_string={"rollback": "true", "fields": "name"}
    )
    assert response.status_code == 201
    assert response.get_json() == {"resource": [{"name": "a1"}, {"name": "a2"}]}
    assert created(store) == ["a1", "a2"]


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_continue_and_rollback_together_are_refused(admin, store, method):
    make_services(admin, "a1")
    body = {"resource": [sqlite_service("a2")]} if method == "post" else {"resource": [{"id": 8}]}
    response = getattr(admin, method)(
        "system/service", json=body, query_string={"continue": "1", "rollback": "1"}
    )
    assert_error(
        response, 400, "Rollback and continue operations can not be requested at the same time."
    )
    assert created(store) == ["a1"]


def test_options_in_the_body(admin, store):
    body = {"resource": [sqlite_service("a1"), BAD], "rollback": True}
    batch_error(admin.post("system/service", json=body), "created", rolled_back=True)
    assert created(store) == []


def test_records_that_are_not_objects(admin, store):
    response = admin.post(
        "system/service",
        json={"resource": [sqlite_service("a1"), "x"]},
        query_string={"continue": 1},
    )
    context = batch_error(response, "created")
    assert context["resource"][1]["message"] == "Each record must be a JSON object."
    assert created(store) == ["a1"]


def labels(store) -> list[str | None]:
    return store.scalars(sa.select(Service.label).where(Service.id > 7).order_by(Service.id))


def test_update_default_stops_at_the_first_failure(admin, store):
    make_services(admin, "a1", "a2", "a3")
    body = {
        "resource": [{"id": 8, "label": "x"}, {"id": 99, "label": "x"}, {"id": 10, "label": "x"}]
    }
    context = batch_error(admin.patch("system/service", json=body), "updated")
    assert context["error"] == [1]
    assert context["resource"] == [
        {"id": 8},
        {
            "code": 404,
            "context": None,
            "message": "Record with identifier '99' not found.",
            "status_code": 404,
        },
    ]
    assert labels(store) == ["x", "a2", "a3"]


def test_update_continue(admin, store):
    make_services(admin, "a1", "a2", "a3")
    response = admin.patch(
        "system/service",
        query_string={"ids": "8,99,10", "continue": "true"},
        json={"label": "y"},
    )
    context = batch_error(response, "updated")
    assert context["error"] == [1]
    assert context["resource"][0] == {"id": 8} and context["resource"][2] == {"id": 10}
    assert labels(store) == ["y", "a2", "y"]


def test_update_rollback(admin, store):
    make_services(admin, "a1", "a2", "a3")
    body = {"resource": [{"id": 8, "label": "z"}, {"id": 9, "name": "bad name"}]}
    response = admin.patch("system/service", json=body, query_string={"rollback": "true"})
    context = batch_error(response, "updated", rolled_back=True)
    assert context["resource"][0] == {"id": 8}
    assert labels(store) == ["a1", "a2", "a3"]


def test_update_by_filter_rollback_with_a_protected_record(admin, store):
    make_services(admin, "a1")
    response = admin.patch(
        "system/service",
        query_string={"filter": "(name='a1') or (name='system')", "rollback": "true"},
        json={"description": "changed"},
    )
    context = batch_error(response, "updated", rolled_back=True)
    assert context["error"] == [0]  # ordered by id: system first
    assert (
        store.scalars(sa.select(Service.description).where(Service.description == "changed")) == []
    )


def test_delete_default_stops_at_the_first_failure(admin, store):
    make_services(admin, "a1", "a2", "a3")
    response = admin.delete("system/service", query_string={"ids": "8,1,10"})
    context = batch_error(response, "deleted")
    assert context["error"] == [1]
    assert context["resource"][0] == {"id": 8}
    assert context["resource"][1]["message"] == "Service 'system' can not be deleted."
    assert created(store) == ["a2", "a3"]


def test_delete_continue(admin, store):
    make_services(admin, "a1", "a2", "a3")
    response = admin.delete(
        "system/service", query_string={"ids": "8,1,10", "continue": "true", "fields": "name"}
    )
    context = batch_error(response, "deleted")
    assert context["error"] == [1]
    assert context["resource"][0] == {"name": "a1"} and context["resource"][2] == {"name": "a3"}
    assert created(store) == ["a2"]


def test_delete_rollback(admin, store):
    make_services(admin, "a1", "a2")
    response = admin.delete(
        "system/service",
        json={"resource": [{"id": 8}, {"id": 9}, {"id": 99}]},
        query_string={"rollback": "true"},
    )
    context = batch_error(response, "deleted", rolled_back=True)
    assert context["error"] == [2]
    assert context["resource"][:2] == [{"id": 8}, {"id": 9}]
    assert created(store) == ["a1", "a2"]


def test_a_failing_nested_row_leaves_no_parent_behind(admin, store):
    good = {"name": "good", "role_service_access_by_role_id": [{"service_id": 5, "verb_mask": 1}]}
    bad = {"name": "bad", "role_service_access_by_role_id": [{"service_id": 99, "verb_mask": 1}]}
    response = admin.post("system/role", json={"resource": [good, bad]})
    context = batch_error(response, "created")
    assert context["resource"][1]["context"] == {
        "service_id": ["The selected service id is invalid."]
    }
    assert store.names(Role) == ["good"]
    assert store.scalars(sa.select(RoleServiceAccess.service_id)) == [5]

    rolled = admin.post(
        "system/role",
        json={"resource": [{**good, "name": "good2"}, bad]},
        query_string={"rollback": "true"},
    )
    batch_error(rolled, "created", rolled_back=True)
    assert store.names(Role) == ["good"]
    assert store.count(RoleServiceAccess) == 1

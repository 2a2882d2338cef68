"""Writing ``system/service``: create, update and delete in every form, configs and protection."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Service
from tests.conftest import assert_error
from tests.services.system.conftest import MASK, SECRET, make_services, sqlite_service


def inner_error(response, action: str = "created") -> dict:
    """The one failing record's error in a batch error body."""
    error = assert_error(
        response, 400, f"Batch Error: Not all requested records could be {action}.", code=1000
    )
    (index,) = error["context"]["error"]
    return error["context"]["resource"][index]


# -- POST -------------------------------------------------------------------------------


def test_create_one_wrapped_returns_201_with_the_id_only(admin, store):
    response = admin.post("system/service", json={"resource": [sqlite_service("foo")]})
    assert response.status_code == 201
    assert response.get_json() == {"resource": [{"id": 8}]}
    assert store.names(Service)[-1] == "foo"


def test_create_several_wrapped_and_as_a_bare_list(admin, store):
    response = admin.post(
        "system/service", json={"resource": [sqlite_service("a1"), sqlite_service("a2")]}
    )
    assert response.get_json() == {"resource": [{"id": 8}, {"id": 9}]}
    bare = admin.post("system/service", json=[sqlite_service("a3"), sqlite_service("a4")])
    assert bare.status_code == 201
    assert bare.get_json() == {"resource": [{"id": 10}, {"id": 11}]}
    assert store.names(Service)[-4:] == ["a1", "a2", "a3", "a4"]


def test_create_one_bare_object_is_answered_unwrapped(admin):
    response = admin.post("system/service", json=sqlite_service("solo"))
    assert response.status_code == 201
    assert response.get_json() == {"id": 8}


def test_create_with_fields_returns_them(admin):
    response = admin.post(
        "system/service",
        json={"resource": [sqlite_service("foo", label="Foo")]},
        query_string={"fields": "name,label,type"},
    )
    assert response.get_json() == {"resource": [{"name": "foo", "label": "Foo", "type": "sqlite"}]}
    everything = admin.post(
        "system/service", json=sqlite_service("bar"), query_string={"fields": "*"}
    ).get_json()
    assert everything["label"] == "bar"  # the label defaults to the name
    assert everything["created_by_id"] == 1 and everything["last_modified_by_id"] is None
    assert everything["config"]["database"] == "bar.sqlite"
    assert everything["mutable"] is True and everything["deletable"] is True


def test_fields_given_in_the_body(admin):
    response = admin.post(
        "system/service", json={"resource": [sqlite_service("foo")], "fields": "name"}
    )
    assert response.get_json() == {"resource": [{"name": "foo"}]}


def test_create_by_identifier_is_refused(admin):
    assert_error(
        admin.post("system/service/3", json=sqlite_service("x")),
        400,
        "Create record by identifier not currently supported.",
    )


def test_no_records_is_a_400(admin):
    for body in ({}, {"resource": []}, []):
        error = assert_error(admin.post("system/service", json=body), 400)
        assert error["message"].startswith("No record(s) detected in request.")


def test_missing_required_field_names_it(admin, store):
    record = inner_error(
        admin.post("system/service", json={"resource": [{"type": "sqlite", "config": {}}]})
    )
    assert record["status_code"] == 400
    assert record["context"]["name"] == ["The name field is required."]
    assert "The name field is required." in record["message"]
    assert store.count(Service) == 7


def test_a_bare_object_gets_its_error_unwrapped(admin):
    error = assert_error(admin.post("system/service", json={"name": "x"}), 400)
    assert error["context"] == {"type": ["The type field is required."]}


def test_bad_name(admin):
    record = inner_error(admin.post("system/service", json={"resource": [sqlite_service("f oo")]}))
    message = "Service name should only contain letters, numbers, underscores and dashes."
    assert record["context"] == {"name": [message]}
    assert record["message"] == f"Invalid data supplied. {message}"


def test_duplicate_name_is_refused_whatever_the_case(admin, store):
    make_services(admin, "foo")
    for name in ("foo", "FOO"):
        record = inner_error(
            admin.post("system/service", json={"resource": [sqlite_service(name)]})
        )
        assert record["status_code"] == 400
        assert "duplicate" in record["message"].lower()
    assert store.names(Service).count("foo") == 1


def test_unknown_type(admin):
    record = inner_error(
        admin.post("system/service", json={"resource": [{"name": "x", "type": "nope"}]})
    )
    assert record["message"] == "Service type 'nope' is not available on this instance."


def test_only_one_system_service(admin):
    record = inner_error(
        admin.post("system/service", json={"resource": [{"name": "sys2", "type": "system"}]})
    )
    assert "Only one service of type 'system'" in record["message"]


def test_config_is_validated_per_type(admin):
    record = inner_error(
        admin.post(
            "system/service", json={"resource": [{"name": "x", "type": "sqlite", "config": {}}]}
        )
    )
    assert record["context"] == {"config.database": ["The config.database field is required."]}
    assert "config.database" in record["message"]
    wrong = inner_error(
        admin.post(
            "system/service",
            json={"resource": [{"name": "x", "type": "sqlite", "config": "db.sqlite"}]},
        )
    )
    assert wrong["context"] == {"config": ["The config must be an object."]}


def test_mutable_and_deletable_can_not_be_set_by_clients(admin):
    response = admin.post(
        "system/service",
        json=sqlite_service("x", mutable=False, deletable=False),
        query_string={"fields": "mutable,deletable"},
    )
    assert response.get_json() == {"mutable": True, "deletable": True}


# -- secrets in configs -----------------------------------------------------------------


def secret_service(secret_type: str, **config):
    return {
        "name": "sec",
        "type": secret_type,
        "config": {"host": "db.example", "password": SECRET, **config},
    }


def stored_config(store, name: str = "sec") -> dict:
    return store.scalar(sa.select(Service.config).where(Service.name == name))


def test_secrets_are_masked_on_read_and_kept_when_sent_back(admin, store, secret_type):
    (sid,) = [admin.post("system/service", json=secret_service(secret_type)).get_json()["id"]]
    shown = admin.get(f"system/service/{sid}").get_json()["config"]
    assert shown == {"host": "db.example", "password": MASK, "port": 5432}
    listed = admin.get("system/service", query_string={"ids": sid}).get_json()["resource"][0]
    assert listed["config"]["password"] == MASK
    assert SECRET not in admin.get("system/service").get_data(as_text=True)

    # The admin SPA sends the whole config back, mask included: the secret stays.
    response = admin.patch(
        f"system/service/{sid}",
        json={"config": {**shown, "host": "db2.example"}},
        query_string={"fields": "*"},
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["config"]["password"] == MASK
    assert stored_config(store) == {"host": "db2.example", "password": SECRET, "port": 5432}

    admin.patch(f"system/service/{sid}", json={"config": {"password": "new-one"}})
    assert stored_config(store)["password"] == "new-one"
    assert stored_config(store)["host"] == "db2.example"  # a partial config merges


def test_secret_type_config_errors(admin, secret_type):
    body = {"resource": [{"name": "sec", "type": secret_type, "config": {"port": "x"}}]}
    record = inner_error(admin.post("system/service", json=body))
    assert record["context"] == {
        "config.host": ["The config.host field is required."],
        "config.port": ["The config.port field must be an integer."],
    }


# -- PATCH / PUT ------------------------------------------------------------------------


def test_patch_by_id_returns_the_id_or_the_fields(admin, store):
    (sid,) = make_services(admin, "foo")
    response = admin.patch(f"system/service/{sid}", json={"label": "Foo!"})
    assert response.status_code == 200
    assert response.get_json() == {"id": sid}
    response = admin.patch(
        f"system/service/{sid}",
        json={"description": "d"},
        query_string={"fields": "label,description"},
    )
    assert response.get_json() == {"label": "Foo!", "description": "d"}
    record = admin.get(f"system/service/{sid}").get_json()
    assert record["last_modified_by_id"] == 1
    assert record["last_modified_date"] >= record["created_date"]


def test_put_is_patch(admin):
    (sid,) = make_services(admin, "foo", description="keep")
    response = admin.put(f"system/service/{sid}", json={"label": "Put"})
    assert response.get_json() == {"id": sid}
    record = admin.get(f"system/service/{sid}").get_json()
    assert record["label"] == "Put" and record["description"] == "keep"


def test_patch_a_wrapped_single_record_by_id(admin):
    (sid,) = make_services(admin, "foo")
    admin.patch(f"system/service/{sid}", json={"resource": [{"label": "W"}]})
    assert admin.get(f"system/service/{sid}").get_json()["label"] == "W"


def test_patch_errors_by_id(admin):
    assert_error(
        admin.patch("system/service/99", json={"label": "x"}),
        404,
        "Record with identifier '99' not found.",
    )
    (sid,) = make_services(admin, "foo")
    error = assert_error(admin.patch(f"system/service/{sid}", json={"name": "a b"}), 400)
    assert "letters, numbers" in error["message"]


def test_patch_by_ids(admin, store):
    ids = make_services(admin, "a1", "a2", "a3")
    response = admin.patch(
        "system/service",
        query_string={"ids": f"{ids[0]},{ids[2]}"},
        json={"resource": [{"description": "d"}]},
    )
    assert response.get_json() == {"resource": [{"id": ids[0]}, {"id": ids[2]}]}
    descriptions = store.scalars(
        sa.select(Service.description).where(Service.id.in_(ids)).order_by(Service.id)
    )
    assert descriptions == ["d", None, "d"]
    with_fields = admin.patch(
        "system/service",
        query_string={"ids": ",".join(map(str, ids)), "fields": "name,description"},
        json={"description": "e"},
    )
    assert with_fields.get_json() == {
        "resource": [{"name": n, "description": "e"} for n in ("a1", "a2", "a3")]
    }


def test_patch_by_filter(admin, store):
    make_services(admin, "a1", "a2", "b1")
    response = admin.patch(
        "system/service", query_string={"filter": "name like 'a_'"}, json={"description": "f"}
    )
    assert response.get_json() == {"resource": [{"id": 8}, {"id": 9}]}
    assert store.scalars(sa.select(Service.name).where(Service.description == "f")) == ["a1", "a2"]


def test_patch_by_records(admin, store):
    make_services(admin, "a1", "a2")
    response = admin.patch(
        "system/service",
        json={"resource": [{"id": 8, "label": "L7"}, {"id": 9, "label": "L8"}]},
        query_string={"fields": "label"},
    )
    assert response.get_json() == {"resource": [{"label": "L7"}, {"label": "L8"}]}
    bare = admin.patch("system/service", json={"id": 8, "label": "bare"})
    assert bare.get_json() == {"id": 8}
    assert store.scalars(sa.select(Service.label).where(Service.id >= 8).order_by(Service.id)) == [
        "bare",
        "L8",
    ]


def test_patch_by_records_needs_ids(admin):
    record = inner_error(
        admin.patch("system/service", json={"resource": [{"label": "x"}]}), "updated"
    )
    assert record["message"] == "No identifier 'id' found in the record."
    assert_error(admin.patch("system/service", json={}), 400)


def test_system_service_is_not_mutable(admin, store):
    assert_error(
        admin.patch("system/service/1", json={"label": "x"}),
        403,
        "Service 'system' is not mutable.",
    )
    record = inner_error(
        admin.patch("system/service", query_string={"ids": "1"}, json={"label": "x"}), "updated"
    )
    assert record["status_code"] == 403
    assert store.scalar(sa.select(Service.label).where(Service.id == 1)) == "System Management"


# -- DELETE ------------------------------------------------------------------------------


def test_delete_by_id(admin, store):
    (sid,) = make_services(admin, "foo")
    response = admin.delete(f"system/service/{sid}")
    assert response.get_json() == {"id": sid}
    assert_error(admin.get(f"system/service/{sid}"), 404)
    assert "foo" not in store.names(Service)
    assert_error(admin.delete(f"system/service/{sid}"), 404)


def test_delete_by_id_with_fields(admin):
    (sid,) = make_services(admin, "foo")
    response = admin.delete(f"system/service/{sid}", query_string={"fields": "name,type"})
    assert response.get_json() == {"name": "foo", "type": "sqlite"}


def test_delete_by_ids_records_and_filter(admin, store):
    ids = make_services(admin, "a1", "a2", "a3", "b1", "b2")
    by_ids = admin.delete("system/service", query_string={"ids": f"{ids[1]},{ids[0]}"})
    assert by_ids.get_json() == {"resource": [{"id": ids[1]}, {"id": ids[0]}]}
    by_records = admin.delete(
        "system/service", json={"resource": [{"id": ids[2]}]}, query_string={"fields": "name"}
    )
    assert by_records.get_json() == {"resource": [{"name": "a3"}]}
    by_filter = admin.delete("system/service", query_string={"filter": "name like 'b%'"})
    assert by_filter.get_json() == {"resource": [{"id": ids[3]}, {"id": ids[4]}]}
    assert store.names(Service) == ["system", "api_docs", "files", "logs", "db", "user", "email"]
    none = admin.delete("system/service", query_string={"filter": "name='nothing'"})
    assert none.get_json() == {"resource": []}


def test_delete_without_a_selector_is_a_400(admin, store):
    error = assert_error(admin.delete("system/service"), 400)
    assert error["message"].startswith("No record(s) detected in request.")
    assert store.count(Service) == 7


def test_protected_services_are_not_deleted(admin, store):
    assert_error(admin.delete("system/service/1"), 403, "Service 'system' can not be deleted.")
    record = inner_error(admin.delete("system/service", query_string={"ids": "2"}), "deleted")
    assert record["message"] == "Service 'api_docs' can not be deleted."
    assert store.count(Service) == 7


def test_force_deletes_every_deletable_service(admin, store):
    make_services(admin, "a1")
    response = admin.delete("system/service", query_string={"force": "true", "fields": "name"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "resource": [{"name": n} for n in ("files", "logs", "db", "email", "a1")]
    }
    assert store.names(Service) == ["system", "api_docs", "user"]


def test_deleting_a_service_removes_its_access_rows(admin, store):
    from app.models import RoleServiceAccess

    (sid,) = make_services(admin, "foo")
    admin.post(
        "system/role",
        json={
            "name": "r",
            "role_service_access_by_role_id": [
                {"service_id": sid, "component": "*", "verb_mask": 1, "requestor_mask": 1},
                {"service_id": 5, "component": "*", "verb_mask": 1, "requestor_mask": 1},
            ],
        },
    )
    admin.delete(f"system/service/{sid}")
    assert store.scalars(sa.select(RoleServiceAccess.service_id)) == [5]

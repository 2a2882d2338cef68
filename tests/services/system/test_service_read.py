"""Reading ``system/service``: lists, ids, body records, and every list option."""

from __future__ import annotations

import re

from tests.conftest import assert_error
from tests.services.system.conftest import make_services

SEEDED = ["system", "api_docs", "files", "logs", "db", "user", "email"]
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
FIELDS = [
    "id",
    "name",
    "label",
    "description",
    "is_active",
    "type",
    "mutable",
    "deletable",
    "config",
    "created_date",
    "last_modified_date",
    "created_by_id",
    "last_modified_by_id",
]


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [r["name"] for r in response.get_json()["resource"]]


def test_list_is_wrapped_in_id_order_with_every_field(admin):
    response = admin.get("system/service")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["resource"]
    assert [r["name"] for r in body["resource"]] == SEEDED
    ids = [r["id"] for r in body["resource"]]
    assert ids == sorted(ids)
    first = body["resource"][0]
    assert list(first) == FIELDS
    assert first["mutable"] is False and first["deletable"] is False
    assert ISO.match(first["created_date"]) and ISO.match(first["last_modified_date"])


def test_one_by_id_is_not_wrapped(admin):
    db_id = admin.get("system/service", query_string={"filter": "name='db'"}).get_json()
    db_id = db_id["resource"][0]["id"]
    response = admin.get(f"system/service/{db_id}")
    assert response.status_code == 200
    record = response.get_json()
    assert record["name"] == "db" and record["type"] == "sqlite"
    assert record["config"]["database"] == "db.sqlite"


def test_one_by_id_with_fields(admin):
    response = admin.get("system/service/1", query_string={"fields": "name,type"})
    assert response.get_json() == {"name": "system", "type": "system"}


def test_missing_id_and_non_numeric_id_are_404(admin):
    assert_error(admin.get("system/service/99"), 404, "Record with identifier '99' not found.")
    assert_error(admin.get("system/service/foo"), 404, "Record with identifier 'foo' not found.")
    huge = "9" * 30
    assert_error(admin.get(f"system/service/{huge}"), 404)


def test_ids_keep_the_requested_order(admin):
    response = admin.get("system/service", query_string={"ids": "5,1,3", "fields": "id,name"})
    assert response.get_json() == {
        "resource": [
            {"id": 5, "name": "db"},
            {"id": 1, "name": "system"},
            {"id": 3, "name": "files"},
        ]
    }


def test_ids_with_a_missing_one_is_a_batch_error(admin):
    response = admin.get("system/service", query_string={"ids": "2,99,3", "fields": "name"})
    error = assert_error(
        response,
        400,
        "Batch Error: Not all requested records could be retrieved.",
        code=1000,
    )
    assert error["context"]["error"] == [1]
    resource = error["context"]["resource"]
    assert resource[0] == {"name": "api_docs"}
    assert resource[1] == {
        "code": 404,
        "context": None,
        "message": "Record with identifier '99' not found.",
        "status_code": 404,
    }
    assert len(resource) == 2  # processing stopped at the failure


def test_ids_with_continue_report_every_record(admin):
    response = admin.get(
        "system/service", query_string={"ids": "99,2", "fields": "name", "continue": "true"}
    )
    error = assert_error(response, 400, code=1000)
    assert error["context"]["error"] == [0]
    assert error["context"]["resource"][1] == {"name": "api_docs"}


def test_records_in_the_body_through_the_get_tunnel(admin):
    response = admin.post(
        "system/service",
        json={"resource": [{"id": 3}, {"id": 2}]},
        query_string={"fields": "id,name"},
        headers={"X-HTTP-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "resource": [{"id": 3, "name": "files"}, {"id": 2, "name": "api_docs"}]
    }


def test_options_may_come_in_the_json_body(admin):
    response = admin.post(
        "system/service",
        json={"resource": [{"id": 1}], "fields": "name"},
        headers={"X-HTTP-Method": "GET"},
    )
    assert response.get_json() == {"resource": [{"name": "system"}]}


def test_fields_select_columns_in_the_order_asked(admin):
    response = admin.get("system/service", query_string={"fields": "type,name", "limit": 1})
    assert response.get_json() == {"resource": [{"type": "system", "name": "system"}]}
    assert_error(
        admin.get("system/service", query_string={"fields": "name,nope"}),
        400,
        "Invalid field requested: nope",
    )


def test_config_is_shown_only_with_id_and_type(admin):
    without = admin.get("system/service/5", query_string={"fields": "name,config"}).get_json()
    assert without == {"name": "db"}
    with_keys = admin.get("system/service/5", query_string={"fields": "id,type,config"})
    assert with_keys.get_json()["config"]["database"] == "db.sqlite"


def test_filters(admin):
    make_services(admin, "foo", "fab")
    assert names(admin.get("system/service", query_string={"filter": "type='sqlite'"})) == [
        "db",
        "foo",
        "fab",
    ]
    assert names(
        admin.get(
            "system/service",
            query_string={"filter": "(name like 'f%') and (is_active=true)", "fields": "name"},
        )
    ) == ["files", "foo", "fab"]
    admin.patch("system/service", query_string={"filter": "name='fab'"}, json={"is_active": False})
    assert names(
        admin.get(
            "system/service", query_string={"filter": "(name like 'f%') and (is_active=true)"}
        )
    ) == ["files", "foo"]


def test_filter_errors_are_400(admin):
    assert_error(
        admin.get("system/service", query_string={"filter": "nope='x'"}),
        400,
        "Invalid or unparsable field in filter request: 'nope'",
    )
    assert_error(admin.get("system/service", query_string={"filter": "name"}), 400)


def test_config_can_not_be_filtered_or_ordered_on(admin):
    """A filter on config could probe secret values."""
    assert_error(admin.get("system/service", query_string={"filter": "config like '%db%'"}), 400)
    assert_error(admin.get("system/service", query_string={"order": "config"}), 400)


def test_filter_params(admin):
    response = admin.post(
        "system/service",
        json={"filter": "name = :name", "params": {":name": "logs"}, "resource": []},
        headers={"X-HTTP-Method": "GET"},
    )
    assert names(response) == ["logs"]


def test_order_limit_offset(admin):
    response = admin.get(
        "system/service",
        query_string={"fields": "name", "order": "name desc", "limit": 2, "offset": 1},
    )
    assert names(response) == ["system", "logs"]
    ascending = admin.get("system/service", query_string={"order": "name asc", "fields": "name"})
    assert names(ascending) == sorted(SEEDED)
    assert_error(admin.get("system/service", query_string={"order": "nope desc"}), 400)
    assert_error(admin.get("system/service", query_string={"limit": "abc"}), 400)
    assert_error(admin.get("system/service", query_string={"offset": "-1"}), 400)


def test_limit_zero_or_above_the_cap_means_the_cap(app, admin):
    app.config["DB_MAX_RECORDS_RETURNED"] = 4
    assert len(names(admin.get("system/service", query_string={"limit": 0}))) == 4
    assert len(names(admin.get("system/service", query_string={"limit": 50}))) == 4
    assert len(names(admin.get("system/service", query_string={"limit": 2}))) == 2


def test_include_count_counts_every_match(admin):
    response = admin.get(
        "system/service",
        query_string={"include_count": "true", "limit": 2, "fields": "name", "filter": "id>1"},
    )
    body = response.get_json()
    assert len(body["resource"]) == 2
    assert body["meta"] == {"count": 6}


def test_count_only_is_a_bare_integer(admin):
    response = admin.get("system/service", query_string={"count_only": "true"})
    assert response.get_json() == 7
    filtered = admin.get(
        "system/service", query_string={"count_only": "true", "filter": "type='local_file'"}
    )
    assert filtered.get_json() == 2


def test_include_schema_describes_the_visible_fields(admin):
    response = admin.get(
        "system/service", query_string={"include_schema": "true", "fields": "name", "limit": 1}
    )
    schema = response.get_json()["meta"]["schema"]
    assert schema["name"] == "service"
    assert schema["primary_key"] == ["id"]
    by_name = {f["name"]: f for f in schema["field"]}
    assert list(by_name) == FIELDS
    assert by_name["name"]["is_unique"] is True and by_name["name"]["required"] is True
    assert by_name["id"]["is_primary_key"] is True and by_name["id"]["type"] == "id"


def test_an_unknown_service_is_404_from_the_controller(admin):
    response = admin.get("nope/_table")
    assert response.status_code == 404

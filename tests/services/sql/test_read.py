"""Reading records through ``_table`` (DreamFactory's SqlDbTest GET cases and reference 4.1)."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.services.sql.conftest import contact


@pytest.fixture
def people(sql):
    sql.insert(
        contact,
        [
            {"id": 1, "name": "Ann", "age": 31, "owner_id": 1},
            {"id": 2, "name": "Bob", "age": 25, "owner_id": 2},
            {"id": 3, "name": "Cid", "age": 31, "owner_id": 1},
            {"id": 4, "name": "Dee", "age": None, "owner_id": 2},
            {"id": 5, "name": "Eve", "age": 40, "owner_id": 1},
        ],
    )
    return sql


NO_TABLE = "Table &quot;nope&quot; does not exist in the database."
"""DreamFactory entity-encodes messages, quotes included."""


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [r["name"] for r in response.get_json()["resource"]]


def test_service_root_lists_the_table_resource(sql):
    body = sql.api.get(f"{sql.name}?as_list=true").get_json()
    assert "_table" in body["resource"]


def test_table_list_names_only_by_default(sql):
    body = sql.get().get_json()
    assert {"name": "todo"} in body["resource"]
    assert all(set(item) == {"name"} for item in body["resource"])


def test_table_list_full_as_list_and_ids(sql):
    full = sql.get(query_string={"fields": "*"}).get_json()["resource"]
    item = next(i for i in full if i["name"] == "contact_info")
    assert item == {
        "name": "contact_info",
        "label": "Contact Info",
        "description": None,
        "native": [],
        "plural": "Contact Infos",
        "is_view": False,
        "access": ["GET", "POST", "PUT", "PATCH", "DELETE"],
    }
    listed = sql.get(query_string={"as_list": "true"}).get_json()["resource"]
    assert "todo" in listed and "contact" in listed
    some = sql.get(query_string={"ids": "todo,tag"}).get_json()["resource"]
    assert sorted(i["name"] for i in some) == ["tag", "todo"]


def test_empty_table(sql):
    response = sql.get("todo")
    assert response.status_code == 200
    assert response.get_json() == {"resource": []}


def test_unknown_table(sql):
    assert_error(sql.get("nope"), 404, NO_TABLE)
    assert_error(sql.get("nope/1"), 404, NO_TABLE)


def test_records_by_id_and_ids(todos):
    assert todos.get("todo/1").get_json() == {"id": 1, "name": "test1", "complete": False}
    body = todos.get("todo", query_string={"ids": "3,2"}).get_json()
    assert [r["id"] for r in body["resource"]] == [3, 2]
    assert_error(todos.get("todo/5"), 404, "Record with identifier '5' not found.")
    assert_error(todos.get("todo/abc"), 404, "Record with identifier 'abc' not found.")


def test_ids_with_a_missing_record_is_a_batch_error(todos):
    error = assert_error(
        todos.get("todo", query_string={"ids": "1,9"}),
        400,
        "Batch Error: Not all requested records could be retrieved.",
        code=1000,
    )
    assert error["context"]["error"] == [1]
    assert error["context"]["resource"][0]["id"] == 1
    assert error["context"]["resource"][1]["message"] == "Record with identifier '9' not found."


def test_get_by_records_in_the_body(todos):
    response = todos.post(
        "todo",
        json={"resource": [{"id": 2}, {"id": 1}]},
        headers={"X-HTTP-Method": "GET"},
    )
    assert [r["id"] for r in response.get_json()["resource"]] == [2, 1]


def test_fields(todos):
    body = todos.get("todo", query_string={"fields": "name"}).get_json()
    assert body["resource"][0] == {"name": "test1"}
    body = todos.get("todo/2", query_string={"fields": "id,complete"}).get_json()
    assert body == {"id": 2, "complete": True}
    assert_error(
        todos.get("todo", query_string={"fields": "id,nope"}), 400, "Invalid field requested: nope"
    )


def test_filter_order_limit_count(people):
    response = people.get(
        "contact",
        query_string={
            "filter": "(age = 31) OR (name like 'E%')",
            "fields": "id,name",
            "order": "name desc",
            "limit": 2,
            "include_count": "true",
        },
    )
    assert response.get_json() == {
        "resource": [{"id": 5, "name": "Eve"}, {"id": 3, "name": "Cid"}],
        "meta": {"count": 3, "next": 2},
    }


def test_filter_with_params_and_aliases(people):
    response = people.get(
        "contact", query_string={"where": "age > :min", "params": "x", "sort": "age"}
    )
    assert_error(response, 400)
    response = people.post(
        "contact",
        json={"filter": "age >= :min", "params": {"min": 31}, "order": "id desc"},
        headers={"X-HTTP-Method": "GET"},
    )
    assert names(response) == ["Eve", "Cid", "Ann"]


def test_limit_offset_without_meta(people):
    response = people.get("contact", query_string={"limit": 2, "offset": 1})
    assert names(response) == ["Bob", "Cid"]
    assert "meta" not in response.get_json()


def test_meta_when_the_table_exceeds_max_records(people, admin):
    response = admin.patch(
        f"system/service/{people.service_id}", json={"config": {"max_records": 2}}
    )
    assert response.status_code == 200, response.get_json()
    body = people.get("contact").get_json()
    assert len(body["resource"]) == 2
    assert body["meta"] == {"count": 5, "next": 2}
    body = people.get("contact", query_string={"offset": 4}).get_json()
    assert names_of(body) == ["Eve"]
    assert body["meta"] == {"count": 5}
    body = people.get("contact", query_string={"limit": 50}).get_json()
    assert len(body["resource"]) == 2


def names_of(body) -> list[str]:
    return [r["name"] for r in body["resource"]]


def test_count_only(people):
    response = people.get("contact", query_string={"count_only": "true", "filter": "age = 31"})
    assert response.status_code == 200
    assert response.get_json() == 2


def test_group_with_aggregates(people):
    response = people.get(
        "contact",
        query_string={
            "group": "owner_id",
            "fields": "owner_id,COUNT(*),MAX(age)",
            "order": "owner_id",
        },
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resource"] == [
        {"owner_id": 1, "COUNT_ALL": 3, "MAX_age": 40},
        {"owner_id": 2, "COUNT_ALL": 2, "MAX_age": 25},
    ]
    assert_error(
        people.get("contact", query_string={"group": "nope"}),
        400,
        "Invalid or unknown field 'nope' in group by clause.",
    )


def test_order_errors(people):
    assert_error(
        people.get("contact", query_string={"order": "nope"}),
        400,
        "Invalid field 'nope' in order by clause.",
    )
    assert_error(
        people.get("contact", query_string={"order": "name; drop table contact"}),
        400,
        "Invalid order by clause in request.",
    )


def test_include_schema(people):
    body = people.get("contact", query_string={"include_schema": "true", "limit": 1}).get_json()
    schema = body["meta"]["schema"]
    assert schema["name"] == "contact"
    assert schema["primary_key"] == ["id"]
    fields = {f["name"]: f for f in schema["field"]}
    assert fields["id"]["type"] == "id"
    assert fields["name"]["type"] == "string"
    assert fields["name"]["length"] == 80
    assert fields["name"]["required"] is True
    assert "contact_info_by_contact_id" in {r["name"] for r in schema["related"]}


def test_values_are_json(sql):
    import datetime as dt
    from decimal import Decimal

    from tests.services.sql.conftest import measure

    sql.insert(
        measure,
        [
            {
                "id": 1,
                "amount": Decimal("12.50"),
                "ratio": 0.25,
                "day": dt.date(2024, 2, 29),
                "moment": dt.datetime(2024, 1, 2, 3, 4, 5),
                "data": b"\x00\x01hi",
            }
        ],
    )
    body = sql.get("measure/1", query_string={"fields": "amount,ratio,day,moment,data"}).get_json()
    assert body == {
        "amount": 12.5,
        "ratio": 0.25,
        "day": "2024-02-29",
        "moment": "2024-01-02T03:04:05",
        "data": "AAFoaQ==",
    }


def test_id_field_and_id_type(todos):
    body = todos.get("todo", query_string={"ids": "test3,test1", "id_field": "name"}).get_json()
    assert [r["id"] for r in body["resource"]] == [3, 1]
    body = todos.get("todo/test2", query_string={"id_field": "name", "fields": "id"}).get_json()
    assert body == {"id": 2}
    body = todos.get("todo", query_string={"ids": "2", "id_type": "int"}).get_json()
    assert body["resource"][0]["name"] == "test2"
    assert_error(
        todos.get("todo", query_string={"ids": "1", "id_field": "nope"}),
        400,
        "Invalid field requested: nope",
    )


def test_large_pages_stream_from_the_server(sql, admin):
    admin.patch(f"system/service/{sql.service_id}", json={"config": {"max_records": 5000}})
    sql.insert(contact, [{"id": i, "name": f"n{i:04d}", "age": i % 90} for i in range(1, 2501)])
    body = sql.get("contact", query_string={"limit": 2400, "offset": 50, "fields": "id"}).get_json()
    assert [r["id"] for r in body["resource"]] == list(range(51, 2451))
    body = sql.get("contact", query_string={"fields": "id", "filter": "age < 45"}).get_json()
    assert len(body["resource"]) == sum(1 for i in range(1, 2501) if i % 90 < 45)
    assert "meta" not in body


def test_postgresql_types_without_a_json_form_come_as_text(sql):
    if sql.kind != "postgresql":
        pytest.skip("inet, ranges, bit strings and money are PostgreSQL types")
    sql.execute(
        "CREATE TABLE net (id serial PRIMARY KEY, ip inet, block cidr, span int4range, "
        "flags bit(4), price money, seen interval)"
    )
    sql.execute(
        "INSERT INTO net (ip, block, span, flags, price, seen) VALUES "
        "('10.0.0.1', '10.0.0.0/8', '[1,5)', B'1010', 12.5, '1 day')"
    )
    response = sql.get("net", query_string={"refresh": "true"})
    assert response.status_code == 200, response.get_json()
    row = response.get_json()["resource"][0]
    assert row["ip"] == "10.0.0.1"
    assert row["block"] == "10.0.0.0/8"
    assert row["span"] == "[1,5)"
    assert row["flags"] == "1010"
    assert row["price"].endswith("12.50")
    assert row["seen"] == "1 day, 0:00:00"
    assert sql.get("net", query_string={"filter": "ip = 10.0.0.1"}).status_code == 200

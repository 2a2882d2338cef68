"""Relations from foreign keys: names, read shapes (reference 13.F), no N+1, nested writes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import assert_error
from tests.services.sql.conftest import contact, contact_info, contact_tag, profile, tag


@pytest.fixture
def family(sql):
    sql.insert(contact, [{"id": i, "name": n} for i, n in [(1, "Ann"), (2, "Bob"), (3, "Cid")]])
    sql.insert(
        contact_info,
        [
            {"id": 1, "contact_id": 1, "info_type": "work", "value": "a@w"},
            {"id": 2, "contact_id": 1, "info_type": "home", "value": "a@h"},
            {"id": 3, "contact_id": 2, "info_type": "work", "value": "b@w"},
            {"id": 4, "contact_id": None, "info_type": "orphan", "value": None},
        ],
    )
    sql.insert(tag, [{"id": 1, "label": "red"}, {"id": 2, "label": "blue"}])
    sql.insert(
        contact_tag,
        [{"id": 1, "contact_id": 1, "tag_id": 2}, {"id": 2, "contact_id": 1, "tag_id": 1}],
    )
    sql.insert(profile, [{"id": 1, "contact_id": 2, "bio": "hi"}])
    return sql


@pytest.fixture
def statements(app, sql):
    """Count the statements the service's own engine runs (not the test's side door)."""
    from app.services.sql.engines import get_registry

    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.app_context():
        engine = get_registry().peek(sql.service_id)
    if engine is None:  # built on the first request
        sql.get("contact")
        with app.app_context():
            engine = get_registry().peek(sql.service_id)
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_relation_names_and_types(family):
    schema = family.get("contact", query_string={"include_schema": "1", "limit": 1}).get_json()
    related = {r["name"]: r for r in schema["meta"]["schema"]["related"]}
    assert related["contact_info_by_contact_id"]["type"] == "has_many"
    assert related["contact_info_by_contact_id"]["field"] == "id"
    assert related["contact_info_by_contact_id"]["ref_field"] == "contact_id"
    assert related["profile_by_contact_id"]["type"] == "has_one"
    assert related["tag_by_contact_tag"]["type"] == "many_many"
    assert related["tag_by_contact_tag"]["junction_table"] == "contact_tag"
    assert related["contact_tag_by_contact_id"]["type"] == "has_many"
    child = family.get("contact_info", query_string={"include_schema": "1", "limit": 1}).get_json()
    child_related = {r["name"]: r for r in child["meta"]["schema"]["related"]}
    assert child_related["contact_by_contact_id"]["type"] == "belongs_to"


def test_has_many_with_fields_strips_the_mapping_column(family):
    response = family.get(
        "contact",
        query_string={
            "related": "contact_info_by_contact_id",
            "contact_info_by_contact_id_fields": "id,info_type",
            "fields": "name",
        },
    )
    assert response.get_json() == {
        "resource": [
            {
                "name": "Ann",
                "contact_info_by_contact_id": [
                    {"id": 1, "info_type": "work"},
                    {"id": 2, "info_type": "home"},
                ],
            },
            {"name": "Bob", "contact_info_by_contact_id": [{"id": 3, "info_type": "work"}]},
            {"name": "Cid", "contact_info_by_contact_id": []},
        ]
    }


def test_belongs_to_has_one_and_many_many(family):
    body = family.get("contact_info", query_string={"related": "contact_by_contact_id"}).get_json()
    first = body["resource"][0]
    assert first["contact_by_contact_id"] == {
        "id": 1,
        "name": "Ann",
        "age": None,
        "owner_id": None,
        "notes": None,
    }
    assert body["resource"][3]["contact_by_contact_id"] is None
    body = family.get(
        "contact",
        query_string={
            "related": "profile_by_contact_id,tag_by_contact_tag",
            "tag_by_contact_tag_order": "label",
            "fields": "id",
        },
    ).get_json()
    ann, bob, cid = body["resource"]
    assert ann["profile_by_contact_id"] is None
    assert bob["profile_by_contact_id"] == {"id": 1, "contact_id": 2, "bio": "hi"}
    assert [t["label"] for t in ann["tag_by_contact_tag"]] == ["blue", "red"]
    assert cid["tag_by_contact_tag"] == []


def test_related_star_limit_and_order(family):
    body = family.get(
        "contact/1",
        query_string={
            "related": "*",
            "contact_info_by_contact_id_limit": 1,
            "contact_info_by_contact_id_order": "info_type",
        },
    ).get_json()
    assert [i["info_type"] for i in body["contact_info_by_contact_id"]] == ["home"]
    assert {"profile_by_contact_id", "tag_by_contact_tag"} <= set(body)
    assert_error(
        family.get("contact", query_string={"related": "nope"}),
        400,
        "Invalid relationship requested: nope",
    )


def test_one_query_per_relation_per_page(family, statements):
    family.insert(contact, [{"id": i, "name": f"c{i}"} for i in range(10, 60)])
    family.insert(
        contact_info,
        [{"id": i, "contact_id": i, "info_type": "x"} for i in range(10, 60)],
    )
    statements.clear()
    response = family.get("contact", query_string={"related": "contact_info_by_contact_id"})
    assert len(response.get_json()["resource"]) == 53
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    touching = [s for s in selects if "contact_info" in s]
    assert len(touching) == 1, touching
    assert len(selects) <= 3, selects


def test_nested_create_belongs_to_and_has_many(family):
    response = family.post(
        "contact",
        query_string={"related": "contact_info_by_contact_id", "fields": "id,name"},
        json=[
            {
                "name": "Dee",
                "contact_info_by_contact_id": [
                    {"info_type": "work", "value": "d@w"},
                    {"id": 4, "info_type": "adopted"},
                ],
            }
        ],
    )
    assert response.status_code == 200, response.get_json()
    created = response.get_json()["resource"][0]
    assert created["name"] == "Dee"
    infos = sorted(created["contact_info_by_contact_id"], key=lambda i: i["id"])
    assert [(i["id"], i["info_type"]) for i in infos] == [(4, "adopted"), (5, "work")]
    response = family.post(
        "contact_info",
        query_string={"related": "contact_by_contact_id"},
        json=[{"info_type": "new", "contact_by_contact_id": {"name": "Eve"}}],
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resource"][0]["contact_by_contact_id"]["name"] == "Eve"


def test_nested_many_many_links_through_the_junction(family):
    response = family.patch(
        "contact/3",
        query_string={"related": "tag_by_contact_tag"},
        json={"tag_by_contact_tag": [{"id": 1}, {"label": "green"}]},
    )
    assert response.status_code == 200, response.get_json()
    labels = sorted(t["label"] for t in response.get_json()["tag_by_contact_tag"])
    assert labels == ["green", "red"]
    assert len(family.rows(contact_tag)) == 4


def test_nested_failure_rolls_the_record_back(family):
    response = family.post(
        "contact",
        json=[{"name": "Fay", "contact_info_by_contact_id": [{"info_type": None}]}],
    )
    error = assert_error(response, 400, code=1000)
    assert "info_type" in error["context"]["resource"][0]["message"]
    assert [r["name"] for r in family.rows(contact)] == ["Ann", "Bob", "Cid"]


def test_a_child_with_a_null_foreign_key_is_orphaned(family):
    response = family.patch(
        "contact/1",
        query_string={"related": "contact_info_by_contact_id"},
        json={"contact_info_by_contact_id": [{"id": 2, "contact_id": None}]},
    )
    assert response.status_code == 200, response.get_json()
    assert [i["id"] for i in response.get_json()["contact_info_by_contact_id"]] == [1]
    kept = {r["id"]: r["contact_id"] for r in family.rows(contact_info)}
    assert kept == {1: 1, 2: None, 3: 2, 4: None}


def test_allow_related_delete_deletes_the_disowned_child(family):
    response = family.patch(
        "contact/1",
        query_string={"related": "contact_info_by_contact_id", "allow_related_delete": "true"},
        json={"contact_info_by_contact_id": [{"id": 2, "contact_id": None}]},
    )
    assert response.status_code == 200, response.get_json()
    assert [r["id"] for r in family.rows(contact_info)] == [1, 3, 4]


def test_disowning_needs_the_child_key_and_a_nullable_key(family):
    error = assert_error(
        family.patch(
            "contact/1",
            json={"contact_info_by_contact_id": [{"info_type": "x", "contact_id": None}]},
        ),
        400,
    )
    assert "primary key" in error["message"]
    assert [r["id"] for r in family.rows(contact_info)] == [1, 2, 3, 4]
    error = assert_error(
        family.patch(
            "contact/1",
            json={"contact_tag_by_contact_id": [{"id": 1, "contact_id": None}]},
        ),
        400,
    )
    assert "allow_related_delete" in error["message"]
    assert len(family.rows(contact_tag)) == 2
    response = family.patch(
        "contact/1",
        query_string={"allow_related_delete": "1"},
        json={"contact_tag_by_contact_id": [{"id": 1, "contact_id": None}]},
    )
    assert response.status_code == 200, response.get_json()
    assert [r["id"] for r in family.rows(contact_tag)] == [2]

"""Virtual relationships (``is_virtual``) declared on ``_schema``: written through ``_related``
and a table's ``related``, described, read like foreign-key relations, refused when wrong, and
deleted (DreamFactory's ``db_virtual_relationship``)."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.services.sql.conftest import contact, tag


@pytest.fixture
def people(sql):
    sql.insert(tag, [{"id": 1, "label": "red"}, {"id": 2, "label": "blue"}])
    sql.insert(
        contact,
        [
            {"id": 1, "name": "Ann", "owner_id": 2},
            {"id": 2, "name": "Bob", "owner_id": 2},
            {"id": 3, "name": "Cid", "owner_id": None},
        ],
    )
    return sql


def _schema(sql, path: str, **kwargs):
    return sql.api.call(
        kwargs.pop("method", "GET"), f"{sql.name}/_schema/{path}".rstrip("/"), **kwargs
    )


def _related(sql, table: str) -> dict[str, dict]:
    response = _schema(sql, table)
    assert response.status_code == 200, response.get_json()
    return {r["name"]: r for r in response.get_json()["related"]}


OWNER = {
    "type": "belongs_to",
    "field": "owner_id",
    "ref_table": "tag",
    "ref_field": "id",
    "is_virtual": True,
}
OWNED = {
    "type": "has_many",
    "field": "id",
    "ref_table": "contact",
    "ref_field": "owner_id",
    "is_virtual": True,
}


def test_virtual_relationships_are_described_and_read_like_keys(people):
    response = _schema(people, "contact/_related", method="POST", json={"resource": [OWNER]})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"resource": [{"name": "tag_by_owner_id"}]}
    response = _schema(people, "tag/_related/contact_by_owner_id", method="PUT", json=OWNED)
    assert response.get_json() == {"name": "contact_by_owner_id"}

    owner = _related(people, "contact")["tag_by_owner_id"]
    assert owner["is_virtual"] is True
    assert (owner["type"], owner["field"], owner["ref_table"], owner["ref_field"]) == (
        "belongs_to",
        "owner_id",
        "tag",
        "id",
    )
    assert _related(people, "contact")["contact_info_by_contact_id"]["is_virtual"] is False
    described = _schema(people, "contact/_related/tag_by_owner_id").get_json()
    assert described["name"] == "tag_by_owner_id" and described["is_virtual"] is True

    rows = people.get(
        "contact", query_string={"related": "tag_by_owner_id", "fields": "id"}
    ).get_json()["resource"]
    assert [r["tag_by_owner_id"] for r in rows] == [
        {"id": 2, "label": "blue"},
        {"id": 2, "label": "blue"},
        None,
    ]
    rows = people.get(
        "tag", query_string={"related": "contact_by_owner_id", "fields": "id"}
    ).get_json()["resource"]
    assert [[c["name"] for c in r["contact_by_owner_id"]] for r in rows] == [[], ["Ann", "Bob"]]

    response = _schema(people, "contact/_related/tag_by_owner_id", method="DELETE")
    assert response.get_json() == {"success": True}
    assert "tag_by_owner_id" not in _related(people, "contact")
    assert "contact_by_owner_id" in _related(people, "tag")
    assert_error(
        _schema(people, "contact/_related/tag_by_owner_id", method="DELETE"),
        404,
        "Relationship 'tag_by_owner_id' not found in table 'contact'.",
    )


def test_a_new_table_declares_them_in_its_related_list(people):
    table = {
        "name": "note",
        "field": [
            {"name": "id", "type": "id"},
            {"name": "about", "type": "integer"},
            {"name": "body", "type": "string", "length": 80},
        ],
        "related": [
            {"type": "belongs_to", "field": "about", "ref_table": "contact", "ref_field": "id",
             "is_virtual": True},
            {"name": "ignored_fk_relation", "type": "belongs_to", "field": "about"},
        ],
    }  # fmt: skip
    response = _schema(people, "", method="POST", json={"resource": [table]})
    assert response.status_code == 200, response.get_json()
    assert set(_related(people, "note")) == {"contact_by_about"}
    assert people.post("note", json=[{"about": 3, "body": "hello"}]).status_code == 200
    rows = people.get("note", query_string={"related": "contact_by_about"}).get_json()["resource"]
    assert rows[0]["contact_by_about"]["name"] == "Cid"

    # PUT replaces the list it is given; PATCH merges
    patch = {"related": [{**OWNED, "ref_table": "note", "ref_field": "about"}]}
    assert _schema(people, "contact", method="PATCH", json=patch).status_code == 200
    assert _related(people, "contact")["note_by_about"]["is_virtual"] is True
    put = {"field": [], "related": []}
    assert _schema(people, "note", method="PUT", json=put).status_code == 200
    assert "contact_by_about" not in _related(people, "note")

    # a dropped table takes the relationships pointing at it out of the describe
    assert _schema(people, "note", method="DELETE").status_code == 200
    assert "note_by_about" not in _related(people, "contact")
    assert people.get("contact", query_string={"related": "*"}).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "sideways"}, "Invalid relationship type 'sideways'"),
        ({"field": None}, "Field name missing from schema."),
        ({"ref_field": "no such"}, "Invalid ref field name 'no such'"),
        ({"ref_service_id": 999999}, "same service only ('ref_service_id')"),
        ({"always_fetch": True}, "The relationship setting 'always_fetch' is not supported."),
        ({"name": "other_name"}, "is named 'tag_by_owner_id', not 'other_name'"),
        ({"ref_field": "nope"}, "Field 'nope' of a relationship not found in table 'tag'."),
        ({"ref_table": "nope"}, "Table 'nope' of a relationship does not exist in the database."),
        ({"type": "many_many"}, "Junction table name missing from schema."),
        ({"is_virtual": False}, "Relationships follow foreign keys"),
    ],
)
def test_wrong_virtual_relationships_are_refused(people, change, message):
    response = _schema(
        people, "contact/_related", method="POST", json={"resource": [{**OWNER, **change}]}
    )
    error = assert_error(response, 400)
    assert message in error["message"], error["message"]
    assert "tag_by_owner_id" not in _related(people, "contact")


def test_a_relationship_of_a_foreign_key_keeps_its_name(people):
    shadow = {
        "type": "has_many",
        "field": "id",
        "ref_table": "contact_info",
        "ref_field": "contact_id",
        "is_virtual": True,
    }
    error = assert_error(
        _schema(people, "contact", method="PATCH", json={"related": [shadow]}), 400
    )
    assert "follows a foreign key already" in error["message"]
    assert _related(people, "contact")["contact_info_by_contact_id"]["is_virtual"] is False

"""DreamFactory's React sample package on a default instance: its tables are the seeded ones.

The package (``address_book``) declares the seeded ``db`` service's four contact
tables and carries records with ids from 1, which the seeded sample has already.
The tables are reused, the rows already there kept as they are, the others
inserted; a table lacking a declared field refuses the whole package.
"""

from __future__ import annotations

import copy
from pathlib import Path

from app.services.sql import sample
from tests.app_packages import address_book
from tests.app_packages.conftest import app_names, public_paths, table_names, upload
from tests.conftest import assert_error

SEEDED = {
    "contact": len(sample.CONTACTS),
    "contact_info": len(sample.INFOS),
    "contact_group": len(sample.GROUPS),
    "contact_group_relationship": len(sample.MEMBERS),
}


def rows(api, table: str) -> list[dict]:
    answer = api.get(f"db/_table/{table}", query_string={"order": "id", "limit": 1000})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["resource"]


def counts(api) -> dict[str, int]:
    return {table: len(rows(api, table)) for table in SEEDED}


def test_the_seeded_sample_has_the_shape_of_dreamfactory_s(admin):
    fields = admin.get("db/_schema/contact_info").get_json()["field"]
    ordinal = next(f for f in fields if f["name"] == "ordinal")
    assert (ordinal["type"], ordinal["allow_null"]) == ("integer", True)
    assert {r["ordinal"] for r in rows(admin, "contact_info")} == {0}


def test_the_sample_package_reuses_the_seeded_tables_and_keeps_their_rows(admin, anon, app):
    seeded = {table: rows(admin, table) for table in SEEDED}
    assert {len(found) for found in seeded.values()} != {0}
    response = upload(admin, address_book.build(), name="df-react-example-application.dfpkg")
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert (record["name"], record["storage_container"]) == (
        "Address Book for React",
        address_book.FOLDER,
    )
    noted = record["package"]
    assert sorted(noted["tables_reused"]) == sorted(f"db/{t}" for t in SEEDED)  # creation order
    assert noted["records_skipped"] == {f"db/{table}": n for table, n in SEEDED.items()}

    package = address_book.records()
    for table, before in seeded.items():
        now = rows(admin, table)
        assert len(now) == len(package[table]), table
        assert now[: len(before)] == before, f"{table}: a seeded row was overwritten"
        assert now[len(before) :] == package[table][len(before) :], table

    folder = Path(app.config["STORAGE_PATH"]) / "app" / address_book.FOLDER
    assert (folder / "static" / "js" / "main.chunk.js").is_file()
    assert not (folder / "data.json").exists()
    assert f"{address_book.FOLDER}/" in public_paths(admin)
    page = anon.get(f"/files/{address_book.FOLDER}/index.html")
    assert page.data == address_book.INDEX_HTML


def test_a_package_into_fresh_tables_says_nothing_of_reuse(admin):
    tables = [{**copy.deepcopy(t), "name": f"pkg_{t['name']}"} for t in address_book.TABLES]
    for table in tables:
        for field in table["field"]:
            if "ref_table" in field:
                field["ref_table"] = f"pkg_{field['ref_table']}"
    data = {f"pkg_{name}": found for name, found in address_book.records().items()}
    response = upload(admin, address_book.build(address_book.entries(tables, data)))
    assert response.status_code == 201, response.get_json()
    assert "package" not in response.get_json()
    assert len(rows(admin, "pkg_contact_info")) == len(data["pkg_contact_info"])


def test_an_existing_table_without_a_declared_field_refuses_the_package(admin, anon, app):
    before = counts(admin)
    paths = public_paths(admin)
    extra = {
        **address_book.CONTACT,
        "field": [*address_book.CONTACT["field"], {"name": "Nickname", "type": "string"}],
    }
    group = {
        **address_book.CONTACT_GROUP,
        "field": [*address_book.CONTACT_GROUP["field"], {"name": "color", "type": "string"}],
    }
    tables = [extra, address_book.CONTACT_INFO, group, address_book.CONTACT_GROUP_RELATIONSHIP]
    response = upload(admin, address_book.build(address_book.entries(tables)))
    assert_error(
        response,
        400,
        "The package's tables exist already without all of their fields: "
        "table 'contact' of service 'db' lacks Nickname; "
        "table 'contact_group' of service 'db' lacks color. "
        "Add the fields, or import into another database service; nothing was imported.",
    )
    assert counts(admin) == before
    assert "Address Book for React" not in app_names(admin)
    assert public_paths(admin) == paths
    assert not (Path(app.config["STORAGE_PATH"]) / "app" / address_book.FOLDER).exists()


def test_a_failure_after_the_reused_tables_takes_back_only_the_rows_inserted(admin, app):
    seeded = {table: rows(admin, table) for table in SEEDED}
    data = address_book.records()
    data["contact_group_relationship"][-1]["contact_id"] = None  # not null: refused
    response = upload(admin, address_book.build(address_book.entries(data=data)))
    assert response.status_code == 400, response.get_json()
    message = response.get_json()["error"]["message"]
    assert message.startswith(
        "Could not insert the records of table 'contact_group_relationship' of service 'db'"
    ), message
    assert {table: rows(admin, table) for table in SEEDED} == seeded
    assert set(SEEDED) <= table_names(admin)
    assert "Address Book for React" not in app_names(admin)
    assert not (Path(app.config["STORAGE_PATH"]) / "app" / address_book.FOLDER).exists()


def test_records_into_an_existing_table_not_in_schema_json_skip_the_keys_there(admin):
    todo = [{"id": i, "name": f"Task {i}", "complete": False} for i in range(1, 6)]
    entries = address_book.entries(tables=[], data={"todo": todo})
    del entries["schema.json"]
    response = upload(admin, address_book.build(entries))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["package"] == {"records_skipped": {"db/todo": len(sample.TODOS)}}
    names = [r["name"] for r in rows(admin, "todo")]
    assert names == [name for _, name, _ in sample.TODOS] + [
        t["name"] for t in todo[len(sample.TODOS) :]
    ]


def test_an_instance_seeded_before_ordinal_is_told_and_imports_once_it_is_added(admin):
    """Instances seeded before ``contact_info`` had ``ordinal``: the README's fix works."""
    assert admin.delete("db/_schema/contact_info/ordinal").status_code == 200
    refused = upload(admin, address_book.build())
    assert_error(refused, 400)
    assert (
        "table 'contact_info' of service 'db' lacks ordinal."
        in (refused.get_json()["error"]["message"])
    )
    added = admin.patch(
        "db/_schema/contact_info", json={"field": [{"name": "ordinal", "type": "integer"}]}
    )
    assert added.status_code == 200, added.get_json()
    response = upload(admin, address_book.build())
    assert response.status_code == 201, response.get_json()
    assert len(rows(admin, "contact_info")) == len(address_book.records()["contact_info"])


def test_rows_of_a_table_keyed_by_two_fields_are_matched_on_both(admin):
    table = {
        "name": "membership",
        "field": [
            {"name": "person", "type": "integer", "is_primary_key": True, "allow_null": False},
            {"name": "club", "type": "string", "size": 20, "is_primary_key": True},
            {"name": "since", "type": "integer"},
        ],
    }
    assert admin.post("db/_schema", json={"resource": [table]}).status_code in (200, 201)
    there = [
        {"person": 1, "club": "chess", "since": 2001},
        {"person": 2, "club": "o'hara", "since": 2002},
    ]
    assert admin.post("db/_table/membership", json={"resource": there}).status_code == 200
    package = [
        {"person": 1, "club": "chess", "since": 1999},  # there: kept as it is
        {"person": 1, "club": "o'hara", "since": 2010},  # new: the other field differs
        {"person": 2, "club": "o'hara", "since": 1999},  # there
        {"person": 2, "club": "go", "since": 2011},
    ]
    entries = address_book.entries(tables=[table], data={"membership": package})
    response = upload(admin, address_book.build(entries))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["package"] == {
        "tables_reused": ["db/membership"],
        "records_skipped": {"db/membership": 2},
    }
    found = admin.get("db/_table/membership", query_string={"order": "person,club"}).get_json()
    assert [(r["person"], r["club"], r["since"]) for r in found["resource"]] == [
        (1, "chess", 2001),
        (1, "o'hara", 2010),
        (2, "go", 2011),
        (2, "o'hara", 2002),
    ]

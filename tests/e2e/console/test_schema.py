"""The Schema screen: a table created with its fields, a field added, a virtual relationship set
and deleted, a field altered and dropped, the table dropped, all through the UI; every change
checked over HTTP on ``_schema``."""

from __future__ import annotations

import secrets

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import click, type_into, wait_for
from tests.e2e.console.conftest import text_of

pytestmark = pytest.mark.slow


def _fields(live, service: str, table: str) -> dict[str, dict] | None:
    found = live.api("GET", f"{service}/_schema/{table}")
    if found.status_code == 404:
        return None
    assert found.status_code == 200, found.text
    return {f["name"]: f for f in found.json()["field"]}


def test_create_a_table_add_alter_and_drop_fields_then_drop_it(console, live):
    service = f"shelf{secrets.token_hex(3)}"
    live.create(
        "system/service",
        {"name": service, "type": "sqlite", "config": {"database": f"{service}.sqlite"}},
    )
    console.get(f"{live.base}/admin/#/schema")
    click(console, f"a[href='#/schema/{service}']", "the new service among the databases", live)
    wait_for(console, lambda d: "no tables yet" in text_of(d), "the empty state", live)

    click(console, "#create-table", "create table", live)
    type_into(console, "input[name=name]", "book", "the table name", live)
    assert console.find_element(By.NAME, "field.0.name").get_attribute("value") == "id"
    click(console, "#add-table-field", "add a field", live)
    type_into(console, "input[name='field.1.name']", "title", "the second field's name", live)
    Select(console.find_element(By.NAME, "field.1.type")).select_by_value("string")
    type_into(console, "input[name='field.1.length']", "80", "its length", live)
    console.find_element(By.NAME, "field.1.allow_null").click()
    click(console, "#save-table", "create the table", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "drop-table"), "the new table", live)
    fields = _fields(live, service, "book")
    assert fields is not None and set(fields) == {"id", "title"}
    assert fields["id"]["is_primary_key"] and fields["id"]["auto_increment"]
    assert fields["title"]["length"] == 80 and fields["title"]["allow_null"] is False

    click(console, "#add-field", "add field", live)
    type_into(console, "input[name=name]", "rating", "the new field's name", live)
    Select(console.find_element(By.NAME, "type")).select_by_value("integer")
    type_into(console, "input[name=default]", "3", "its default", live)
    click(console, "#save-field", "save the field", live)
    wait_for(console, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-drop=rating]"), "it", live)
    rating = _fields(live, service, "book")["rating"]
    assert rating["type"] == "integer" and rating["default"] == "3"

    click(console, "#add-relation", "add a virtual relationship", live)
    Select(console.find_element(By.NAME, "type")).select_by_value("belongs_to")
    Select(console.find_element(By.NAME, "field")).select_by_value("rating")
    Select(console.find_element(By.NAME, "ref_table")).select_by_value("book")
    click(console, "#save-relation", "save it", live)
    wait_for(
        console,
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-drop-relation=book_by_rating]"),
        "the relationship listed",
        live,
    )
    related = live.api("GET", f"{service}/_schema/book/_related/book_by_rating").json()
    assert related["is_virtual"] is True and related["field"] == "rating"
    assert related["ref_table"] == "book" and related["ref_field"] == "id"
    click(console, "[data-drop-relation=book_by_rating]", "delete it", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(console, lambda d: "No relations" in text_of(d), "no relations left", live)
    gone = live.api("GET", f"{service}/_schema/book/_related/book_by_rating")
    assert gone.status_code == 404

    click(console, "[data-edit=title]", "edit title", live)
    type_into(console, "input[name=length]", "120", "a longer length", live)
    click(console, "#save-field", "save the change", live)
    wait_for(
        console,
        lambda d: _fields(live, service, "book")["title"]["length"] == 120,
        "the longer title",
        live,
    )

    click(console, "[data-drop=rating]", "drop rating", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(
        console, lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-drop=rating]"), "gone", live
    )
    assert set(_fields(live, service, "book")) == {"id", "title"}

    click(console, "#drop-table", "drop the table", live)
    click(console, "#confirm-cancel", "cancel first", live)
    assert _fields(live, service, "book") is not None
    click(console, "#drop-table", "drop the table", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "create-table"), "the table list", live)
    assert _fields(live, service, "book") is None

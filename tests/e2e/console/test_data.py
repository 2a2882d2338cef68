"""The Data screen on the seeded ``db`` service's ``contact`` table: browsed, sorted, filtered
with the builder, a row's related records; a record created, a refused value shown under its
field, the record edited and deleted; every result checked over HTTP."""

from __future__ import annotations

import secrets

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import click, type_into, wait_for
from tests.e2e.console.conftest import text_of

pytestmark = pytest.mark.slow


def _contacts(live, **params) -> list[dict]:
    found = live.api("GET", "db/_table/contact", params=params)
    assert found.status_code == 200, found.text
    return found.json()["resource"]


def _shown_ids(driver) -> list[str]:
    rows = driver.find_elements(By.CSS_SELECTOR, "table.records tbody tr[data-id]")
    return [row.get_attribute("data-id") for row in rows]


def test_browse_sort_filter_with_the_builder_and_expand_related(console, live):
    everyone = _contacts(live, include_count="true")
    console.get(f"{live.base}/admin/#/data")
    click(console, "a[href='#/data/db']", "the db service", live)
    click(console, "a[href='#/data/db/contact']", "the contact table", live)
    status = wait_for(
        console, lambda d: d.find_element(By.ID, "page-status").text, "the page status", live
    )
    assert status.endswith(f"of {len(everyone)}")
    assert _shown_ids(console) == [str(c["id"]) for c in everyone]

    click(console, "[data-sort=last_name]", "sort by last name", live)
    by_name = [str(c["id"]) for c in _contacts(live, order="last_name ASC")]
    wait_for(console, lambda d: _shown_ids(d) == by_name, "the rows by last name", live)
    click(console, "[data-sort=last_name]", "sort by last name, descending", live)
    wait_for(console, lambda d: _shown_ids(d) == by_name[::-1], "the rows reversed", live)

    Select(console.find_element(By.NAME, "builder-field")).select_by_value("first_name")
    Select(console.find_element(By.NAME, "builder-operator")).select_by_value("starts with")
    type_into(console, "input[name=builder-value]", "E", "the value", live)
    click(console, "#builder-add", "add the condition", live)
    assert console.find_element(By.NAME, "filter").get_attribute("value") == (
        "(first_name starts with 'E')"
    )
    click(console, "#apply-filter", "apply the filter", live)
    wanted = _contacts(live, filter="first_name like 'E%'", order="last_name DESC")
    assert wanted
    wait_for(
        console, lambda d: _shown_ids(d) == [str(c["id"]) for c in wanted], "filtered rows", live
    )
    assert "filter=" in console.current_url and "order=last_name" in console.current_url

    first = wanted[0]
    infos = live.api(
        "GET", "db/_table/contact_info", params={"filter": f"contact_id = {first['id']}"}
    ).json()["resource"]
    click(console, f"[data-related='{first['id']}']", "the row's related records", live)
    section = wait_for(
        console,
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-relation=contact_info_by_contact_id]"),
        "the related contact infos",
        live,
    )
    for info in infos:
        assert info["phone"] in section.text


def test_pages_come_from_the_server(console, live):
    surname = f"Pager{secrets.token_hex(3)}"
    staged = [{"first_name": f"P{n:02}", "last_name": surname} for n in range(12)]
    assert live.api("POST", "db/_table/contact", json={"resource": staged}).status_code == 200
    ids = [str(c["id"]) for c in _contacts(live, filter=f"last_name = '{surname}'")]
    try:
        console.get(f"{live.base}/admin/#/data/db/contact")
        type_into(console, "input[name=filter]", f"last_name = '{surname}'", "the filter", live)
        click(console, "#apply-filter", "apply it", live)
        wait_for(console, lambda d: _shown_ids(d) == ids, "all twelve on one page", live)
        Select(console.find_element(By.NAME, "limit")).select_by_value("10")
        wait_for(console, lambda d: _shown_ids(d) == ids[:10], "the first ten", live)
        assert console.find_element(By.ID, "page-status").text == "Records 1–10 of 12"
        click(console, "#next-page", "the next page", live)
        wait_for(console, lambda d: _shown_ids(d) == ids[10:], "the last two", live)
        assert console.find_element(By.ID, "page-status").text == "Records 11–12 of 12"
        assert not console.find_element(By.ID, "next-page").is_enabled()
        assert "offset=10" in console.current_url and "limit=10" in console.current_url
        click(console, "#previous-page", "back a page", live)
        wait_for(console, lambda d: _shown_ids(d) == ids[:10], "the first ten again", live)
    finally:
        live.api("DELETE", "db/_table/contact", params={"filter": f"last_name = '{surname}'"})


def test_create_edit_with_a_refused_value_and_delete_a_record(console, live):
    surname = f"Tester{secrets.token_hex(3)}"
    console.get(f"{live.base}/admin/#/data/db/contact")
    click(console, "#create-record", "new record", live)
    type_into(console, "tr.editing input[name=first_name]", "Ada", "the first name", live)
    type_into(console, "tr.editing input[name=last_name]", surname, "the last name", live)
    click(console, "tr.editing [data-save]", "create it", live)
    wait_for(console, lambda d: surname in text_of(d), "the new record in the list", live)
    [created] = _contacts(live, filter=f"last_name = '{surname}'")
    assert created["first_name"] == "Ada" and created["twitter"] is None

    type_into(console, "input[name=filter]", f"last_name = '{surname}'", "a typed filter", live)
    click(console, "#apply-filter", "apply it", live)
    wait_for(console, lambda d: _shown_ids(d) == [str(created["id"])], "just that record", live)

    click(console, f"[data-edit='{created['id']}']", "edit it", live)
    type_into(console, "tr.editing input[name=twitter]", "@" + "x" * 30, "a too long handle", live)
    click(console, "tr.editing [data-save]", "save", live)
    message = wait_for(
        console,
        lambda d: (
            d.find_element(
                By.XPATH, "//input[@name='twitter']/following-sibling::p[@class='field-error']"
            ).text
        ),
        "the field's error under it",
        live,
    )
    assert "twitter" in message and "too long" in message
    field = console.find_element(By.CSS_SELECTOR, "tr.editing input[name=twitter]")
    assert field.get_attribute("aria-invalid") == "true"
    assert _contacts(live, filter=f"last_name = '{surname}'")[0]["twitter"] is None
    console.allowed_errors.append("400")

    type_into(console, "tr.editing input[name=twitter]", "@ada", "a good handle", live)
    click(console, "tr.editing [data-save]", "save again", live)
    wait_for(console, lambda d: not d.find_elements(By.CSS_SELECTOR, "tr.editing"), "saved", live)
    assert _contacts(live, filter=f"last_name = '{surname}'")[0]["twitter"] == "@ada"

    click(console, f"[data-delete='{created['id']}']", "delete it", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(console, lambda d: "No record matches" in text_of(d), "the empty filter", live)
    assert _contacts(live, filter=f"last_name = '{surname}'") == []

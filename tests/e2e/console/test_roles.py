"""Roles in the console: a role with a record filter, then the "why" panel on two calls."""

from __future__ import annotations

import secrets

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.e2e.conftest import click, type_into, wait_for
from tests.e2e.console.conftest import fill_access_row

pytestmark = pytest.mark.slow


def _verdict(console, live) -> str:
    return wait_for(
        console,
        lambda d: d.find_element(By.CSS_SELECTOR, "#why-result .verdict").get_attribute(
            "data-allowed"
        ),
        "the why panel's answer",
        live,
    )


def _ask(console, live, verb: str, path: str) -> str:
    console.execute_script("document.getElementById('why-result').replaceChildren()")
    Select(console.find_element(By.CSS_SELECTOR, ".why select[name=verb]")).select_by_value(verb)
    type_into(console, ".why input[name=path]", path, "the path", live)
    click(console, "#why-ask", "explain", live)
    return _verdict(console, live)


def test_a_role_with_a_record_filter_and_why_calls_are_allowed(console, live):
    name = f"clerk{secrets.token_hex(3)}"
    db_id = live.service_id("db")
    console.get(f"{live.base}/admin/#/roles")
    click(console, "#create-role", "the create button", live)
    type_into(console, "input[name=name]", name, "the role's name", live)
    fill_access_row(console, live, "db", "_table/contact", "PATCH", ("id", ">", "1"))
    click(console, "#save-role", "create", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "delete-role"), "the saved role", live)

    found = live.api(
        "GET",
        "system/role",
        params={"filter": f"name='{name}'", "related": "role_service_access_by_role_id"},
    ).json()["resource"]
    assert len(found) == 1
    (row,) = found[0]["role_service_access_by_role_id"]
    assert (row["service_id"], row["component"]) == (db_id, "_table/contact")
    assert row["verb_mask"] == 1 | 8 and row["requestor_mask"] == 1
    assert row["filters"] == [{"name": "id", "operator": ">", "value": "1"}]
    assert row["filter_op"] == "AND"

    assert _ask(console, live, "PATCH", "db/_table/contact") == "true"
    deciding = console.find_elements(By.CSS_SELECTOR, ".access-row.deciding")
    assert len(deciding) == 1
    assert "id > 1" in console.find_element(By.ID, "why-result").text
    assert _ask(console, live, "DELETE", "db/_table/contact") == "false"
    assert "DELETE" in console.find_element(By.CSS_SELECTOR, ".why-reason").text

    # the same answers, asked of the server directly
    explained = live.api(
        "GET",
        "system/access",
        params={"role_id": found[0]["id"], "verb": "DELETE", "path": "db/_table/contact"},
    ).json()
    assert explained["allowed"] is False and explained["access"]["id"] == row["id"]

"""Services in the console: create, open, edit, test, delete; forms from config schemas."""

from __future__ import annotations

import secrets

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.conftest import click, type_into, wait_for
from tests.e2e.console.conftest import text_of

pytestmark = pytest.mark.slow


def _open_create_form(console, live, type_name: str) -> None:
    console.get(f"{live.base}/admin/#/services")
    click(console, "#create-service", "the create button", live)
    click(console, f"a[data-type='{type_name}']", f"the {type_name} card", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "save-service"), "the service form", live)


def _service(live, name: str) -> dict | None:
    found = live.api("GET", "system/service", params={"filter": f"name='{name}'"}).json()[
        "resource"
    ]
    return found[0] if found else None


def test_create_edit_test_and_delete_a_sqlite_service(console, live):
    name = f"books{secrets.token_hex(3)}"
    _open_create_form(console, live, "sqlite")
    type_into(console, "input[name=name]", name, "the name", live)
    type_into(console, "input[name=label]", "Books", "the label", live)
    type_into(console, "input[name='config.database']", f"{name}.sqlite", "the database file", live)
    console.find_element(By.ID, "save-service").click()
    wait_for(console, lambda d: d.find_elements(By.ID, "delete-service"), "the saved service", live)
    created = _service(live, name)
    assert created and created["type"] == "sqlite" and created["label"] == "Books"
    assert created["config"]["database"] == f"{name}.sqlite"

    type_into(console, "input[name=label]", "Book shelf", "the label", live)
    click(console, "#save-service", "save", live)
    wait_for(
        console, lambda d: _service(live, name)["label"] == "Book shelf", "the edit saved", live
    )

    click(console, "#test-service", "test", live)
    wait_for(
        console,
        lambda d: "answers" in d.find_element(By.ID, "toasts").text,
        "the test result",
        live,
    )

    console.get(f"{live.base}/admin/#/services")
    wait_for(console, lambda d: name in text_of(d), "the new service in the list", live)
    click(console, f"a[href='#/services/{created['id']}']", "the service in the list", live)
    click(console, "#delete-service", "delete", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(
        console, lambda d: d.find_elements(By.ID, "create-service"), "the list after deleting", live
    )
    assert _service(live, name) is None


def test_a_refused_service_shows_the_field_in_error(console, live):
    _open_create_form(console, live, "sqlite")
    type_into(console, "input[name=name]", "db", "a name that is taken", live)
    console.find_element(By.ID, "save-service").click()
    alert = wait_for(
        console, lambda d: d.find_element(By.CSS_SELECTOR, "[role=alert]").text, "the error", live
    )
    assert alert
    errors = wait_for(
        console, lambda d: d.find_elements(By.CSS_SELECTOR, ".field-error"), "field errors", live
    )
    assert any(e.text for e in errors)
    console.allowed_errors.append("400")


def test_cancelling_a_delete_keeps_the_service(console, live):
    console.get(f"{live.base}/admin/#/services/{live.service_id('files')}")
    click(console, "#delete-service", "delete", live)
    click(console, "#confirm-cancel", "cancel", live)
    assert _service(live, "files") is not None


def test_every_service_type_opens_its_form(console, live):
    types = live.api("GET", "system/service_type").json()["resource"]
    for kind in (t["name"] for t in types if not t["singleton"]):
        console.get(f"{live.base}/admin/#/services/new?type={kind}")
        wait_for(
            console, lambda d: d.find_elements(By.ID, "save-service"), f"the {kind} form", live
        )
        for entry in next(t for t in types if t["name"] == kind)["config_schema"]:
            assert console.find_elements(By.CSS_SELECTOR, f"[name='config.{entry['name']}']"), (
                kind,
                entry["name"],
            )

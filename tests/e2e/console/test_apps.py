"""Apps in the console: create one with a default role, copy and regenerate its API key."""

from __future__ import annotations

import secrets

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.e2e.conftest import click, type_into, wait_for
from tests.test_quickstart import REQUEST_TIMEOUT

pytestmark = pytest.mark.slow


def _app(live, name: str) -> dict:
    found = live.api(
        "GET", "system/app", params={"filter": f"name='{name}'", "fields": "*"}
    ).json()["resource"]
    assert len(found) == 1, found
    return found[0]


def test_create_an_app_then_copy_and_regenerate_its_key(console, live):
    role_id = live.reader_role(f"readers{secrets.token_hex(3)}", ("db", "_table/*"))
    name = f"kiosk{secrets.token_hex(3)}"
    console.get(f"{live.base}/admin/#/apps")
    click(console, "#create-app", "the create button", live)
    type_into(console, "input[name=name]", name, "the app's name", live)
    Select(console.find_element(By.CSS_SELECTOR, "select[name=role_id]")).select_by_value(
        str(role_id)
    )
    Select(console.find_element(By.CSS_SELECTOR, "select[name=type]")).select_by_value("2")
    type_into(console, "input[name=url]", "https://example.com/kiosk", "the URL", live)
    click(console, "#save-app", "create", live)
    key_field = wait_for(console, lambda d: d.find_element(By.ID, "api-key"), "the key", live)

    created = _app(live, name)
    assert created["type"] == 2 and created["role_id"] == role_id
    assert created["url"] == "https://example.com/kiosk"
    assert key_field.get_attribute("value") == created["api_key"]
    launch = console.find_element(By.ID, "launch-app")
    assert launch.get_attribute("href") == "https://example.com/kiosk"

    click(console, "#copy-key", "copy", live)
    wait_for(
        console,
        lambda d: any(w in d.find_element(By.ID, "toasts").text for w in ("copied", "selected")),
        "the copy confirmed",
        live,
    )
    selected = console.execute_script(
        "const k = document.getElementById('api-key');"
        "return [k.selectionStart, k.selectionEnd, k.value.length]"
    )
    assert selected[0] == 0 and selected[1] == selected[2] == len(created["api_key"])

    click(console, "#regenerate-key", "regenerate", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(
        console,
        lambda d: d.find_element(By.ID, "api-key").get_attribute("value") != created["api_key"],
        "the new key shown",
        live,
    )
    renewed = _app(live, name)
    assert renewed["api_key"] != created["api_key"]
    assert console.find_element(By.ID, "api-key").get_attribute("value") == renewed["api_key"]
    assert _read_with(live, renewed["api_key"]) == 200
    assert _read_with(live, created["api_key"]) == 400  # an unknown key: no credentials


def _read_with(live, key: str) -> int:
    """The status of a read of ``db`` with only this API key (no admin session)."""
    url = f"{live.base}/api/v2/db/_table/contact"
    headers = {"X-DreamFactory-API-Key": key}
    return requests.get(
        url, headers=headers, params={"limit": 1}, timeout=REQUEST_TIMEOUT
    ).status_code


def test_an_app_lets_ai_agents_in_through_mcp_and_says_where(console, live):
    name = f"agent{secrets.token_hex(3)}"
    console.get(f"{live.base}/admin/#/apps")
    click(console, "#create-app", "the create button", live)
    type_into(console, "input[name=name]", name, "the app's name", live)
    allow = console.find_element(By.CSS_SELECTOR, "input[name=allow_mcp]")
    assert not allow.is_selected()  # off unless an admin says so
    hint = allow.find_element(By.XPATH, "..").text
    assert f"{live.base}/mcp" in hint and "X-DreamFactory-API-Key" in hint
    allow.click()
    click(console, "#save-app", "create", live)
    wait_for(console, lambda d: d.find_element(By.ID, "api-key"), "the key", live)
    assert _app(live, name)["allow_mcp"] is True

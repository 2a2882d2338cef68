"""Issue #5's docs story in a real browser: open ``/docs``, sign in, try a call, see real data.

Chromium loads the page (Swagger UI served by us), signs in through the page's
own form (an admin login, or an app's API key pasted in), picks the ``db``
service's live document, expands ``GET /_table/todo``, presses "Try it out",
fills ``filter`` and "Execute", and the response panel must show 200 with the
row the test wrote through the API just before.
"""

from __future__ import annotations

import json
import secrets
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Live, click, type_into, wait_for

pytestmark = pytest.mark.slow

OPERATION = "#operations-todo-getTableTodo"
"""Swagger UI's block for ``GET /_table/todo`` (tag ``todo``, operationId ``getTableTodo``)."""


def _reader_key(live: Live) -> str:
    """The API key of a new app whose role may only read the docs and ``db`` tables."""
    suffix = secrets.token_hex(3)
    role_id = live.reader_role(f"docs_reader_{suffix}", ("api_docs", "*"), ("db", "_table/*"))
    app = {"name": f"docs_{suffix}", "type": 0, "is_active": True, "role_id": role_id}
    return live.create("system/app", app)["api_key"]


def _log_in_as_admin(browser, live: Live) -> None:
    browser.find_element(By.ID, "email").send_keys(ADMIN_EMAIL)
    browser.find_element(By.ID, "password").send_keys(ADMIN_PASSWORD)
    browser.find_element(By.ID, "as-admin").click()
    browser.find_element(By.ID, "login").click()
    wait_for(
        browser,
        lambda d: d.find_element(By.ID, "session-token").get_attribute("value"),
        "the page to log in",
        live,
    )
    assert browser.find_element(By.ID, "password").get_attribute("value") == ""


def _paste_api_key(browser, live: Live) -> None:
    browser.find_element(By.ID, "api-key").send_keys(_reader_key(live))
    browser.find_element(By.ID, "load").click()


@pytest.mark.parametrize("sign_in", [_log_in_as_admin, _paste_api_key], ids=["login", "api_key"])
def test_try_a_call_from_the_docs_page(live, browser, sign_in):
    name = f"docs todo {secrets.token_hex(4)}"
    condition = f"name = '{name}'"
    added = live.api("POST", "db/_table/todo", json={"resource": [{"name": name}]})
    assert added.status_code == 200, added.text

    browser.get(f"{live.base}/docs?service=db")
    wait_for(
        browser,
        lambda d: d.find_element(By.ID, "message").text.startswith("Paste an API key"),
        "the page to ask for credentials",
        live,
    )
    sign_in(browser, live)

    click(browser, f"{OPERATION} .opblock-summary-control", "GET /_table/todo of db", live)
    assert "/_table/todo" in browser.find_element(By.CSS_SELECTOR, OPERATION).text
    click(browser, f"{OPERATION} .try-out__btn", "Try it out", live)
    field = f'{OPERATION} tr[data-param-name="filter"] input'
    type_into(browser, field, condition, "the filter parameter", live)
    click(browser, f"{OPERATION} button.execute", "Execute", live)

    status = wait_for(
        browser,
        lambda d: d.find_elements(
            By.CSS_SELECTOR, f"{OPERATION} .live-responses-table .response .response-col_status"
        ),
        "the response panel",
        live,
    )[0]
    assert status.text.strip() == "200"
    request_url = browser.find_element(By.CSS_SELECTOR, f"{OPERATION} .request-url pre").text
    assert request_url == f"{live.base}/api/v2/db/_table/todo?filter={quote(condition)}"
    body = browser.find_element(
        By.CSS_SELECTOR, f"{OPERATION} .live-responses-table .response-col_description pre"
    ).text
    assert json.loads(body) == {
        "resource": [{"id": added.json()["resource"][0]["id"], "name": name, "complete": False}]
    }

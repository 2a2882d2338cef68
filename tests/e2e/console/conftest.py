"""The admin console in a real browser: signed in through its own form, checked for console errors.

Screens are driven through the UI only; the stage (records a screen shows) may
be set over HTTP with ``live.api``. Every test ends by asserting the browser
logged no error beyond those it expects (a refused call the test provoked),
and saves a screenshot under the test's temp folder (``pytest --basetemp``
keeps them as artefacts).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Live, click, type_into, wait_for


def sign_in(driver, live: Live, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> None:
    """Sign in on the page shown (the console's sign-in form) and wait for the shell."""
    type_into(driver, "input[name=email]", email, "the e-mail field", live)
    type_into(driver, "input[name=password]", password, "the password field", live)
    driver.find_element(By.ID, "sign-in").click()
    wait_for(
        driver, lambda d: d.find_elements(By.ID, "sign-out"), "the console after signing in", live
    )


def browser_errors(driver, allowed: tuple[str, ...] = ()) -> list[str]:
    """The browser's SEVERE log lines, less those containing one of ``allowed``."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and not any(a in entry["message"] for a in allowed)
    ]


@pytest.fixture
def console(live, browser, tmp_path) -> Iterator:
    """The browser on ``/admin/``, signed in as the admin; fails on any browser error."""
    browser.get(f"{live.base}/admin/")
    sign_in(browser, live)
    browser.allowed_errors = []
    yield browser
    browser.save_screenshot(str(tmp_path / "console.png"))
    assert browser_errors(browser, tuple(browser.allowed_errors)) == []


def text_of(driver) -> str:
    return driver.execute_script("return document.body.innerText")


AXE = Path(__file__).resolve().parents[2] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core, installed by scripts/test from tests/a11y/package-lock.json (not served by the app)."""


def axe_violations(driver) -> list[str]:
    """What axe-core finds against WCAG 2 A and AA on the page shown: rule, impact, elements."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: scripts/test installs it (npm ci in tests/a11y)")
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => [v.id, v.impact, v.help,"
        " v.nodes.slice(0, 3).map(n => n.target.join(' '))])),"
        " e => done([['axe', 'error', String(e), []]]));"
    )
    return [
        f"{rule} ({impact}): {help_text} at {targets}"
        for rule, impact, help_text, targets in result
    ]


def fill_access_row(
    driver, live: Live, service: str, component: str, verb: str, record_filter: tuple[str, ...]
) -> None:
    """On the role form: one service access row for ``service`` (its name) and ``component``,
    GET and ``verb``, through the API, with one record filter ``(field, operator, value)``."""
    click(driver, "#add-access", "add service access", live)
    picker = wait_for(
        driver,
        lambda d: d.find_element(By.CSS_SELECTOR, ".access-row select[name$='.service_id']"),
        "the access row",
        live,
    )
    Select(picker).select_by_visible_text(service)
    type_into(driver, ".access-row input.component", component, "the component", live)
    driver.find_element(By.CSS_SELECTOR, f".access-row input[name$='.verb.{verb}']").click()
    driver.find_element(By.CSS_SELECTOR, ".access-row details.filters summary").click()
    click(driver, ".access-row details.filters button.small:not(.remove-row)", "add filter", live)
    name, operator, value = record_filter
    type_into(driver, ".row.filter input[name$='.name']", name, "the filter's field", live)
    Select(
        driver.find_element(By.CSS_SELECTOR, ".row.filter select[name$='.operator']")
    ).select_by_value(operator)
    type_into(driver, ".row.filter input[name$='.value']", value, "the filter's value", live)

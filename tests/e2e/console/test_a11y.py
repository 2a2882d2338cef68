"""Every console screen passes axe-core's WCAG 2 A/AA checks (labels, names, contrast, structure),
and the navigation works from the keyboard alone."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.e2e.conftest import wait_for
from tests.e2e.console.conftest import axe_violations

pytestmark = pytest.mark.slow

SCREENS = {
    "home": ".cards",
    "services": "#create-service",
    "services/new": "a[data-type=sqlite]",
    "services/new?type=pgsql": "#save-service",
    "scripts": "a[href='#/scripts/service/db']",
    "scripts/edit/db._table.todo.post.pre_process": "#save-script",
    "scheduler": "#create-task",
    "scheduler/new": "#save-task",
    "schema/db": "#create-table",
    "schema/db/contact": "#add-field",
    "data/db/contact": "#create-record",
    "roles": "#create-role",
    "roles/new": "#save-role",
    "apps": "#create-app",
    "apps/new": "#save-app",
    "users": "#create-user",
    "users/new": "#save-user",
    "users/new?kind=admins": "#save-user",
    "files/files": "#create-folder",
    "settings/cors": "#create-cors",
    "settings/limits": "#create-limits",
    "settings/packages": "#export-package",
    "settings/system": "#flush-all",
    "profile": "#save-profile",
}
"""Route → an element that shows the screen has rendered."""


def test_sign_in_screen(live, browser):
    browser.get(f"{live.base}/admin/")
    wait_for(browser, lambda d: d.find_elements(By.ID, "sign-in"), "the sign-in form", live)
    assert axe_violations(browser) == []


def test_every_screen(console, live):
    failures = {}
    for route, ready in SCREENS.items():
        console.get(f"{live.base}/admin/#/{route}")
        wait_for(console, lambda d, r=ready: d.find_elements(By.CSS_SELECTOR, r), route, live)
        found = axe_violations(console)
        if found:
            failures[route] = found
    assert failures == {}


def test_the_navigation_works_from_the_keyboard(console, live):
    wait_for(console, lambda d: d.find_elements(By.CSS_SELECTOR, ".cards"), "home", live)
    link = console.find_element(By.CSS_SELECTOR, "nav a[href='#/services']")
    console.execute_script("arguments[0].focus()", link)
    link.send_keys(Keys.ENTER)
    wait_for(
        console, lambda d: d.find_elements(By.ID, "create-service"), "services by keyboard", live
    )
    first_row = console.find_element(By.CSS_SELECTOR, "table.grid tr.link")
    console.execute_script("arguments[0].focus()", first_row)
    first_row.send_keys(Keys.ENTER)
    wait_for(
        console,
        lambda d: (
            d.find_elements(By.ID, "save-service")
            or d.find_elements(By.CSS_SELECTOR, ".form-actions")
        ),
        "a service opened by keyboard",
        live,
    )

"""Profile in the console: edit the profile, change the password (the session goes on),
sign out, and sign in with the new password."""

from __future__ import annotations

import secrets

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.e2e.conftest import click, type_into, wait_for
from tests.e2e.console.conftest import browser_errors, sign_in, text_of
from tests.test_quickstart import REQUEST_TIMEOUT

pytestmark = pytest.mark.slow


def _session(live, email: str, password: str) -> int:
    return requests.post(
        f"{live.base}/api/v2/system/admin/session",
        json={"email": email, "password": password},
        timeout=REQUEST_TIMEOUT,
    ).status_code


def test_edit_the_profile_change_the_password_and_sign_in_with_it(live, browser):
    email = f"admin-{secrets.token_hex(4)}@example.com"
    old, new = "old-password-0123456789", "new-password-9876543210"
    admin = live.create("system/admin", {"email": email, "password": old, "name": "Second"})
    browser.get(f"{live.base}/admin/#/profile")
    sign_in(browser, live, email, old)

    type_into(browser, "input[name=first_name]", "Ada", "the first name", live)
    click(browser, "#save-profile", "save the profile", live)
    wait_for(browser, lambda d: "Saved your profile" in text_of(d), "the profile saved", live)
    assert live.api("GET", f"system/admin/{admin['id']}").json()["first_name"] == "Ada"

    type_into(browser, "input[name=old_password]", old, "the current password", live)
    type_into(browser, "input[name=new_password]", new, "the new password", live)
    type_into(browser, "input[name=confirm_password]", new, "the new password again", live)
    click(browser, "#change-password", "change the password", live)
    wait_for(browser, lambda d: "Changed your password" in text_of(d), "the change", live)
    assert _session(live, email, old) == 401
    assert _session(live, email, new) == 200

    browser.get(f"{live.base}/admin/#/services")  # the session goes on with its new token
    wait_for(browser, lambda d: d.find_elements(By.ID, "create-service"), "services", live)

    browser.get(f"{live.base}/admin/#/profile")
    click(browser, "#profile-sign-out", "sign out", live)
    wait_for(browser, lambda d: d.find_elements(By.ID, "sign-in"), "the sign-in form", live)
    sign_in(browser, live, email, new)
    wait_for(browser, lambda d: d.find_elements(By.ID, "change-password"), "the profile", live)
    shown = browser.find_element(By.CSS_SELECTOR, "input[name=email]").get_attribute("value")
    assert (shown, "Second (admin)" in text_of(browser)) == (email, True)
    assert browser_errors(browser) == []

"""The console's shell: served by the app, sign-in and out, the place kept when a session ends."""

from __future__ import annotations

import secrets

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.e2e.conftest import ADMIN_EMAIL, click, type_into, wait_for
from tests.e2e.console.conftest import browser_errors, sign_in, text_of
from tests.test_quickstart import REQUEST_TIMEOUT

pytestmark = pytest.mark.slow


def test_page_and_modules_are_served_with_a_strict_policy(live):
    page = requests.get(f"{live.base}/admin/", timeout=REQUEST_TIMEOUT)
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert '<meta name="df-api-key" content="6498a8ad' in page.text
    module = requests.get(f"{live.base}/admin/assets/main.js", timeout=REQUEST_TIMEOUT)
    assert module.status_code == 200
    assert module.headers["Content-Type"].startswith(("text/javascript", "application/javascript"))
    again = requests.get(
        f"{live.base}/admin/assets/main.js",
        headers={"If-None-Match": module.headers["ETag"]},
        timeout=REQUEST_TIMEOUT,
    )
    assert again.status_code == 304
    for name in ("../wsgi.py", "../../wsgi.py", "console.html"):
        assert (
            requests.get(f"{live.base}/admin/assets/{name}", timeout=REQUEST_TIMEOUT).status_code
            == 404
        )
    manager = requests.get(f"{live.base}/file_manager/", timeout=REQUEST_TIMEOUT)
    assert '<meta name="df-start" content="files">' in manager.text


def test_wrong_password_is_shown_in_place(live, browser):
    browser.get(f"{live.base}/admin/")
    type_into(browser, "input[name=email]", ADMIN_EMAIL, "the e-mail field", live)
    type_into(browser, "input[name=password]", "not the password", "the password field", live)
    browser.find_element(By.ID, "sign-in").click()
    alert = wait_for(
        browser, lambda d: d.find_element(By.CSS_SELECTOR, "[role=alert]").text, "the error", live
    )
    assert "Invalid credentials" in alert or "password" in alert.lower()
    assert browser.find_element(By.NAME, "password").get_attribute("value") == ""
    assert browser_errors(browser, ("401",)) == []


def test_sign_in_from_the_launchpad_and_out(live, browser):
    browser.get(f"{live.base}/")
    click(browser, "#admin-console", "the console's link on the launchpad", live)
    sign_in(browser, live)
    assert "Services" in text_of(browser)
    token = browser.execute_script("return sessionStorage.getItem('df.session_token')")
    assert token and not browser.get_cookies()
    browser.find_element(By.ID, "sign-out").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "sign-in"), "the sign-in form", live)
    assert browser.execute_script("return sessionStorage.getItem('df.session_token')") is None
    refused = requests.get(
        f"{live.base}/api/v2/system/service",
        headers={"X-DreamFactory-Session-Token": token},
        timeout=REQUEST_TIMEOUT,
    )
    assert refused.status_code == 403
    assert "blacklisted" in refused.json()["error"]["message"]
    assert browser_errors(browser) == []


def test_an_ended_session_returns_to_the_same_place(live, browser):
    browser.get(f"{live.base}/admin/#/services")
    sign_in(browser, live)
    wait_for(browser, lambda d: d.find_elements(By.ID, "create-service"), "the services list", live)
    browser.execute_script("sessionStorage.setItem('df.session_token', 'expired-token')")
    place = f"#/services/{live.service_id('files')}"
    browser.execute_script(f"location.hash = '{place}'")
    notice = wait_for(
        browser, lambda d: d.find_element(By.CSS_SELECTOR, ".notice").text, "the notice", live
    )
    assert "session has ended" in notice
    sign_in(browser, live)
    wait_for(
        browser, lambda d: d.find_elements(By.ID, "delete-service"), "the service page again", live
    )
    assert browser.current_url.endswith(place)
    assert browser_errors(browser, ("401",)) == []


def test_a_user_who_is_not_an_admin_is_told_so(live, browser):
    email = f"console-user-{secrets.token_hex(3)}@example.com"
    password = "console-user-password-0123"  # noqa: S105
    live.create("system/user", {"email": email, "password": password, "is_active": True})
    browser.get(f"{live.base}/admin/")
    sign_in(browser, live, email, password)
    assert "Admins only" in text_of(browser)
    assert browser.find_elements(By.CSS_SELECTOR, "nav") == []
    assert browser_errors(browser, ("401",)) == []

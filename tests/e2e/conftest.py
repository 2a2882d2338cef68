"""A real server and a real browser: ``scripts/serve`` under gunicorn, driven by Debian's chromium.

The server is the one a new user starts (``tests.test_quickstart.serving``:
embedded SQLite store, instance and storage in a temp dir, a free loopback
port), once per test process. The browser is ``/usr/bin/chromium`` in headless
mode through ``/usr/bin/chromedriver`` (WebDriver, via selenium), with a fresh
profile per test; nothing is ever downloaded. Without chromium the tests skip
with the reason, except under CI (``CI=true``), where they fail instead.

Waits are bounded polls on DOM conditions (``wait_for``), never sleeps, and a
wait that runs out fails with what the page showed and what the server logged.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests import dbservers
from tests.test_quickstart import REQUEST_TIMEOUT, Server, serving

CHROMIUM = "/usr/bin/chromium"
"""Debian's chromium (package ``chromium``, listed in scripts/test)."""
CHROMEDRIVER = "/usr/bin/chromedriver"
"""Its WebDriver server (package ``chromium-driver``)."""
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1024",
)
"""Flags that make chromium run headless as root in a container, quietly and offline."""
WAIT_SECONDS = 60
"""Longest wait for a DOM condition (generous: two cores are shared by many processes)."""
RETRIED = (NoSuchElementException, StaleElementReferenceException, ElementClickInterceptedException)
"""What a wait polls through: an element not there yet, re-rendered, or still covered."""

ADMIN_EMAIL = "e2e-admin@example.com"
ADMIN_PASSWORD = "e2e-admin-password-0123456789"  # noqa: S105


@dataclass
class Live:
    """The running server and an admin session on it, for setting the stage over HTTP."""

    server: Server
    token: str
    store: Path | None = None
    """The server's state folder (``instance/``, ``storage/``), for commands run beside it."""

    @property
    def base(self) -> str:
        return self.server.base

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call ``/api/v2/{path}`` as the admin (a trailing slash, naming a folder, is kept)."""
        headers = {"X-DreamFactory-Session-Token": self.token, **kwargs.pop("headers", {})}
        url = f"{self.base}/api/v2/{path}"
        return requests.request(method, url, headers=headers, timeout=REQUEST_TIMEOUT, **kwargs)

    def create(self, path: str, record: dict[str, Any]) -> dict[str, Any]:
        """POST one record to a ``system`` resource; return it with all its fields."""
        created = self.api("POST", path, params={"fields": "*"}, json={"resource": [record]})
        assert created.status_code == 201, created.text
        return created.json()["resource"][0]

    def service_id(self, name: str) -> int:
        found = self.api("GET", "system/service", params={"filter": f"name='{name}'"})
        assert found.status_code == 200, found.text
        return found.json()["resource"][0]["id"]

    def reader_role(self, name: str, *grants: tuple[str, str]) -> int:
        """A role that may GET each ``(service, component)`` through the API; returns its id."""
        accesses = [
            {"service_id": self.service_id(s), "component": c, "verb_mask": 1, "requestor_mask": 1}
            for s, c in grants
        ]
        role = {"name": name, "is_active": True, "role_service_access_by_role_id": accesses}
        return self.create("system/role", role)["id"]


@pytest.fixture(scope="session")
def live(tmp_path_factory) -> Iterator[Live]:
    """``scripts/serve`` on a free port with a known admin, logged in (only with a browser)."""
    _require_chromium()
    store = tmp_path_factory.mktemp("e2e-server")
    with serving(store, DF_ADMIN_EMAIL=ADMIN_EMAIL, DF_ADMIN_PASSWORD=ADMIN_PASSWORD) as server:
        session = requests.post(
            server.url("system/admin/session"),
            json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
            timeout=REQUEST_TIMEOUT,
        )
        assert session.status_code == 200, session.text
        yield Live(server, session.json()["session_token"], store)


def _require_chromium() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if not missing:
        return
    message = (
        f"{' and '.join(missing)} missing: install Debian's chromium and chromium-driver "
        "(scripts/test does, as root)"
    )
    if dbservers.in_ci():
        pytest.fail(message + " (CI=true: the browser is required)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def browser(tmp_path) -> Iterator[webdriver.Chrome]:
    """A headless chromium with a fresh profile, quit after the test."""
    _require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = ChromeService(executable_path=CHROMEDRIVER, log_output=os.devnull)
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        pytest.fail(f"chromium did not start: {exc.msg}", pytrace=False)
    driver.set_page_load_timeout(WAIT_SECONDS)
    driver.set_script_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(
    driver: webdriver.Chrome, condition: Callable[[webdriver.Chrome], Any], what: str, live: Live
) -> Any:
    """Poll ``condition`` until it returns something truthy (returned); fail with the evidence."""
    waiting = WebDriverWait(driver, WAIT_SECONDS, poll_frequency=0.1, ignored_exceptions=RETRIED)
    try:
        return waiting.until(condition)
    except TimeoutException:
        pass
    console = "\n".join(
        f"{entry['level']}: {entry['message']}" for entry in driver.get_log("browser")
    )
    body = driver.execute_script("return document.body ? document.body.innerText : ''")
    pytest.fail(
        f"timed out waiting for {what} at {driver.current_url}\n"
        f"--- page text ---\n{body}\n--- browser console ---\n{console}\n"
        f"--- server output (last lines) ---\n{live.server.output[-4000:]}",
        pytrace=False,
    )


def open_from_launchpad(driver: webdriver.Chrome, live: Live, name: str, url: str) -> str:
    """Follow the launchpad's link to app ``name`` (which must lead to ``url``); once the page
    sets ``data-state`` on its ``#status``, return that state."""
    driver.get(f"{live.base}/")
    link = wait_for(
        driver, lambda d: d.find_elements(By.LINK_TEXT, name), "the app on the launchpad", live
    )[0]
    assert link.get_attribute("href") == url
    link.click()
    return wait_for(
        driver,
        lambda d: d.find_element(By.ID, "status").get_attribute("data-state"),
        "the app to load its data",
        live,
    )


def click(driver: webdriver.Chrome, selector: str, what: str, live: Live) -> None:
    """Click the element at CSS ``selector`` once it is there and clickable (React re-renders)."""
    wait_for(
        driver, lambda d: d.find_element(By.CSS_SELECTOR, selector).click() or True, what, live
    )


def type_into(driver: webdriver.Chrome, selector: str, text: str, what: str, live: Live) -> None:
    """Type ``text`` into the input at CSS ``selector`` once it is there; done when it holds it."""

    def typed(d: webdriver.Chrome) -> bool:
        field = d.find_element(By.CSS_SELECTOR, selector)
        if field.get_attribute("value") != text:
            field.clear()
            field.send_keys(text)
        return field.get_attribute("value") == text

    wait_for(driver, typed, what, live)

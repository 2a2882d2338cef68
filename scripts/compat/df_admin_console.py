#!/usr/bin/env python3
"""DreamFactory's own admin console against this server: issue 15's flows, walked in Chromium.

A compatibility check run by hand, not part of the test suite: it needs a build of
DreamFactory's admin console (``dreamfactorysoftware/df-admin-interface``, Angular), which needs
the npm registry. Build it once, outside this repository (commit 2eb31317 was used):

    git clone https://github.com/dreamfactorysoftware/df-admin-interface /work/dfconsole-src
    cd /work/dfconsole-src && npm ci --ignore-scripts
    # Font inlining fetches from the internet: in angular.json's production configuration set
    #   "optimization": {"scripts": true, "styles": {"minify": true, "inlineCritical": true},
    #                    "fonts": false}
    mv dist dist.prebuilt     # the repository ships a build; keep it beside yours
    NG_BUILD_LEGACY_SASS=1 NG_BUILD_MAX_WORKERS=1 npx ng build   # writes dist/, minutes

(``NG_BUILD_LEGACY_SASS=1 NG_BUILD_MAX_WORKERS=1`` avoid Angular CLI 16's parallel Sass
importer race, "Can't find stylesheet to import".) At 2eb31317 the console's lockfile installs
React 17 while its Swagger UI 5.32 calls React 18's ``createRoot``, so its API docs page stays
empty ("o is not a function" in the browser console) whatever the server answers; for that page
run ``npm install --no-save --ignore-scripts react@18.3.1 react-dom@18.3.1`` before building
(the repository's prebuilt dist/ renders it too). Then, from this repository, with Debian's
``chromium`` and ``chromium-driver`` installed:

    .venv/bin/python scripts/compat/df_admin_console.py /work/dfconsole-src/dist --out /tmp/dfc

It starts ``scripts/serve`` as the e2e tests do (a free port, a fresh instance and storage in a
temporary folder, a known admin), publishes the build at ``/dreamfactory/dist/`` (the console's
base href, on the API's origin) from the public folder ``dist/`` of a ``local_file`` service
named ``dreamfactory``, and drives the console headless, screen by screen, as its user would:
log in; create, open, edit and delete a database, a scripted and a file service; create a user
without typing a username; create a scheduled task, run the scheduler once and read the task's
log; render the API docs page; then open the other screens (``SCREENS``), each of which passes
when it shows without an API error or a redirect. Each flow checks its effect through the API
too. In ``--out`` it
writes a screenshot per step and ``report.json``: per flow, passed or the error, and every
``/api/v2`` call the console made with its status (from Chromium's DevTools performance log).
It prints a summary and exits 1 when a flow failed. ``--keep`` leaves the server running
after the walk (its address is printed) for a look by hand; Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from tests.test_quickstart import REQUEST_TIMEOUT, Server, serving  # noqa: E402

ADMIN_EMAIL = "console-admin@example.com"
ADMIN_PASSWORD = "console-admin-password-0123"  # noqa: S105 - a throwaway instance's admin
WAIT_SECONDS = 60
"""Longest wait for a screen to show something (two shared cores build slow pages)."""
RETRIED = (
    NoSuchElementException,
    StaleElementReferenceException,
    ElementClickInterceptedException,
    ElementNotInteractableException,
)
EXPECTED_AT_LOGIN = {("POST", "user/session", 401), ("GET", "system/lookup", 400)}
"""Calls the console makes that fail by design, as on DreamFactory: an admin's login tries the
user service first, and before it the console reads a lookup with its app key alone (no role)."""


class FlowError(AssertionError):
    """A flow did not reach what it checks; the message says what the screen or API showed."""


@dataclass
class Call:
    """One ``/api/v2`` request; a failed one keeps what was sent and what came back."""

    method: str
    path: str
    status: int | None
    sent: str | None = None
    answer: str | None = None


@dataclass
class Flow:
    name: str
    passed: bool = False
    error: str | None = None
    calls: list[Call] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)

    @property
    def unexpected(self) -> list[Call]:
        expected = EXPECTED_AT_LOGIN if self.name == "login" else set()
        return [
            c
            for c in self.calls
            if c.status is not None
            and c.status >= 400
            and (c.method, c.path.split("?", 1)[0], c.status) not in expected
        ]


class Console:
    """The browser on the console, the API beside it, and the record of each flow's calls."""

    def __init__(self, server: Server, store: Path, driver: webdriver.Chrome, out: Path) -> None:
        self.server = server
        self.store = store
        self.driver = driver
        self.out = out
        self.flow: Flow | None = None
        self.pending: dict[str, tuple[str, str]] = {}
        session = requests.post(
            server.url("system/admin/session"),
            json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
            timeout=REQUEST_TIMEOUT,
        )
        session.raise_for_status()
        self.token = session.json()["session_token"]

    # --- the API, to set the stage and check effects ---------------------------------------

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-DreamFactory-Session-Token": self.token, **kwargs.pop("headers", {})}
        return requests.request(
            method,
            f"{self.server.base}/api/v2/{path}",
            headers=headers,
            timeout=REQUEST_TIMEOUT,
            **kwargs,
        )

    def find_record(self, resource: str, name_field: str, name: str) -> dict[str, Any] | None:
        found = self.api("GET", f"system/{resource}", params={"filter": f"{name_field}='{name}'"})
        found.raise_for_status()
        rows = found.json()["resource"]
        return rows[0] if rows else None

    def service_config(self, name: str) -> dict[str, Any]:
        found = self.api(
            "GET", "system/service", params={"filter": f"name='{name}'", "fields": "*"}
        )
        found.raise_for_status()
        return found.json()["resource"][0]["config"]

    # --- the browser ------------------------------------------------------------------------

    def go(self, route: str) -> None:
        """Open the console's ``#/route`` (its router uses hash locations)."""
        self.driver.get(f"{self.server.base}/dreamfactory/dist/index.html#/{route}")

    def wait(self, condition: Callable[[webdriver.Chrome], Any], what: str) -> Any:
        waiting = WebDriverWait(
            self.driver, WAIT_SECONDS, poll_frequency=0.2, ignored_exceptions=RETRIED
        )
        try:
            return waiting.until(condition)
        except TimeoutException:
            self.shot(f"timeout-{what}")
            text = self.driver.execute_script("return document.body ? document.body.innerText : ''")
            raise FlowError(
                f"timed out waiting for {what} at {self.driver.current_url}; the page showed:\n"
                f"{text[:1500]}"
            ) from None

    def visible(self, css: str) -> list[WebElement]:
        return [e for e in self.driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]

    def element(self, css: str, what: str) -> WebElement:
        return self.wait(lambda d: (self.visible(css) or [None])[0], what)

    def click(self, css: str, what: str) -> None:
        self.wait(lambda d: self.element(css, what).click() or True, what)

    def click_xpath(self, xpath: str, what: str) -> None:
        def clicked(d: webdriver.Chrome) -> bool:
            found = [e for e in d.find_elements(By.XPATH, xpath) if e.is_displayed()]
            return bool(found) and (found[0].click() or True)

        self.wait(clicked, what)

    def click_text(self, text: str, what: str, css: str = "button", *more: str) -> str:
        """Click the visible ``css`` element whose text is ``text`` or one of ``more`` (spaces
        trimmed); return the text clicked."""

        def clicked(d: webdriver.Chrome) -> str | None:
            for candidate in self.visible(css):
                label = " ".join((candidate.get_attribute("textContent") or "").split())
                if label in (text, *more) and candidate.is_enabled():
                    self.driver.execute_script(
                        "arguments[0].scrollIntoView({block: 'center'})", candidate
                    )
                    candidate.click()
                    return label
            return None

        return self.wait(clicked, what)

    def type(self, css: str, text: str, what: str) -> None:
        def typed(d: webdriver.Chrome) -> bool:
            box = self.element(css, what)
            if box.get_attribute("value") != text:
                box.send_keys(Keys.CONTROL, "a")
                box.send_keys(Keys.DELETE)
                box.send_keys(text)
            return box.get_attribute("value") == text

        self.wait(typed, what)

    def choose(self, select_css: str, option: str, what: str) -> None:
        """Open the ``mat-select`` at ``select_css`` and pick the option labelled ``option``."""
        self.click(select_css, what)
        self.click_text(option, f"option {option!r} of {what}", css="mat-option")
        self.wait(lambda d: not self.visible(".cdk-overlay-pane mat-option"), f"{what} to close")

    def snackbar(self) -> str:
        return " | ".join(
            e.text for e in self.visible("snack-bar-container, .mat-mdc-snack-bar-container")
        )

    def shot(self, step: str) -> None:
        if self.flow is None:
            return
        name = f"{len(self.flow.screenshots) + 1:02d}-{self.flow.name}-{step}.png".replace("/", "_")
        self.driver.save_screenshot(str(self.out / name))
        self.flow.screenshots.append(name)

    def record_calls(self) -> None:
        """Move the DevTools log's ``/api/v2`` requests and their statuses into the flow."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                request = params["request"]
                if "/api/v2/" in request["url"] and request["method"] != "OPTIONS":
                    path = request["url"].split("/api/v2/", 1)[1]
                    sent = None if "session" in path else request.get("postData")  # passwords
                    call = Call(request["method"], path, None, sent)
                    self.pending[params["requestId"]] = call
            elif message["method"] in ("Network.responseReceived", "Network.loadingFailed"):
                call = self.pending.pop(params["requestId"], None)
                if call is None or self.flow is None:
                    continue
                if "response" in params:
                    call.status = params["response"]["status"]
                if call.status is None or call.status >= 400:
                    call.answer = self._body(params["requestId"])
                else:
                    call.sent = None
                self.flow.calls.append(call)

    def _body(self, request_id: str) -> str | None:
        try:
            body = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": request_id})
        except WebDriverException:  # gone from the browser's buffer, or never came
            return None
        return body.get("body")


# --- the flows ------------------------------------------------------------------------------


def login(c: Console) -> None:
    c.go("auth/login")
    c.type("input[formcontrolname=email]", ADMIN_EMAIL, "the e-mail box")
    c.type("input[formcontrolname=password]", ADMIN_PASSWORD, "the password box")
    c.click("button[type=submit]", "the login button")
    c.wait(lambda d: "#/home" in d.current_url, "the home page after login")
    c.shot("home")


EDITED = "edited by the console"
"""The description each service is given when it is opened and edited."""


def _open_from_list(c: Console, route: str, label: str) -> None:
    """On the list at ``route``, click the row that shows ``label``."""
    c.go(route)

    def row(d: webdriver.Chrome) -> WebElement | None:
        for tr in c.visible("tr.mat-mdc-row, tr.mat-row"):
            if any(td.text.strip() == label for td in tr.find_elements(By.TAG_NAME, "td")):
                return tr
        return None

    c.wait(row, f"the row {label!r} on {route}").click()


def _delete_from_list(c: Console, route: str, label: str) -> None:
    """On the list at ``route``, delete the row showing ``label`` through its menu; confirm."""
    c.go(route)

    def actions(d: webdriver.Chrome) -> WebElement | None:
        for tr in c.visible("tr.mat-mdc-row, tr.mat-row"):
            if any(td.text.strip() == label for td in tr.find_elements(By.TAG_NAME, "td")):
                buttons = tr.find_elements(By.CSS_SELECTOR, "td.actions button")
                return buttons[-1] if buttons else None
        return None

    button = c.wait(actions, f"the actions of row {label!r}")
    menu = button.get_attribute("aria-label") == "Actions"
    button.click()
    if menu:
        c.click_text("Delete", "Delete in the row's menu", css="button[mat-menu-item]")
    c.click("[data-testid=confirm-dialog-confirm]", "Yes in the confirm dialog")


def _service_lifecycle(
    c: Console,
    group: str,
    name: str,
    fill_create: Callable[[Console], None],
    check_created: Callable[[Console, str], None] | None = None,
) -> None:
    """Create (``fill_create`` fills the type's form), open, edit and delete one service."""
    c.go(f"api-connections/api-types/{group}/create")
    fill_create(c)
    created = c.wait(lambda d: c.find_record("service", "name", name), "the service in the API")
    c.shot("created")
    config = c.service_config(name)
    if check_created:
        check_created(c, name)

    _open_from_list(c, f"api-connections/api-types/{group}", name)
    c.wait(lambda d: d.current_url.endswith(f"/{created['id']}"), "the service page")
    c.wait(
        lambda d: (
            c.element("input[formcontrolname=name]", "the name box").get_attribute("value") == name
        ),
        "the opened service's name",
    )
    c.shot("opened")
    c.type("textarea[formcontrolname=description]", EDITED, "the description box")
    c.click_text("Save", "Save")
    c.wait(
        lambda d: (c.find_record("service", "name", name) or {}).get("description") == EDITED,
        "the edit in the API",
    )
    if c.service_config(name) != config:
        raise FlowError(f"saving the page changed the config: {config} -> {c.service_config(name)}")
    c.shot("edited")

    _delete_from_list(c, f"api-connections/api-types/{group}", name)
    c.wait(lambda d: c.find_record("service", "name", name) is None, "the service to be deleted")
    c.shot("deleted")


def database_service(c: Console) -> None:
    name = "console_sqlite"
    database = "console.sqlite"  # a file in the server's databases folder, as it requires

    def fill(c: Console) -> None:
        c.click_xpath(
            "//label[contains(@class, 'radio-card')][.//h4[normalize-space()='SQLite']]",
            "the SQLite card",
        )  # picking a card moves on to the details
        c.type("input[formcontrolname=name]", name, "the namespace box")
        c.type("input[formcontrolname=label]", "Console SQLite", "the label box")
        c.click_text("Next", "Next after the details")
        c.type("input[aria-label=Database]", database, "the Database box")
        c.shot("form")
        # The first service of an instance gets the security step instead (no Create & Test).
        c.click_text("Create & Test", "Create & Test", "button", "Next: Security Configuration")

    _service_lifecycle(c, "database", name, fill)


def _service_form(
    type_label: str, name: str, label: str, more: Callable[[Console], None]
) -> Callable[[Console], None]:
    """The create form of a service that is not a database: type, names, ``more``, Save."""

    def fill(c: Console) -> None:
        c.choose("mat-select[formcontrolname=type]", type_label, "the service type")
        c.type("input[formcontrolname=name]", name, "the namespace box")
        c.type("input[formcontrolname=label]", label, "the label box")
        more(c)
        c.shot("form")
        c.click_text("Save", "Save")

    return fill


SCRIPT = 'return {"hello": "console"}'
"""The scripted service's code (Python 3), typed into the console's script editor."""


def scripted_service(c: Console) -> None:
    def write_script(c: Console) -> None:
        c.click("df-script-editor .ace_content", "the script editor")
        # Ace closes brackets and quotes itself, and types over them: the text comes out as typed.
        c.driver.switch_to.active_element.send_keys(SCRIPT)

    name = "console_script"
    fill = _service_form("Python3", name, "Console script", write_script)
    _service_lifecycle(c, "scripting", name, fill, _check_script)


def _check_script(c: Console, name: str) -> None:
    """The scripted service holds the script typed and runs it."""
    content = c.service_config(name).get("content")
    if content != SCRIPT:
        raise FlowError(f"the service's script is {content!r}, not what was typed")
    answer = c.api("GET", name)
    if answer.status_code != 200 or answer.json() != {"hello": "console"}:
        raise FlowError(f"GET {name} answered {answer.status_code}: {answer.text[:300]}")


def file_service(c: Console) -> None:
    def container(c: Console) -> None:
        c.type("input[aria-label=Container]", "console", "the Container box")

    name = "console_files"
    fill = _service_form("Local File Storage", name, "Console files", container)
    _service_lifecycle(c, "file", name, fill)


def user_without_username(c: Console) -> None:
    email = "console-user@example.com"
    c.go("admin-settings/users/create")
    profile = {"email": email, "firstName": "Console", "lastName": "User", "name": "Console User"}
    for control, text in profile.items():  # the username box is left empty
        c.type(f"input[formcontrolname={control}]", text, f"the {control} box")
    c.click(".userform-password-radio-btn label", "Set password")
    for box in ("input.user-details-set-password", "input.user-details-confirm-password"):
        c.type(box, "console-user-password-01", box)
    c.shot("form")
    c.click_text("Create", "Create")
    user = c.wait(lambda d: c.find_record("user", "email", email), "the user in the API")
    if user.get("username"):
        raise FlowError(f"the user was given a username: {user['username']!r}")
    _open_from_list(c, "admin-settings/users", email)
    c.wait(lambda d: d.current_url.endswith(f"/{user['id']}"), "the user's page")
    c.shot("opened")


def scheduled_task(c: Console) -> None:
    name = "console_task"
    c.go("system-settings/scheduler/create")
    c.type("input[formcontrolname=name]", name, "the task name box")
    c.choose("mat-select[formcontrolname=serviceId]", "system", "the service")
    c.choose("mat-select[formcontrolname=component]", "environment/", "the component")
    c.type("input[formcontrolname=frequency]", "1", "the frequency box")
    c.shot("form")
    c.click_text("Save", "Save")
    task = c.wait(lambda d: c.find_record("scheduler", "name", name), "the task in the API")

    run = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "scheduler", "run", "--once"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DF_", "FLASK_"))},
            "DF_INSTANCE_PATH": str(c.store / "instance"),
            "DF_STORAGE_PATH": str(c.store / "storage"),
        },
        capture_output=True,
        text=True,
        timeout=REQUEST_TIMEOUT,
        check=False,
    )
    if run.returncode != 0:
        raise FlowError(f"scheduler run --once exited {run.returncode}: {run.stderr[-1500:]}")
    logged = c.api(
        "GET", f"system/scheduler/{task['id']}", params={"related": "task_log_by_task_id"}
    )
    if not logged.json().get("task_log_by_task_id"):
        raise FlowError(f"the task has no log after a run: {logged.text[:500]}")

    _open_from_list(c, "system-settings/scheduler", name)
    c.click_text("Log", "the Log tab", css="[role=tab]")
    c.wait(
        lambda d: any("200" in p.text for p in c.visible("mat-tab-body p")),
        "the log's status code 200",
    )
    c.shot("log")


def api_docs(c: Console) -> None:
    c.go("api-connections/api-docs")
    _open_from_list(c, "api-connections/api-docs", "db")
    c.wait(lambda d: c.visible(".swagger-ui .opblock"), "Swagger UI's operations of db")
    c.shot("db")


FLOWS: list[Callable[[Console], None]] = [
    login,
    database_service,
    scripted_service,
    file_service,
    user_without_username,
    scheduled_task,
    api_docs,
]


# --- setting the stage ----------------------------------------------------------------------


def publish(server: Server, token: str, dist: Path) -> None:
    """Serve ``dist`` at ``/dreamfactory/dist/``: a public folder of a ``local_file`` service."""
    headers = {"X-DreamFactory-Session-Token": token}
    service = {
        "name": "dreamfactory",
        "label": "Admin console",
        "type": "local_file",
        "is_active": True,
        "config": {"container": "dreamfactory", "public_path": ["dist/"]},
    }
    made = requests.post(
        server.url("system/service"),
        json={"resource": [service]},
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    )
    made.raise_for_status()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(dist.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(dist).as_posix())
    uploaded = requests.post(
        server.url("dreamfactory/dist/") + "/",
        params={"extract": "true"},
        files={"files": ("console.zip", archive.getvalue(), "application/zip")},
        headers=headers,
        timeout=REQUEST_TIMEOUT,
    )
    uploaded.raise_for_status()


def browser(out: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={out / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(
        service=ChromeService(executable_path=CHROMEDRIVER, log_output=os.devnull),
        options=options,
    )
    driver.set_page_load_timeout(WAIT_SECONDS)
    return driver


SCREENS = [
    "home",
    "api-connections/api-types/network",
    "api-connections/api-types/utility",
    "api-connections/role-based-access",
    "api-connections/role-based-access/create",
    "api-connections/api-keys",
    "api-connections/api-keys/create",
    "api-connections/event-scripts",
    "api-connections/api-docs",
    "api-connections/data-explorer",
    "api-security/rate-limiting",
    "api-security/authentication",
    "system-settings/config/system-info",
    "system-settings/config/cors",
    "system-settings/config/cache",
    "system-settings/config/email-templates",
    "system-settings/config/global-lookup-keys",
    "system-settings/scheduler",
    "system-settings/reporting",
    "admin-settings/admins",
    "admin-settings/admins/create",
    "admin-settings/schema",
    "admin-settings/schema/db",
    "admin-settings/users",
    "admin-settings/files",
    "admin-settings/logs",
    "profile",
]
"""Other screens, only opened: each passes when it shows without an API error or a redirect."""


def screen(route: str) -> Callable[[Console], None]:
    def open_screen(c: Console) -> None:
        c.go(route)
        c.wait(
            lambda d: (
                d.execute_script("return document.readyState") == "complete"
                and c.visible("router-outlet + *")
            ),
            f"the screen {route}",
        )
        c.wait(lambda d: not c.visible("mat-spinner, mat-progress-spinner"), "the page's data")
        if not c.driver.current_url.endswith(f"#/{route}"):
            raise FlowError(f"the console moved on to {c.driver.current_url}")
        c.shot("shown")

    open_screen.__name__ = f"screen {route}"
    return open_screen


def walk(server: Server, store: Path, dist: Path, out: Path, only: list[str]) -> list[Flow]:
    driver = browser(out)
    try:
        console = Console(server, store, driver, out)
        publish(server, console.token, dist)
        steps = [*FLOWS, *(screen(route) for route in SCREENS)]
        flows = [
            run(console, step)
            for step in steps
            if not only or step is login or any(step.__name__.startswith(o) for o in only)
        ]
        browser_log = driver.get_log("browser")
        (out / "browser-console.json").write_text(json.dumps(browser_log, indent=1))
    finally:
        driver.quit()
    return flows


def run(console: Console, step: Callable[[Console], None]) -> Flow:
    """Walk one flow; whatever fails is recorded and the walk goes on."""
    flow = Flow(step.__name__)
    console.flow = flow
    try:
        step(console)
        flow.passed = True
    except Exception as exc:  # noqa: BLE001 - every failure is reported, the walk goes on
        flow.error = "".join(traceback.format_exception_only(exc)).strip()
        console.shot("failed")
    time.sleep(1)  # let the last answers land in the log
    console.record_calls()
    if flow.passed and flow.unexpected:
        flow.passed = False
        flow.error = "the console got errors: " + ", ".join(
            f"{c.method} {c.path} {c.status}" for c in flow.unexpected
        )
    snack = console.snackbar()
    print(
        f"{'PASS' if flow.passed else 'FAIL'} {flow.name}"
        + (f": {flow.error}" if flow.error else "")
        + (f" [snackbar: {snack}]" if snack else ""),
        flush=True,
    )
    return flow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dist", type=Path, help="the console's build (df-admin-interface/dist)")
    parser.add_argument("--out", type=Path, default=None, help="screenshots and report.json")
    parser.add_argument(
        "--only", nargs="*", default=[], help="flows to run after login (names, or 'screen')"
    )
    parser.add_argument("--keep", action="store_true", help="leave the server up after the walk")
    args = parser.parse_args()
    dist = args.dist.resolve()
    if not (dist / "index.html").is_file():
        parser.error(f"{dist}/index.html missing: build the console first (see the header)")
    out = (args.out or Path(tempfile.mkdtemp(prefix="dfconsole-"))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dfconsole-server-") as folder:
        store = Path(folder)
        with serving(store, DF_ADMIN_EMAIL=ADMIN_EMAIL, DF_ADMIN_PASSWORD=ADMIN_PASSWORD) as server:
            flows = walk(server, store, dist, out, args.only)
            report = [
                {**flow.__dict__, "calls": [c.__dict__ for c in flow.calls]} for flow in flows
            ]
            (out / "report.json").write_text(json.dumps(report, indent=1))
            (out / "server.log").write_text(server.output)
            print(f"report, screenshots and server log in {out}")
            if args.keep:
                print(f"server at {server.base}/dreamfactory/dist/index.html (Ctrl-C stops)")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
    return 0 if flows and all(flow.passed for flow in flows) else 1


if __name__ == "__main__":
    sys.exit(main())

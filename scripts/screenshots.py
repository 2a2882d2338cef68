#!/usr/bin/env python3
"""Screenshots of the admin console's main screens for the README, taken from a real server.

Run by hand from the repository's root, with Debian's ``chromium`` and ``chromium-driver``
installed (``scripts/test`` installs them):

    .venv/bin/python scripts/screenshots.py

It starts the quick-start server as the e2e tests do (``scripts/serve`` on a free port, a fresh
instance and storage in a temporary folder, a known admin), stages a little data over HTTP so
the screens are not empty (a role with a record filter, two apps, two users, a python script,
a scheduled task run once, a public folder, a limit), signs in through the console's own form
in headless chromium at 1280x800, and saves one PNG a screen into ``docs/screenshots/``
(replacing what is there). Commit the images it writes; each should stay under ~150 KB.
"""

from __future__ import annotations

import io
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import (  # noqa: E402
    CHROMEDRIVER,
    CHROMIUM,
    CHROMIUM_FLAGS,
    WAIT_SECONDS,
    Live,
    type_into,
    wait_for,
)
from tests.e2e.console.conftest import sign_in  # noqa: E402
from tests.e2e.console.test_scheduler import _run_scheduler_once  # noqa: E402
from tests.test_quickstart import REQUEST_TIMEOUT, serving  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "screenshots-admin-password-0123"  # noqa: S105 - a throwaway instance's admin
SIZE = (1280, 800)
SCRIPT_EVENT = "db._table.contact.post.pre_process"
SCRIPT = """# Refuse a contact without a last name, before it is written.
for record in event.request.payload['resource']:
    if not record.get('last_name'):
        raise BadRequestException('A contact needs a last name.')
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder)
        with serving(store, DF_ADMIN_EMAIL=ADMIN_EMAIL, DF_ADMIN_PASSWORD=ADMIN_PASSWORD) as server:
            credentials = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            session = requests.post(
                server.url("system/admin/session"), json=credentials, timeout=REQUEST_TIMEOUT
            )
            live = Live(server, _ok(session)["session_token"], store)
            staged = stage(live)
            driver = _chromium(store)
            try:
                shoot(driver, live, staged)
            finally:
                driver.quit()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


def _ok(answer) -> dict[str, Any]:
    if answer.status_code >= 400:
        raise SystemExit(f"staging failed: {answer.request.method} {answer.url}: {answer.text}")
    return answer.json()


def stage(live: Live) -> dict[str, int]:
    """What the screens show; returns the ids the screenshots open."""
    db, files = live.service_id("db"), live.service_id("files")
    role = live.create(
        "system/role",
        {
            "name": "clerks",
            "description": "Read and add contacts; files read-only",
            "is_active": True,
            "role_service_access_by_role_id": [
                {
                    "service_id": db,
                    "component": "_table/contact",
                    "verb_mask": 1 | 2,
                    "requestor_mask": 1,
                    "filters": [{"name": "last_name", "operator": "IS NOT NULL", "value": ""}],
                    "filter_op": "AND",
                },
                {"service_id": files, "component": "*", "verb_mask": 1, "requestor_mask": 1},
            ],
        },
    )
    live.create(
        "system/app",
        {"name": "crm", "description": "The sales team's CRM", "type": 0, "is_active": True}
        | {"role_id": role["id"]},
    )
    for first, last in (("Ada", "Lovelace"), ("Grace", "Hopper")):
        live.create(
            "system/user",
            {
                "email": f"{first.lower()}@example.com",
                "first_name": first,
                "last_name": last,
                "name": f"{first} {last}",
                "is_active": True,
            },
        )
    _ok(
        live.api(
            "POST",
            f"system/event_script/{SCRIPT_EVENT}",
            json={"type": "python", "content": SCRIPT, "is_active": True},
        )
    )
    task = live.create(
        "system/scheduler",
        {
            "name": "count-contacts",
            "description": "Reads the contacts every minute",
            "is_active": True,
            "cron": "* * * * *",
            "service": "db",
            "component": "_table/contact",
            "verb": "GET",
        },
    )
    _run_scheduler_once(live)
    _stage_files(live, files)
    live.create(
        "system/limit",
        {
            "name": "files-per-hour",
            "type": "instance.service",
            "service_id": files,
            "rate": 100,
            "period": "hour",
            "is_active": True,
        },
    )
    return {"db": db, "role": role["id"], "task": task["id"]}


def _stage_files(live: Live, files: int) -> None:
    """A public ``site/`` holding a small page, and ``docs/`` with two files."""
    page = io.BytesIO()
    with zipfile.ZipFile(page, "w") as archive:
        archive.writestr("index.html", "<!doctype html><title>Site</title><h1>Hello</h1>")
    zipped = {"files": ("site.zip", page.getvalue(), "application/zip")}
    _ok(live.api("POST", "files/site/", params={"extract": "true"}, files=zipped))
    _ok(live.api("POST", "files/docs/"))
    notes = [("files", (n, b"notes\n", "text/plain")) for n in ("notes.txt", "todo.txt")]
    _ok(live.api("POST", "files/docs/", files=notes))
    config = _ok(live.api("GET", f"system/service/{files}"))["config"]
    public = {"config": {**config, "public_path": [*config.get("public_path", []), "site/"]}}
    _ok(live.api("PATCH", f"system/service/{files}", json=public))


def _chromium(store: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        if not flag.startswith("--window-size"):
            options.add_argument(flag)
    options.add_argument(f"--window-size={SIZE[0]},{SIZE[1]}")
    options.add_argument("--hide-scrollbars")
    options.add_argument(f"--user-data-dir={store / 'chromium-profile'}")
    service = ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    metrics = {"width": SIZE[0], "height": SIZE[1], "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    return driver


def _ready(selector: str) -> Callable[[webdriver.Chrome], bool]:
    """The screen has loaded (nothing says Loading…) and shows ``selector``."""

    def check(driver: webdriver.Chrome) -> bool:
        if driver.find_elements(By.CSS_SELECTOR, "#view .loading"):
            return False
        return bool(driver.find_elements(By.CSS_SELECTOR, selector))

    return check


def _ask_why(driver: webdriver.Chrome, live: Live) -> None:
    """Ask the role's why panel about a call, and bring the answer into view."""
    Select(driver.find_element(By.CSS_SELECTOR, ".why select[name=verb]")).select_by_value("GET")
    type_into(driver, ".why input[name=path]", "db/_table/contact", "the path", live)
    driver.find_element(By.ID, "why-ask").click()
    wait_for(driver, _ready("#why-result .verdict"), "the why panel's answer", live)
    driver.execute_script("document.querySelector('.why').scrollIntoView({block: 'end'})")


def shoot(driver: webdriver.Chrome, live: Live, ids: dict[str, int]) -> None:
    driver.get(f"{live.base}/admin/")
    sign_in(driver, live, ADMIN_EMAIL, ADMIN_PASSWORD)
    shots: list[tuple[str, str, str, Callable | None]] = [
        ("home", "#/home", ".cards .stat", None),
        ("services", "#/services", "a[href='#/services/new']", None),
        ("service-form", f"#/services/{ids['db']}", "#test-service", None),
        ("schema", "#/schema/db/contact", "#drop-table", None),
        ("data", "#/data/db/contact", "table.records tbody tr[data-id]", None),
        ("role-why", f"#/roles/{ids['role']}", "#why-ask", _ask_why),
        ("apps", "#/apps", "a[href^='#/apps/']:not(#create-app)", None),
        ("users", "#/users", "a[href^='#/users/']", None),
        ("scripts", f"#/scripts/edit/{SCRIPT_EVENT}", ".code-editor .tok-keyword", None),
        ("scheduler", f"#/scheduler/{ids['task']}", ".task-log td", None),
        ("files", "#/files/files", "[data-name='site']", None),
        ("settings", "#/settings/limits", "table", None),
    ]
    for name, place, selector, then in shots:
        driver.get(f"{live.base}/admin/{place}")
        wait_for(driver, _ready(selector), f"the {name} screen", live)
        if then:
            then(driver, live)
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        driver.save_screenshot(str(OUT / f"{name}.png"))


if __name__ == "__main__":
    main()

"""Issue #5's story in a browser: a zipped web app hosted by ``files``, opened from the launchpad.

Everything is set up the way a new user would do it, over HTTP against the
running server: the ``files`` service gets a public folder, the app in
``todo_app/`` goes up as a zip with ``extract=true``, an app of type storage
points at its ``index.html`` with a role that may read ``db``, and its API key
goes into the app's ``config.js``. Then chromium opens the launchpad, follows
the app's link and must show the rows of ``db/_table/todo``, fetched by the
page's own script with that key.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.e2e.conftest import Live, open_from_launchpad

APP_SOURCE = Path(__file__).parent / "todo_app"
"""The static web app: index.html, app.js, style.css."""

pytestmark = pytest.mark.slow


def zipped_app() -> bytes:
    """``todo_app/`` as a zip whose entries sit under ``todo/``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(APP_SOURCE.iterdir()):
            archive.write(path, f"todo/{path.name}")
    return buffer.getvalue()


def _host_todo_app(live: Live) -> dict:
    """Upload and register the app; return its ``system/app`` record."""
    files_id = live.service_id("files")
    public = live.api(
        "PATCH",
        f"system/service/{files_id}",
        json={"config": {"container": "app", "public_path": ["apps/"]}},
    )
    assert public.status_code == 200, public.text
    uploaded = live.api(
        "POST",
        "files/apps/",
        params={"extract": "true"},
        files={"files": ("todo.zip", zipped_app(), "application/zip")},
    )
    assert uploaded.status_code == 201, uploaded.text  # extract=true made files/apps/

    record = live.create(
        "system/app",
        {
            "name": "todo",
            "description": "Hosted from files/apps/todo",
            "type": 1,
            "is_active": True,
            "role_id": live.reader_role("todo_reader", ("db", "_table/*")),
            "storage_service_id": files_id,
            "storage_container": "apps",
            "path": "todo/index.html",
        },
    )
    config = f"window.TODO_API_KEY = {json.dumps(record['api_key'])};\n"
    written = live.api(
        "POST",
        "files/apps/todo/config.js",
        data=config.encode(),
        headers={"Content-Type": "application/javascript"},
    )
    assert written.status_code == 201, written.text
    return record


def test_a_zipped_app_opens_from_the_launchpad_and_reads_db_with_its_key(live, browser):
    record = _host_todo_app(live)
    assert record["launch_url"] == f"{live.base}/files/apps/todo/index.html"
    name = f"e2e todo {secrets.token_hex(4)}"
    added = live.api("POST", "db/_table/todo", json={"resource": [{"name": name}]})
    assert added.status_code == 200, added.text
    expected = [
        row["name"]
        for row in live.api("GET", "db/_table/todo", params={"order": "id"}).json()["resource"]
    ]
    assert name in expected and len(expected) > 1  # the sample rows and ours

    state = open_from_launchpad(browser, live, "todo", record["launch_url"])
    status = browser.find_element(By.ID, "status").text
    assert (state, status) == ("loaded", f"{len(expected)} todos")
    assert browser.current_url == record["launch_url"]
    assert browser.title == "Todo"
    items = browser.find_elements(By.CSS_SELECTOR, "#todos li")
    assert [item.text for item in items] == expected

    # the key is what let the page in: the same call from the page without it is refused
    refused = browser.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "fetch('/api/v2/db/_table/todo').then(function (r) { done(r.status); });"
    )
    assert refused in (400, 401)

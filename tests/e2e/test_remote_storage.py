"""Issue 17's story in a browser, on S3 and on SFTP, as a new user would try it.

An admin adds a file service on a remote storage (``aws_s3`` on moto's S3
server, ``sftp_file`` on a real sshd, both started for this module) with a
public ``apps/`` folder, uploads the static app of ``todo_app/`` as a zip with
``extract=true``, registers an app of type storage hosted from it, and opens it
from the launchpad in Chromium: its page, scripts and styles come from the
remote storage through the public storage route, and it reads ``db`` with its
key. Then the files are browsed and downloaded through the API, browsed and
one deleted through the docs page's "Try it out", and the whole app deleted
through the API, after which its launch address answers 404.
"""

from __future__ import annotations

import json
import secrets

import pytest
import requests
from selenium.webdriver.common.by import By

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Live, click, open_from_launchpad
from tests.e2e.conftest import wait_for as wait_in_browser
from tests.e2e.test_storage_app import APP_SOURCE, zipped_app
from tests.services.files.conftest import new_container
from tests.services.files.s3box import start_moto
from tests.services.files.sshd import start_sshd

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def moto_endpoint():
    server, endpoint = start_moto()
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = start_sshd(tmp_path_factory.mktemp("e2e-sshd"))
    yield server
    server.stop()


STORAGES = ("aws_s3", "sftp_file")


def _docs_try(browser, live: Live, operation: str, fields: dict[str, str]) -> tuple[str, str]:
    """Press "Try it out" on ``operation`` of the open docs page, fill ``fields`` and execute;
    the response's status and body as the page shows them."""
    block = f"#{operation}"
    click(browser, f"{block} .opblock-summary-control", operation, live)
    click(browser, f"{block} .try-out__btn", "Try it out", live)
    for name, value in fields.items():
        field = browser.find_element(By.CSS_SELECTOR, f'{block} tr[data-param-name="{name}"] input')
        field.clear()
        field.send_keys(value)
    click(browser, f"{block} button.execute", "Execute", live)
    status = wait_in_browser(
        browser,
        lambda d: d.find_elements(
            By.CSS_SELECTOR, f"{block} .live-responses-table .response .response-col_status"
        ),
        f"the response of {operation}",
        live,
    )[0]
    body = browser.find_element(
        By.CSS_SELECTOR, f"{block} .live-responses-table .response-col_description pre"
    )
    return status.text.strip(), body.text


def _log_in_to_docs(browser, live: Live, service: str) -> None:
    browser.get(f"{live.base}/docs?service={service}")
    wait_in_browser(
        browser,
        lambda d: d.find_element(By.ID, "message").text.startswith("Paste an API key"),
        "the docs page to ask for credentials",
        live,
    )
    browser.find_element(By.ID, "email").send_keys(ADMIN_EMAIL)
    browser.find_element(By.ID, "password").send_keys(ADMIN_PASSWORD)
    browser.find_element(By.ID, "as-admin").click()
    browser.find_element(By.ID, "login").click()
    wait_in_browser(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#operations-{service}-getByFolderPath"),
        f"the docs page to show {service}'s document",
        live,
    )


@pytest.mark.parametrize("storage", STORAGES)
def test_a_zipped_app_on_remote_storage_from_upload_to_delete(live, browser, request, storage):
    name = f"e2e_{storage}_{secrets.token_hex(3)}"
    _, config = new_container(request, storage, "e2e", public_path=["apps/"])
    service = live.create(
        "system/service",
        {"name": name, "label": name, "type": storage, "is_active": True, "config": config},
    )
    uploaded = live.api(
        "POST",
        f"{name}/apps/",
        params={"extract": "true"},
        files={"files": ("todo.zip", zipped_app(), "application/zip")},
    )
    assert uploaded.status_code == 201, uploaded.text

    record = live.create(
        "system/app",
        {
            "name": name,
            "type": 1,
            "is_active": True,
            "role_id": live.reader_role(f"{name}_reader", ("db", "_table/*")),
            "storage_service_id": service["id"],
            "storage_container": "apps",
            "path": "todo/index.html",
        },
    )
    written = live.api(
        "POST",
        f"{name}/apps/todo/config.js",
        data=f"window.TODO_API_KEY = {json.dumps(record['api_key'])};\n".encode(),
        headers={"Content-Type": "application/javascript"},
    )
    assert written.status_code == 201, written.text

    # launched from the launchpad: every file of the page comes from the remote storage
    assert record["launch_url"] == f"{live.base}/{name}/apps/todo/index.html"
    expected = live.api("GET", "db/_table/todo", params={"order": "id"}).json()["resource"]
    state = open_from_launchpad(browser, live, name, record["launch_url"])
    assert (state, browser.find_element(By.ID, "status").text) == (
        "loaded",
        f"{len(expected)} todos",
    )
    assert [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#todos li")] == [
        row["name"] for row in expected
    ]

    # browsed and downloaded through the API
    listed = live.api("GET", f"{name}/apps/todo/")
    assert listed.status_code == 200, listed.text
    names = sorted(entry["name"] for entry in listed.json()["resource"])
    assert names == sorted([*(p.name for p in APP_SOURCE.iterdir()), "config.js"])
    script = live.api("GET", f"{name}/apps/todo/app.js", params={"download": "true"})
    assert script.status_code == 200, script.text
    assert script.content == (APP_SOURCE / "app.js").read_bytes()
    assert script.headers["Content-Disposition"].startswith("attachment")

    # browsed, and a file deleted, through the docs page
    _log_in_to_docs(browser, live, name)
    status, body = _docs_try(
        browser, live, f"operations-{name}-getByFolderPath", {"folder_path": "apps/todo"}
    )
    assert status == "200", body
    assert "index.html" in [entry["name"] for entry in json.loads(body)["resource"]]
    status, body = _docs_try(
        browser, live, f"operations-{name}-deleteByFilePath", {"file_path": "apps/todo/style.css"}
    )
    assert status == "200", body
    gone = requests.get(f"{live.base}/{name}/apps/todo/style.css", timeout=30)
    assert gone.status_code == 404

    # the whole app deleted through the API: nothing left to launch
    deleted = live.api("DELETE", f"{name}/apps/todo/", params={"force": "true"})
    assert deleted.status_code == 200, deleted.text
    assert requests.get(record["launch_url"], timeout=30).status_code == 404
    assert live.api("GET", f"{name}/apps/").json()["resource"] == []

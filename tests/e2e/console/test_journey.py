"""Issue 16's "Done when", as a new user would try it: from the launchpad into the console, then a
working database API with a role, an app key, a validation script, a scheduled task and a hosted
app, all through the UI. Only the end is checked over HTTP, with nothing but the app key read
from the page (and the hosted page with no credentials at all)."""

from __future__ import annotations

import secrets

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import Live, click, type_into, wait_for
from tests.e2e.console.conftest import browser_errors, fill_access_row, sign_in, text_of
from tests.e2e.console.test_files import _create_folder, _site_zip, _toggle_public, _uploaded
from tests.e2e.console.test_scheduler import _run_scheduler_once
from tests.test_quickstart import REQUEST_TIMEOUT

pytestmark = pytest.mark.slow

SCRIPT = """for record in event.request.payload['resource']:
    if not record.get('title'):
        raise BadRequestException('A note needs a title.')
"""


def _go(driver, live: Live, screen: str) -> None:
    """Open a screen from the navigation, as a user would."""
    click(driver, f"nav a[href='#/{screen}']", f"{screen} in the navigation", live)


def _create_database(driver, live: Live, name: str) -> None:
    _go(driver, live, "services")
    click(driver, "#create-service", "the create button", live)
    click(driver, "a[data-type='sqlite']", "the SQLite card", live)
    type_into(driver, "input[name=name]", name, "the service's name", live)
    type_into(driver, "input[name='config.database']", f"{name}.sqlite", "the database", live)
    click(driver, "#save-service", "create", live)
    wait_for(driver, lambda d: d.find_elements(By.ID, "delete-service"), "the saved service", live)


def _create_table(driver, live: Live, service: str) -> None:
    """Table ``note``: id, title (nullable: the script is what refuses an empty one), team."""
    _go(driver, live, "schema")
    click(driver, f"a[href='#/schema/{service}']", "the new database", live)
    click(driver, "#create-table", "create table", live)
    type_into(driver, "input[name=name]", "note", "the table's name", live)
    for n, name in ((1, "title"), (2, "team")):
        click(driver, "#add-table-field", "add a field", live)
        type_into(driver, f"input[name='field.{n}.name']", name, f"the {name} field", live)
        Select(driver.find_element(By.NAME, f"field.{n}.type")).select_by_value("string")
    click(driver, "#save-table", "create the table", live)
    wait_for(driver, lambda d: d.find_elements(By.ID, "drop-table"), "the new table", live)


def _add_record(driver, live: Live, service: str, title: str, team: str) -> None:
    _go(driver, live, "data")
    click(driver, f"a[href='#/data/{service}']", "the database", live)
    click(driver, f"a[href='#/data/{service}/note']", "the note table", live)
    click(driver, "#create-record", "new record", live)
    type_into(driver, "tr.editing input[name=title]", title, "the title", live)
    type_into(driver, "tr.editing input[name=team]", team, "the team", live)
    click(driver, "tr.editing [data-save]", "create it", live)
    wait_for(driver, lambda d: title in text_of(d), "the record in the list", live)


def _create_role(driver, live: Live, name: str, service: str) -> None:
    """GET and POST on ``_table/note``, for team blue's records only."""
    _go(driver, live, "roles")
    click(driver, "#create-role", "the create button", live)
    type_into(driver, "input[name=name]", name, "the role's name", live)
    fill_access_row(driver, live, service, "_table/note", "POST", ("team", "=", "blue"))
    click(driver, "#save-role", "create", live)
    wait_for(driver, lambda d: d.find_elements(By.ID, "delete-role"), "the saved role", live)


def _create_app(driver, live: Live, name: str, role: str) -> str:
    """An app of no storage with ``role`` as its default role; returns its key as shown."""
    _go(driver, live, "apps")
    click(driver, "#create-app", "the create button", live)
    type_into(driver, "input[name=name]", name, "the app's name", live)
    Select(driver.find_element(By.NAME, "role_id")).select_by_visible_text(role)
    click(driver, "#save-app", "create", live)
    key = wait_for(
        driver, lambda d: d.find_element(By.ID, "api-key").get_attribute("value"), "the key", live
    )
    return key


def _write_and_run_script(driver, live: Live, service: str) -> None:
    """The python pre_process script on POST note, then Run a call it refuses."""
    event = f"{service}._table.note.post.pre_process"
    _go(driver, live, "scripts")
    click(driver, f"a[href='#/scripts/service/{service}']", "the database's events", live)
    tables = wait_for(
        driver,
        lambda d: d.find_element(
            By.CSS_SELECTOR, f"section[data-path='{service}._table.{{table_name}}'] select"
        ),
        "the table picker",
        live,
    )
    Select(tables).select_by_value("note")
    click(driver, f"a[href='#/scripts/edit/{event}']", "the POST pre_process event", live)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".code-editor"), "editor", live)
    Select(driver.find_element(By.NAME, "type")).select_by_value("python")
    type_into(driver, "textarea[name=content]", SCRIPT, "the script", live)
    click(driver, "#save-script", "save", live)
    wait_for(driver, lambda d: d.find_elements(By.ID, "delete-script"), "the saved script", live)

    type_into(driver, "textarea[name=body]", '{"resource": [{"team": "blue"}]}', "body", live)
    click(driver, "#run-script", "run", live)
    status = wait_for(driver, lambda d: d.find_element(By.ID, "run-status").text, "answer", live)
    assert status == "400"
    assert "A note needs a title." in driver.find_element(By.ID, "run-content").text
    assert "A note needs a title." in driver.find_element(By.ID, "run-log").text


def _schedule_task(driver, live: Live, name: str, service: str) -> None:
    """A task reading the notes every minute; run once by the scheduler, its log on the page."""
    _go(driver, live, "scheduler")
    click(driver, "#create-task", "create", live)
    type_into(driver, "input[name=name]", name, "the task's name", live)
    type_into(driver, "input[name=cron]", "* * * * *", "the cron", live)
    Select(driver.find_element(By.NAME, "service")).select_by_value(service)
    Select(driver.find_element(By.NAME, "verb")).select_by_value("GET")
    type_into(driver, "input[name=component]", "_table/note", "the component", live)
    click(driver, "#save-task", "save", live)
    wait_for(driver, lambda d: d.find_elements(By.ID, "delete-task"), "the saved task", live)
    _run_scheduler_once(live)
    driver.refresh()
    log = wait_for(
        driver,
        lambda d: d.find_element(By.CSS_SELECTOR, ".task-log table").text,
        "the task's log",
        live,
    )
    assert "200" in log


def _host_app(driver, live: Live, folder: str, name: str, tmp_path) -> str:
    """A zip unpacked into a public folder of ``files``, an app for it; returns its launch URL."""
    _go(driver, live, "files")
    click(driver, "a[href='#/files/files']", "the files service", live)
    _create_folder(driver, live, folder)
    _toggle_public(driver, live, "Make private")
    click(driver, "input[name=extract]", "unpack zips", live)
    archive = tmp_path / "site.zip"
    archive.write_bytes(_site_zip())
    driver.find_element(By.ID, "upload-files").send_keys(str(archive))
    wait_for(driver, lambda d: _uploaded(d, 1), "the zip uploaded", live)
    wait_for(
        driver,
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-name='index.html']"),
        "the unpacked page",
        live,
    )

    _go(driver, live, "apps")
    click(driver, "#create-app", "the create button", live)
    type_into(driver, "input[name=name]", name, "the app's name", live)
    Select(driver.find_element(By.NAME, "type")).select_by_value("1")
    Select(driver.find_element(By.NAME, "storage_service_id")).select_by_visible_text("files")
    type_into(driver, "input[name=storage_container]", folder, "the folder", live)
    type_into(driver, "input[name=path]", "index.html", "the launch file", live)
    click(driver, "#save-app", "create", live)
    launch = wait_for(driver, lambda d: d.find_element(By.ID, "launch-app"), "Launch", live)
    url = launch.get_attribute("href")
    console_window = driver.current_window_handle
    launch.click()
    wait_for(driver, lambda d: len(d.window_handles) == 2, "the app's window", live)
    driver.switch_to.window(next(w for w in driver.window_handles if w != console_window))
    hello = wait_for(driver, lambda d: d.find_element(By.ID, "hi").text, "the hosted page", live)
    assert hello == "Hello from a zip"
    driver.close()
    driver.switch_to.window(console_window)
    return url


def _with_key(live: Live, key: str, service: str, method: str, **kwargs) -> requests.Response:
    """A call on the notes with only the app's key: no session, no admin."""
    return requests.request(
        method,
        f"{live.base}/api/v2/{service}/_table/note",
        headers={"X-DreamFactory-API-Key": key},
        timeout=REQUEST_TIMEOUT,
        **kwargs,
    )


def _titles(answer: requests.Response) -> set[tuple[str, str]]:
    assert answer.status_code == 200, answer.text
    return {(note["title"], note["team"]) for note in answer.json()["resource"]}


def test_a_new_user_builds_a_working_api_without_curl(live, browser, tmp_path):
    tag = secrets.token_hex(3)
    service, role, app = f"notes{tag}", f"blue-team{tag}", f"notes-app{tag}"
    browser.get(f"{live.base}/")
    click(browser, "#admin-console", "the console's link on the launchpad", live)
    sign_in(browser, live)

    _create_database(browser, live, service)
    _create_table(browser, live, service)
    _add_record(browser, live, service, "Red team's secret", "red")
    _create_role(browser, live, role, service)
    key = _create_app(browser, live, app, role)
    _write_and_run_script(browser, live, service)
    _schedule_task(browser, live, f"count-notes{tag}", service)
    launch_url = _host_app(browser, live, f"site{tag}", f"site{tag}", tmp_path)
    browser.save_screenshot(str(tmp_path / "journey.png"))
    assert browser_errors(browser) == []

    good = {"resource": [{"title": "Buy milk", "team": "blue"}]}
    created = _with_key(live, key, service, "POST", json=good)
    assert created.status_code == 200, created.text
    empty = {"resource": [{"title": "", "team": "blue"}]}
    refused = _with_key(live, key, service, "POST", json=empty)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["message"] == "A note needs a title."
    assert _titles(_with_key(live, key, service, "GET")) == {("Buy milk", "blue")}
    everything = _titles(live.api("GET", f"{service}/_table/note"))
    assert everything == {("Buy milk", "blue"), ("Red team's secret", "red")}

    hosted = requests.get(launch_url, timeout=REQUEST_TIMEOUT)  # no key, no token
    assert hosted.status_code == 200
    assert "Hello from a zip" in hosted.text

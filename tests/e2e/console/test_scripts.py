"""Scripts in the console: find an event, write a python pre-process script, run a test call
that it refuses and read its log lines, then delete it."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import click, type_into, wait_for
from tests.e2e.console.conftest import text_of

pytestmark = pytest.mark.slow

EVENT = "db._table.todo.post.pre_process"
SCRIPT = """print('checking', len(event.request.payload['resource']), 'record(s)')
for record in event.request.payload['resource']:
    if not record.get('name'):
        raise BadRequestException('A todo needs a name.')
"""


def _todos(live) -> int:
    answer = live.api("GET", "db/_table/todo", params={"include_count": "true", "limit": 1})
    return answer.json()["meta"]["count"]


def test_write_run_and_delete_a_pre_process_script(console, live, tmp_path):
    types = [t["name"] for t in live.api("GET", "system/script_type").json()["resource"]]
    assert "python" in types, types
    before = _todos(live)

    console.get(f"{live.base}/admin/#/scripts")
    click(console, "a[href='#/scripts/service/db']", "the db service's events", live)
    tables = wait_for(
        console,
        lambda d: d.find_element(
            By.CSS_SELECTOR, "section[data-path='db._table.{table_name}'] select"
        ),
        "the table picker",
        live,
    )
    Select(tables).select_by_value("todo")
    click(console, f"a[href='#/scripts/edit/{EVENT}']", "the todo POST pre_process event", live)
    wait_for(
        console, lambda d: d.find_elements(By.CSS_SELECTOR, ".code-editor"), "the editor", live
    )
    Select(console.find_element(By.NAME, "type")).select_by_value("python")
    type_into(console, "textarea[name=content]", SCRIPT, "the script", live)
    click(console, "#save-script", "save", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "delete-script"), "the saved script", live)
    saved = live.api("GET", f"system/event_script/{EVENT}").json()
    assert (saved["type"], saved["content"], saved["is_active"]) == ("python", SCRIPT, True)
    wait_for(
        console,
        lambda d: d.find_elements(By.CSS_SELECTOR, ".code-editor .tok-keyword"),
        "the script highlighted",
        live,
    )

    type_into(console, "textarea[name=body]", '{"resource": [{"complete": 0}]}', "the body", live)
    click(console, "#run-script", "run", live)
    status = wait_for(
        console, lambda d: d.find_element(By.ID, "run-status").text, "the answer", live
    )
    assert status == "400"
    assert "A todo needs a name." in console.find_element(By.ID, "run-content").text
    log = console.find_element(By.ID, "run-log").text
    assert "checking 1 record(s)" in log and "A todo needs a name." in log
    assert _todos(live) == before
    console.save_screenshot(str(tmp_path / "script-run.png"))

    click(console, "#delete-script", "delete", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(console, lambda d: "Event scripts" in text_of(d), "the scripts overview", live)
    assert live.api("GET", f"system/event_script/{EVENT}").status_code == 404

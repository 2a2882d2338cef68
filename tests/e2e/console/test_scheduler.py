"""The scheduler in the console: create a task, see it run (the scheduler's own command) and
its log, then delete it."""

from __future__ import annotations

import subprocess

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.conftest import click, type_into, wait_for
from tests.e2e.console.conftest import text_of
from tests.test_quickstart import ROOT, _clean_env

pytestmark = pytest.mark.slow

SCHEDULER_SECONDS = 120
"""Longest a `flask scheduler run --once` may take on a busy machine."""


def _run_scheduler_once(live) -> None:
    """The README's way to run the due tasks of this minute, beside the server's store."""
    env = _clean_env(
        DF_INSTANCE_PATH=str(live.store / "instance"), DF_STORAGE_PATH=str(live.store / "storage")
    )
    done = subprocess.run(  # noqa: S603 - our own venv's flask, fixed arguments
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", "scheduler", "run", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SCHEDULER_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_schedule_a_task_see_its_log_and_delete_it(console, live, tmp_path):
    console.get(f"{live.base}/admin/#/scheduler")
    click(console, "#create-task", "create", live)
    type_into(console, "input[name=name]", "count-todos", "the name", live)
    type_into(console, "input[name=cron]", "* * * * *", "the cron", live)
    Select(console.find_element(By.NAME, "service")).select_by_value("db")
    Select(console.find_element(By.NAME, "verb")).select_by_value("GET")
    type_into(console, "input[name=component]", "_table/todo", "the component", live)
    click(console, "#save-task", "save", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "delete-task"), "the saved task", live)
    found = live.api("GET", "system/scheduler", params={"filter": "name='count-todos'"}).json()
    task = found["resource"][0]
    assert (task["service"], task["component"], task["verb"], task["cron"]) == (
        "db",
        "_table/todo",
        "GET",
        "* * * * *",
    )
    assert task["role_id"] is None and task["has_log"] is False
    assert len(console.find_elements(By.CSS_SELECTOR, "#next-runs li")) == 3

    _run_scheduler_once(live)
    console.refresh()
    wait_for(console, lambda d: d.find_elements(By.CSS_SELECTOR, ".task-log td"), "the log", live)
    assert "200" in console.find_element(By.CSS_SELECTOR, ".task-log table").text
    console.save_screenshot(str(tmp_path / "task-log.png"))
    runs = live.api("GET", f"system/scheduler/{task['id']}", params={"related": "task_log"})
    assert [r["status_code"] for r in runs.json()["task_log"]] == [200]

    console.get(f"{live.base}/admin/#/scheduler")
    wait_for(console, lambda d: "count-todos" in text_of(d), "the task in the list", live)
    click(console, f"a[href='#/scheduler/{task['id']}']", "the task", live)
    click(console, "#delete-task", "delete", live)
    click(console, "#confirm-ok", "the confirmation", live)
    wait_for(console, lambda d: d.find_elements(By.ID, "create-task"), "the list", live)
    assert live.api("GET", f"system/scheduler/{task['id']}").status_code == 404

"""``system/scheduler`` over HTTP, runs logged in ``task_log``, and the queue in the environment.

Runs here go through ``flask scheduler run --once`` in this process (Flask's
CLI runner) on an app without Redis, where due tasks run inline; the queued
form, with real workers and two schedulers, is in ``test_scheduler_run``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import assert_error, create_role

MINUTE = "2026-03-02T10:15"
"""A Monday, 10:15 UTC: due for '*/5 * * * *' and '15 10 * * 1', not for '0 3 * * *'."""


def service_id(admin, name: str) -> int:
    response = admin.get("system/service", query_string={"filter": f"name={name}"})
    return response.get_json()["resource"][0]["id"]


def script_role(admin, name: str = "cron", requestor_mask: int = 2) -> int:
    """A role that may POST and GET db/_table/* as a script requestor (mask 2)."""
    access = {
        "service_id": service_id(admin, "db"),
        "component": "_table/*",
        "verb_mask": 3,
        "requestor_mask": requestor_mask,
    }
    return create_role(admin, name, [access])


def create_task(admin, **fields) -> dict:
    body = {
        "name": "add contact",
        "cron": "*/5 * * * *",
        "service": "db",
        "component": "_table/contact",
        "verb": "post",
        "payload": {"resource": [{"first_name": "Cron", "last_name": "Job"}]},
        **fields,
    }
    response = admin.post(
        "system/scheduler", json={"resource": [body]}, query_string={"fields": "*"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]


def run_minute(application, minute: str = MINUTE):
    result = application.test_cli_runner().invoke(
        args=["scheduler", "run", "--once", "--at", minute]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_task_is_created_read_and_its_runs_logged(app, admin):
    role_id = script_role(admin)
    task = create_task(admin, role_id=role_id, cron=" */5  *  * * * ")
    assert task["verb"] == "POST" and task["cron"] == "*/5 * * * *"
    assert task["source"] == "api" and task["is_active"] is True

    output = run_minute(app)

    assert "add contact: ran" in output
    contacts = admin.get("db/_table/contact", query_string={"filter": "first_name=Cron"})
    assert len(contacts.get_json()["resource"]) == 1
    body = admin.get(f"system/scheduler/{task['id']}", query_string={"related": "task_log"})
    (run,) = body.get_json()["task_log"]
    tick = int(dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.UTC).timestamp())
    assert (run["tick"], run["status"], run["status_code"], run["attempts"]) == (
        tick,
        "succeeded",
        200,
        1,
    )
    assert '"id"' in run["content"]
    newest = admin.get(
        "system/scheduler", query_string={"related": "task_log_by_task_id"}
    ).get_json()["resource"][0]["task_log_by_task_id"]
    assert newest == run  # DreamFactory's one log row per task: the newest run


def test_the_same_minute_runs_once_and_other_minutes_again(app, admin):
    task = create_task(admin, role_id=script_role(admin))
    run_minute(app)
    assert "add contact: taken" in run_minute(app)
    run_minute(app, "2026-03-02T10:20")
    run_minute(app, "2026-03-02T10:21")  # not due
    logs = admin.get(f"system/scheduler/{task['id']}", query_string={"related": "task_log"})
    assert [r["status"] for r in logs.get_json()["task_log"]] == ["succeeded", "succeeded"]


def test_a_role_without_the_script_requestor_bit_is_refused_and_logged(app, admin):
    task = create_task(admin, role_id=script_role(admin, requestor_mask=1))
    run_minute(app)
    (run,) = admin.get(
        f"system/scheduler/{task['id']}", query_string={"related": "task_log"}
    ).get_json()["task_log"]
    assert (run["status"], run["status_code"]) == ("failed", 403)
    assert "Access Forbidden" in run["content"]


def test_inactive_and_not_due_tasks_do_not_run(app, admin):
    role_id = script_role(admin)
    create_task(admin, name="nightly", cron="0 3 * * *", role_id=role_id)
    create_task(admin, name="off", role_id=role_id, is_active=False)
    assert run_minute(app).strip() == ""


def test_old_runs_are_pruned(app, admin, spare_app, backend, stores, tmp_path):
    task = create_task(admin, role_id=script_role(admin), cron="* * * * *")
    keeper = spare_app(stores(backend), str(tmp_path / "storage"), SCHEDULER_LOG_KEEP=2)
    for minute in ("10:15", "10:16", "10:17"):
        run_minute(keeper, f"2026-03-02T{minute}")
    logs = admin.get(f"system/scheduler/{task['id']}", query_string={"related": "task_log"})
    ticks = [r["tick"] for r in logs.get_json()["task_log"]]
    first = int(dt.datetime(2026, 3, 2, 10, 16, tzinfo=dt.UTC).timestamp())
    assert ticks == [first, first + 60]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"cron": "61 * * * *"}, "cron", "five-field cron expression"),
        ({"cron": "* * * * * *"}, "cron", "five-field cron expression"),
        ({"role_id": 999}, "role_id", "The selected role id is invalid."),
        ({"service": "nope"}, "service", "There is no service named 'nope'."),
        ({"service": None}, "service", "A task needs a service to call"),
        ({"script_type": "python", "script": "x"}, "script_type", "not both"),
        ({"name": "file:mine"}, "name", "belong to the schedule file"),
        ({"verb": "FETCH"}, "verb", "The selected verb is invalid."),
    ],
)
def test_bad_tasks_are_refused_by_field(admin, fields, field, message):
    role_id = script_role(admin)
    body = {"name": "t", "cron": "* * * * *", "service": "db", "role_id": role_id, **fields}
    error = assert_error(admin.post("system/scheduler", json=body), 400)
    assert field in error["context"], error
    assert message in " ".join(error["context"][field])


def test_a_script_task_needs_a_known_engine_and_code(admin):
    role_id = script_role(admin)
    body = {"name": "s", "cron": "* * * * *", "role_id": role_id, "script_type": "cobol"}
    error = assert_error(admin.post("system/scheduler", json=body), 400)
    assert error["context"]["script_type"] == ["There is no script engine 'cobol'."]


def test_file_tasks_are_listed_but_changed_only_in_the_file(
    app, admin, spare_app, backend, stores, tmp_path
):
    script_role(admin, "ops")
    schedule = tmp_path / "df.cron"
    schedule.write_text(
        "*/5 * * * * role=ops POST db/_table/contact "
        '{"resource": [{"first_name": "F", "last_name": "L"}]}\n'
    )
    filed = spare_app(stores(backend), str(tmp_path / "storage"), SCHEDULE_FILE=str(schedule))
    assert "file:POST db/_table/contact: ran" in run_minute(filed)

    (task,) = admin.get("system/scheduler", query_string={"related": "task_log"}).get_json()[
        "resource"
    ]
    assert (task["name"], task["source"], task["verb"]) == (
        "file:POST db/_table/contact",
        "file",
        "POST",
    )
    assert [r["status_code"] for r in task["task_log"]] == [200]
    message = "comes from the schedule file (DF_SCHEDULE_FILE); change it there."
    assert (
        message
        in assert_error(
            admin.patch(f"system/scheduler/{task['id']}", json={"is_active": False}), 400
        )["message"]
    )
    assert message in assert_error(admin.delete(f"system/scheduler/{task['id']}"), 400)["message"]
    assert admin.delete("system/scheduler", query_string={"force": "true"}).status_code == 200
    assert len(admin.get("system/scheduler").get_json()["resource"]) == 1

    schedule.write_text("# nothing any more\n")
    run_minute(filed)
    assert admin.get("system/scheduler").get_json()["resource"] == []


def test_environment_reports_the_queue(app, admin, anon):
    queue = admin.get("system/environment").get_json()["queue"]
    assert queue["available"] is False and queue["connections"] == []
    assert "DF_REDIS_URL" in queue["message"]
    assert "queue" not in anon.get("system/environment").get_json()


def test_environment_reports_a_configured_queue(qadmin):
    queue = qadmin.get("system/environment").get_json()["queue"]
    assert queue == {"available": True, "connections": ["default"], "message": None}


def test_a_script_task_runs_with_the_tasks_role(app, admin):
    role_id = script_role(admin)
    code = (
        "answer = platform.api.post('db/_table/contact', "
        "{'resource': [{'first_name': 'Script', 'last_name': event['task']['name']}]})\n"
        "if answer['status_code'] >= 400:\n"
        "    raise Exception('refused: ' + str(answer['status_code']))\n"
        "print('made', answer['content']['resource'][0]['id'])\n"
        "return {'role': platform.session.role['name']}"
    )
    body = {"name": "scripted", "cron": "* * * * *", "script_type": "python", "script": code}
    response = admin.post("system/scheduler", json={**body, "role_id": role_id})
    assert response.status_code == 201, response.get_json()

    assert "scripted: ran" in run_minute(app)

    found = admin.get("db/_table/contact", query_string={"filter": "first_name=Script"})
    assert [c["last_name"] for c in found.get_json()["resource"]] == ["scripted"]
    (run,) = admin.get(
        f"system/scheduler/{response.get_json()['id']}", query_string={"related": "task_log"}
    ).get_json()["task_log"]
    assert (run["status"], run["status_code"]) == ("succeeded", 200)
    assert run["content"].startswith('{"role":"cron"}') and "made " in run["content"]

"""``system/scheduler`` in DreamFactory's shape, as its admin console reads and writes it.

The console (``df-admin-interface``, ``adf-scheduler``) lists tasks with
``related=task_log_by_task_id,service_by_service_id``, opens one with
``related=task_log_by_task_id``, creates with ``POST {"resource": [task]}``
and saves with ``PUT system/scheduler/{id}`` and the bare task; its bodies
below are what it sends after its camelCase-to-snake_case interceptor. Its
tasks name no role and run every ``frequency`` minutes; ours keep ``cron``
and ``role_id``, and each shape reads the other's fields.
"""

from __future__ import annotations

import datetime as dt

from tests.conftest import ADMIN_EMAIL, Api, assert_error, create_api_app, create_role
from tests.queue.test_scheduler_api import create_task, run_minute, script_role, service_id

PAYLOAD = '{"resource": [{"first_name": "Console", "last_name": "Task"}]}'
"""The console's payload field: JSON text from a textarea."""

COMPONENTS = ["", "*", "_schema", "_schema/*", "_table", "_table/*", "_table/contact"]
"""What the console lists for the service (``GET db?as_access_list=true``) and echoes back."""


def console_service(admin, name: str = "db") -> dict:
    """The ``service`` object the console sends: its dropdown's record plus components."""
    record = admin.get(f"system/service/{service_id(admin, name)}").get_json()
    keys = ("id", "name", "label", "description", "type")
    return {**{k: record[k] for k in keys}, "components": COMPONENTS}


def console_create(admin, **changes) -> dict:
    """``POST system/scheduler`` as the console's "create" form sends it; the created task."""
    service = console_service(admin)
    body = {
        "component": "_table/contact",
        "description": "Adds a contact",
        "frequency": 5,
        "is_active": True,
        "name": "console task",
        "payload": PAYLOAD,
        "service_id": service["id"],
        "service_name": service["name"],
        "verb": "POST",
        "service": service,
        "verb_mask": 2,
        "id": None,
        **changes,
    }
    response = admin.post(
        "system/scheduler",
        json={"resource": [body]},
        query_string={"fields": "*", "related": "task_log_by_task_id"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]


def console_save(admin, task: dict, **changes):
    """``PUT system/scheduler/{id}`` as the console's edit form sends it."""
    service = console_service(admin)
    body = {
        "last_modified_date": task["last_modified_date"],
        "last_modified_by_id": task["last_modified_by_id"],
        "has_log": bool(task.get("task_log_by_task_id")),
        "created_date": task["created_date"],
        "created_by_id": task["created_by_id"],
        "id": task["id"],
        "component": task["component"],
        "description": task["description"],
        "frequency": task["frequency"],
        "is_active": task["is_active"],
        "name": task["name"],
        "payload": task["payload"] if task["verb"] != "GET" else None,
        "service_id": task["service_id"],
        "service_name": service["name"],
        "verb": task["verb"],
        "service": service,
        "verb_mask": task["verb_mask"],
        **changes,
    }
    return admin.put(
        f"system/scheduler/{task['id']}",
        json=body,
        query_string={"fields": "*", "related": "task_log_by_task_id"},
    )


def console_list(admin) -> dict:
    """The scheduler screen's list (its resolver's query)."""
    response = admin.get(
        "system/scheduler",
        query_string={
            "limit": 50,
            "offset": 0,
            "include_count": "true",
            "related": "task_log_by_task_id,service_by_service_id",
        },
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def admin_id(admin) -> int:
    found = admin.get("system/admin", query_string={"filter": f"email={ADMIN_EMAIL}"})
    return found.get_json()["resource"][0]["id"]


def minute_at(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp())


def test_the_console_creates_lists_opens_saves_and_deletes_a_task(app, admin):
    db_id = service_id(admin, "db")
    task = console_create(admin)
    assert {k: task[k] for k in ("name", "service_id", "component", "verb", "verb_mask")} == {
        "name": "console task",
        "service_id": db_id,
        "component": "_table/contact",
        "verb": "POST",
        "verb_mask": 2,
    }
    assert (task["frequency"], task["cron"], task["payload"]) == (5, "*/5 * * * *", PAYLOAD)
    assert (task["is_active"], task["has_log"], task["task_log_by_task_id"]) == (True, False, None)
    assert (task["role_id"], task["admin_id"], task["service"]) == (None, admin_id(admin), "db")

    listed = console_list(admin)
    assert listed["meta"]["count"] == 1
    (row,) = listed["resource"]
    assert row["task_log_by_task_id"] is None
    service = row["service_by_service_id"]
    assert (service["id"], service["name"], service["type"]) == (db_id, "db", "sqlite")
    assert "config" not in service
    opened = admin.get(
        f"system/scheduler/{task['id']}", query_string={"related": "task_log_by_task_id"}
    )
    assert opened.get_json()["frequency"] == 5

    saved = console_save(
        admin, opened.get_json(), frequency=10, verb="GET", verb_mask=1, payload=None
    )
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert (body["frequency"], body["cron"], body["verb"], body["verb_mask"]) == (
        10,
        "*/10 * * * *",
        "GET",
        1,
    )
    assert body["payload"] is None and body["name"] == "console task"

    deleted = admin.delete(f"system/scheduler/{task['id']}")
    assert deleted.status_code == 200 and deleted.get_json()["id"] == task["id"]
    assert console_list(admin)["resource"] == []


def test_a_console_task_runs_every_frequency_minutes_as_an_admin_and_logs(app, admin):
    task = console_create(admin)

    assert "console task: ran" in run_minute(app, "2026-03-02T10:15")
    assert run_minute(app, "2026-03-02T10:16").strip() == ""
    assert "console task: ran" in run_minute(app, "2026-03-02T10:20")

    made = admin.get("db/_table/contact", query_string={"filter": "first_name=Console"})
    assert len(made.get_json()["resource"]) == 2
    (row,) = console_list(admin)["resource"]
    log = row["task_log_by_task_id"]
    assert (log["task_id"], log["status_code"], log["status"]) == (task["id"], 200, "succeeded")
    assert log["tick"] == minute_at("2026-03-02T10:20")
    assert '"resource"' in log["content"]
    assert log["created_date"] and log["last_modified_date"]
    assert row["has_log"] is True
    opened = admin.get(
        f"system/scheduler/{task['id']}", query_string={"related": "task_log_by_task_id"}
    )
    assert opened.get_json()["task_log_by_task_id"] == log


def test_a_frequency_without_a_cron_form_counts_minutes_from_the_epoch(app, admin):
    task = console_create(admin, frequency=7, verb="GET", verb_mask=1, payload=None)
    assert (task["frequency"], task["cron"]) == (7, None)
    first = minute_at("2026-03-02T10:15")
    due = next(m for m in range(first, first + 7 * 60, 60) if (m // 60) % 7 == 0)
    before = dt.datetime.fromtimestamp(due - 60, dt.UTC).strftime("%Y-%m-%dT%H:%M")
    at = dt.datetime.fromtimestamp(due, dt.UTC).strftime("%Y-%m-%dT%H:%M")
    assert run_minute(app, before).strip() == ""
    assert "console task: ran" in run_minute(app, at)


def test_a_task_with_neither_cron_nor_frequency_runs_every_five_minutes(app, admin):
    task = console_create(admin, frequency=None)
    assert (task["frequency"], task["cron"]) == (5, "*/5 * * * *")


def test_cron_tasks_read_in_both_shapes_and_keep_their_cron_when_the_console_saves(app, admin):
    role_id = script_role(admin)
    db_id = service_id(admin, "db")
    quarter = create_task(admin, name="quarter", cron="*/15 * * * *", role_id=role_id)
    weekly = create_task(admin, name="weekly", cron="15 10 * * 1", role_id=role_id)
    assert (quarter["frequency"], quarter["service_id"], quarter["verb_mask"]) == (15, db_id, 2)
    assert (weekly["frequency"], weekly["cron"], weekly["admin_id"]) == (None, "15 10 * * 1", None)
    assert quarter["payload"] == {"resource": [{"first_name": "Cron", "last_name": "Job"}]}

    untouched = console_save(admin, weekly, description="still weekly")
    assert untouched.status_code == 200, untouched.get_json()
    assert (untouched.get_json()["cron"], untouched.get_json()["role_id"]) == (
        "15 10 * * 1",
        role_id,
    )
    every_half_hour = console_save(admin, weekly, frequency=30).get_json()
    assert (every_half_hour["cron"], every_half_hour["frequency"]) == ("*/30 * * * *", 30)

    back = admin.patch(f"system/scheduler/{weekly['id']}", json={"cron": "0 3 * * *"})
    assert back.status_code == 200, back.get_json()
    read = admin.get(f"system/scheduler/{weekly['id']}").get_json()
    assert (read["cron"], read["frequency"]) == ("0 3 * * *", None)
    assert "weekly" not in run_minute(app, "2026-03-02T10:30")
    cleared = admin.patch(
        f"system/scheduler/{quarter['id']}", json={"cron": None}, query_string={"fields": "*"}
    )
    assert (cleared.get_json()["cron"], cleared.get_json()["frequency"]) == ("*/15 * * * *", 15)


def test_dreamfactory_fields_can_be_selected_and_filtered(app, admin):
    role_id = script_role(admin)
    create_task(admin, name="poster", role_id=role_id)
    create_task(admin, name="getter", role_id=role_id, verb="GET", payload=None)
    found = admin.get(
        "system/scheduler",
        query_string={"filter": "verb_mask=1", "fields": "name,service_id,verb_mask,has_log"},
    )
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["resource"] == [
        {
            "name": "getter",
            "service_id": service_id(admin, "db"),
            "verb_mask": 1,
            "has_log": False,
        }
    ]


def test_the_two_shapes_may_not_disagree(app, admin):
    system_id = service_id(admin, "system")
    cases = [
        ({"cron": "*/5 * * * *", "frequency": 7}, "frequency"),
        ({"service": "db", "service_id": system_id}, "service_id"),
        ({"service_id": 99999}, "service_id"),
        ({"verb": "GET", "verb_mask": 2}, "verb_mask"),
        ({"verb_mask": 3}, "verb_mask"),
        ({"frequency": 0}, "frequency"),
    ]
    for fields, field in cases:
        body = {"name": "t", "service": "db", "component": "_table/contact", **fields}
        error = assert_error(admin.post("system/scheduler", json=body), 400)
        assert list(error["context"]) == [field], (fields, error)
    assert admin.get("system/scheduler").get_json()["resource"] == []


def test_only_a_sys_admin_saves_a_task_without_a_role(app, admin, client):
    access = {"service_id": service_id(admin, "system"), "component": "*", "verb_mask": 31}
    ops_role = create_role(admin, "scheduler ops", [{**access, "requestor_mask": 1}])
    _, key = create_api_app(admin, "ops", role_id=ops_role)
    ops = Api(client, api_key=key)
    body = {"name": "t", "cron": "* * * * *", "service": "db", "component": "_table/contact"}

    error = assert_error(ops.post("system/scheduler", json=body), 400)
    assert "only a sys admin may save a task without a role" in error["context"]["role_id"][0]
    made = ops.post("system/scheduler", json={**body, "role_id": script_role(admin)})
    assert made.status_code == 201, made.get_json()
    assert_error(
        ops.patch(f"system/scheduler/{made.get_json()['id']}", json={"role_id": None}), 400
    )

    admins = console_create(admin)
    error = assert_error(ops.patch(f"system/scheduler/{admins['id']}", json={"frequency": 1}), 400)
    assert list(error["context"]) == ["role_id"]


def test_a_task_whose_role_is_deleted_does_not_run_as_an_admin(app, admin):
    role_id = script_role(admin, "doomed")
    task = create_task(admin, role_id=role_id)
    assert admin.delete(f"system/role/{role_id}").status_code == 200
    assert admin.get(f"system/scheduler/{task['id']}").get_json()["role_id"] is None

    run_minute(app)

    log = admin.get(
        f"system/scheduler/{task['id']}", query_string={"related": "task_log_by_task_id"}
    ).get_json()["task_log_by_task_id"]
    assert (log["status"], log["status_code"]) == ("failed", 403)
    made = admin.get("db/_table/contact", query_string={"filter": "first_name=Cron"})
    assert made.get_json()["resource"] == []


def test_the_task_list_shows_frequency_tasks_and_their_next_run(app, admin):
    console_create(admin, name="seven", frequency=7, verb="GET", verb_mask=1, payload=None)
    result = app.test_cli_runner().invoke(args=["scheduler", "list"])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert "seven  [every 7 min]  GET db/_table/contact  next: " in line
    upcoming = dt.datetime.fromisoformat(line.rsplit("next: ", 1)[1])
    assert int(upcoming.timestamp()) // 60 % 7 == 0

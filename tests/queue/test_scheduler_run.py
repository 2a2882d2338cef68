"""``flask scheduler run`` processes with Redis: two schedulers, one run per task and minute.

A task from the schedule file and one from ``system/scheduler`` are due at
the same minute; two scheduler processes handle that minute at once, and a
worker process then runs what was enqueued, as the task's role.
"""

from __future__ import annotations

import datetime as dt
import signal

from rq import Queue
from rq.serializers import JSONSerializer

from tests.queue.conftest import wait_for
from tests.queue.test_scheduler_api import create_task, script_role

MINUTE = "2026-03-02T10:15"
TICK = int(dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.UTC).timestamp())

SCHEDULE = (
    "# every five minutes, as role ops\n"
    "*/5 * * * * role=ops name=from-file POST db/_table/contact "
    '{"resource": [{"first_name": "File", "last_name": "Task"}]}\n'
)


def runs(admin) -> dict[str, list[dict]]:
    tasks = admin.get("system/scheduler", query_string={"related": "task_log"}).get_json()
    return {t["name"]: t["task_log"] for t in tasks["resource"]}


def contacts(admin, first_name: str) -> int:
    found = admin.get("db/_table/contact", query_string={"filter": f"first_name={first_name}"})
    return len(found.get_json()["resource"])


def test_two_schedulers_start_each_due_task_once(qapp, qadmin, cli, rclient, tmp_path):
    script_role(qadmin, "ops")
    create_task(qadmin, name="from-api", role_id=script_role(qadmin, "cron"))
    schedule = tmp_path / "df.cron"
    schedule.write_text(SCHEDULE)
    cli.env["DF_SCHEDULE_FILE"] = str(schedule)

    first = cli.start("scheduler", "run", "--once", "--at", MINUTE)
    second = cli.start("scheduler", "run", "--once", "--at", MINUTE)
    outputs = [cli.wait(first), cli.wait(second)]
    assert first.returncode == 0 and second.returncode == 0, outputs

    said = [line for out in outputs for line in out.splitlines() if ": " in line]
    assert len(said) == 4, outputs
    for name in ("from-api", "file:from-file"):
        states = sorted(line.split()[1] for line in said if line.startswith(f"{name}:"))
        assert states == ["queued", "taken"], said
    queue = Queue("default", connection=rclient, serializer=JSONSerializer)
    assert sorted(queue.get_job_ids()) == sorted(
        f"task-{t['id']}-{TICK}" for t in qadmin.get("system/scheduler").get_json()["resource"]
    )
    prefix = qapp.config["REDIS_PREFIX"]
    assert all(rclient.ttl(f"{prefix}sched:{t}:{TICK}") > 0 for t in (1, 2))
    assert {name: [r["status"] for r in logs] for name, logs in runs(qadmin).items()} == {
        "from-api": ["queued"],
        "file:from-file": ["queued"],
    }

    assert cli.run("queue", "work", "--burst").returncode == 0

    logged = runs(qadmin)
    for name in ("from-api", "file:from-file"):
        (run,) = logged[name]
        assert (run["tick"], run["status"], run["status_code"]) == (TICK, "succeeded", 200)
        assert run["job_id"] == f"task-{run['task_id']}-{TICK}"
    assert contacts(qadmin, "Cron") == 1 and contacts(qadmin, "File") == 1


def test_the_scheduler_loop_starts_this_minutes_tasks_and_stops_on_sigterm(qapp, qadmin, cli):
    create_task(qadmin, name="every minute", cron="* * * * *", role_id=script_role(qadmin))

    scheduler = cli.start("scheduler", "run")
    wait_for(lambda: runs(qadmin)["every minute"], timeout=60)
    output = cli.stop(scheduler, signal.SIGTERM)

    assert scheduler.returncode == 0, output
    assert "scheduler state=started inline=False" in output
    assert runs(qadmin)["every minute"][0]["status"] == "queued"


def test_scheduler_list_shows_tasks_and_their_next_run(qapp, qadmin, cli, tmp_path):
    create_task(qadmin, name="nightly", cron="0 3 * * *", role_id=script_role(qadmin, "ops"))
    schedule = tmp_path / "df.cron"
    schedule.write_text(SCHEDULE + "* * * * * GET db/_table/contact\n")
    cli.env["DF_SCHEDULE_FILE"] = str(schedule)

    result = cli.run("scheduler", "list")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("1  nightly  [0 3 * * *]  POST db/_table/contact  next: ")
    assert "T03:00" in lines[0]
    assert lines[1].startswith("2  file:from-file  [*/5 * * * *]  POST db/_table/contact  next: ")
    assert "line 3: role=<role name or id> is required" in result.stderr

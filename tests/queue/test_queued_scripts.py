"""Queued event scripts and queued scripted services, end to end with real workers.

The issue's story: a queued script on ``db._table.orders.post.queued``
writes an audit row after each insert (on a worker, as the caller); a
delayed one runs after its delay; a failing one is listed by ``flask queue
failed`` and succeeds after ``flask queue retry``; without Redis, saving a
queued script is a 503 that says how to configure the queue.
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import assert_error
from tests.queue.conftest import wait_for

ORDERS = {
    "name": "orders",
    "field": [{"name": "id", "type": "id"}, {"name": "item", "type": "string", "length": 80}],
}
AUDIT = {
    "name": "audit",
    "field": [
        {"name": "id", "type": "id"},
        {"name": "order_id", "type": "integer"},
        {"name": "user_email", "type": "string", "length": 255},
        {"name": "written_at", "type": "float"},
    ],
}
AUDIT_SCRIPT = """
import time
created = event.response.content['resource'][0]['id']
user = platform.session.user
answer = platform.api.post('db/_table/audit', {'resource': [{
    'order_id': created,
    'user_email': user['email'] if user else None,
    'written_at': time.time(),
}]})
if answer['status_code'] >= 400:
    raise Exception('audit not written: ' + str(answer['status_code']))
"""
EVENT = "db._table.orders.post.queued"


def save_queued(admin, content: str = AUDIT_SCRIPT, name: str = EVENT, **config) -> None:
    body = {"name": name, "type": "python", "content": content, "is_active": True}
    if config:
        body["config"] = config
    response = admin.post(f"system/event_script/{name}", json=body)
    assert response.status_code in (200, 201), response.get_json()


def save_queued_service(admin, name: str, content: str, **config) -> None:
    """A python scripted service whose calls are queued (``config`` adds queue options)."""
    body = {
        "name": name,
        "label": name.title(),
        "type": "python",
        "is_active": True,
        "config": {"content": content, "queued": True, **config},
    }
    assert admin.post("system/service", json=body).status_code == 201


def audit_rows(admin) -> list[dict]:
    response = admin.get("db/_table/audit")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["resource"]


def order(admin, item: str) -> int:
    response = admin.post("db/_table/orders", json={"resource": [{"item": item}]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["resource"][0]["id"]


@pytest.fixture
def shop(qadmin):
    """The orders and audit tables in the ``db`` service."""
    assert qadmin.post("db/_schema", json={"resource": [ORDERS]}).status_code == 200
    assert qadmin.post("db/_schema", json={"resource": [AUDIT]}).status_code == 200
    return qadmin


def test_a_queued_script_writes_an_audit_row_after_each_insert(shop, cli):
    save_queued(shop)
    first, second = order(shop, "tea"), order(shop, "cake")
    assert audit_rows(shop) == []  # nothing runs before a worker takes the jobs

    result = cli.run("queue", "work", "--burst")

    assert result.returncode == 0, result.stdout + result.stderr
    rows = audit_rows(shop)
    assert sorted(r["order_id"] for r in rows) == [first, second]
    assert {r["user_email"] for r in rows} == {"admin@example.com"}  # the caller's session
    assert "job=script script=db._table.orders.post.queued state=done" in result.stderr


def test_a_delayed_queued_script_runs_after_its_delay(shop, cli):
    save_queued(shop, delay=3)
    ordered_at = time.time()
    order(shop, "tea")

    worker = cli.start("queue", "listen")
    try:
        rows = wait_for(lambda: audit_rows(shop), timeout=60)
    finally:
        cli.stop(worker)
    assert rows[0]["written_at"] >= ordered_at + 3


def test_a_failing_queued_script_is_listed_then_retried(shop, cli):
    broken = AUDIT_SCRIPT.replace("db/_table/audit", "db/_table/audit_log")
    save_queued(shop, broken, tries=2)
    order(shop, "tea")

    assert cli.run("queue", "work", "--burst").returncode == 0
    listing = cli.run("queue", "failed").stdout
    (row,) = listing.strip().splitlines()[1:]
    job_id = row.split()[0]
    assert "JobFailed: 500 audit not written: 404" in row

    save_queued(shop)  # fixed: the job names the script, which is read again when it runs
    assert cli.run("queue", "retry", job_id).returncode == 0
    assert cli.run("queue", "work", "--burst").returncode == 0
    assert len(audit_rows(shop)) == 1
    assert cli.run("queue", "failed").stdout.strip() == "No failed jobs."


def test_a_queued_scripted_service_answers_202_and_runs_on_a_worker(shop, cli):
    code = (
        "platform.api.post('db/_table/orders', "
        "{'resource': [{'item': event.request.payload['item']}]})"
    )
    save_queued_service(shop, "later", code, queue="slow")

    response = shop.post("later", json={"item": "queued tea"})
    assert (response.status_code, response.get_json()) == (202, {"success": True})
    assert cli.run("queue", "work", "--burst").returncode == 0  # the default queue: not there
    assert shop.get("db/_table/orders").get_json()["resource"] == []

    assert cli.run("queue", "work", "--queue", "slow", "--burst").returncode == 0
    items = [r["item"] for r in shop.get("db/_table/orders").get_json()["resource"]]
    assert items == ["queued tea"]


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"delay": -1}, "config.delay", "between 0 and"),
        ({"tries": "many"}, "config.tries", "must be a whole number"),
        ({"timeout": 0}, "config.timeout", "between 1 and"),
        ({"queue": "no spaces"}, "config.queue", "letters, digits"),
        ({"connection": "reports"}, "config.connection", "'reports' is not configured"),
        ({"backoff": [1, "x"]}, "config.backoff", "must be a whole number"),
    ],
)
def test_bad_queue_options_are_refused_when_saved(qadmin, config, field, message):
    body = {"name": EVENT, "type": "python", "content": "pass", "config": config}
    error = assert_error(qadmin.post(f"system/event_script/{EVENT}", json=body), 400)
    assert message in " ".join(error["context"][field])

    service = {"name": "svc", "type": "python", "config": {"content": "pass", "queued": True}}
    service["config"].update(config)
    error = assert_error(qadmin.post("system/service", json=service), 400)
    assert message in " ".join(error["context"][field])


def test_without_redis_saving_or_calling_queued_scripts_is_a_503(admin):
    body = {"name": EVENT, "type": "python", "content": "pass", "is_active": True}
    error = assert_error(admin.post(f"system/event_script/{EVENT}", json=body), 503)
    assert "set DF_REDIS_URL" in error["message"] and "flask queue work" in error["message"]

    service = {"name": "later", "type": "python", "config": {"content": "pass", "queued": True}}
    error = assert_error(admin.post("system/service", json=service), 503)
    assert "set DF_REDIS_URL" in error["message"]

    not_queued = {"name": "db._table.todo.post.post_process", "type": "python", "content": "pass"}
    assert admin.post(f"system/event_script/{not_queued['name']}", json=not_queued).status_code in (
        200,
        201,
    )


def test_with_redis_down_a_call_with_a_queued_script_is_refused_before_writing(
    backend, stores, tmp_path, sample_db
):
    from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api
    from tests.queue.conftest import build_app, close_app, free_port

    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    application = build_app(backend, stores, tmp_path, sample_db, REDIS_URL=down)
    try:
        admin = Api(application.test_client())
        admin.login(ADMIN_EMAIL, ADMIN_PASSWORD)
        save_queued(admin, "pass", name="db._table.todo.post.queued")  # saving needs no Redis

        response = admin.post("db/_table/todo", json={"resource": [{"name": "lost?"}]})

        error = assert_error(response, 503)
        assert "The job queue cannot be reached (Redis at 127.0.0.1:" in error["message"]
        names = [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]
        assert "lost?" not in names
        assert admin.get("db/_table/todo").status_code == 200  # no queued script on GET
    finally:
        close_app(application)


def test_a_queued_call_s_own_timeout_limits_its_script(shop, cli):
    """The job's ``timeout``, not the app's ``SCRIPT_TIMEOUT``, is the script's time limit."""
    save_queued_service(shop, "patient", "import time\ntime.sleep(4)", timeout=1)
    assert shop.post("patient", json={}).status_code == 202

    cli.env["DF_SCRIPT_TIMEOUT"] = "30"
    assert cli.run("queue", "work", "--burst").returncode == 0
    (row,) = cli.run("queue", "failed").stdout.strip().splitlines()[1:]
    assert "did not finish within 1 s" in row, row

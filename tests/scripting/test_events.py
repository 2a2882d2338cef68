"""Event scripts around real endpoints: which fire, in what order, and what their changes do."""

from __future__ import annotations

from tests.conftest import assert_error
from tests.scripting.helpers import save_script

TODO_NAMES = ["Try the API docs", "Create a role", "Add an app"]

MARK = """
body = event.response.content
body['seen'] = body.get('seen', []) + [{name!r}]
event.response.content = body
"""


def test_generic_then_specific_post_process(admin):
    save_script(admin, "db._table.todo.get.post_process", MARK.format(name="specific"))
    save_script(admin, "db._table.{table_name}.get.post_process", MARK.format(name="generic"))
    body = admin.get("db/_table/todo").get_json()
    assert body["seen"] == ["generic", "specific"]
    assert [r["name"] for r in body["resource"]] == TODO_NAMES
    other = admin.get("db/_table/contact").get_json()
    assert other["seen"] == ["generic"]


def test_record_events_carry_the_id_as_resource(admin):
    script = "event.response.content['event_resource'] = event.resource"
    save_script(admin, "db._table.{table_name}.{id}.get.post_process", script)
    body = admin.get("db/_table/todo/2").get_json()
    assert body["name"] == "Create a role"
    assert body["event_resource"] == "2"
    table = admin.get("db/_table/todo").get_json()
    assert "event_resource" not in table


def test_service_and_system_resource_names(admin):
    save_script(admin, "system.role.get.post_process", MARK.format(name="role"))
    save_script(admin, "db.get.post_process", MARK.format(name="root"))
    assert admin.get("system/role").get_json()["seen"] == ["role"]
    assert "seen" not in admin.get("system/app").get_json()
    assert admin.get("db").get_json()["seen"] == ["root"]
    # a sub-resource fires its own names only, never the service-level ones
    assert "seen" not in admin.get("db/_table/todo").get_json()


def test_pre_process_changes_the_request(admin):
    script = "event.request.parameters['filter'] = 'id=2'"
    save_script(admin, "db._table.todo.get.pre_process", script)
    body = admin.get("db/_table/todo").get_json()
    assert [r["id"] for r in body["resource"]] == [2]


def test_changes_without_allow_event_modification_are_ignored(admin):
    save_script(
        admin,
        "db._table.todo.get.pre_process",
        "event.request.parameters['filter'] = 'id=2'",
        allow=False,
    )
    save_script(
        admin, "db._table.todo.get.post_process", "event.response.content = {'x': 1}", allow=False
    )
    body = admin.get("db/_table/todo").get_json()
    assert [r["name"] for r in body["resource"]] == TODO_NAMES


def test_inactive_scripts_do_not_run(admin):
    save_script(admin, "db._table.todo.get.pre_process", "raise Exception('no')", active=False)
    assert admin.get("db/_table/todo").status_code == 200
    admin.patch("system/event_script/db._table.todo.get.pre_process", json={"is_active": True})
    assert_error(admin.get("db/_table/todo"), 500, "no")


def test_pre_process_payload_change_reaches_the_service(admin):
    script = """
for record in event.request.payload['resource']:
    record['name'] = record['name'].upper()
"""
    save_script(admin, "db._table.todo.post.pre_process", script)
    created = admin.post(
        "db/_table/todo", json={"resource": [{"name": "shout", "complete": False}]}
    )
    assert created.status_code == 200, created.get_json()
    new_id = created.get_json()["resource"][0]["id"]
    assert admin.get(f"db/_table/todo/{new_id}").get_json()["name"] == "SHOUT"


def test_pre_process_response_skips_the_service(admin):
    script = """
event.response = {'status_code': 418, 'content': {'short': 'circuit'}}
event.response.headers = {'X-From': 'script'}
"""
    save_script(admin, "db._table.todo.{id}.delete.pre_process", script)
    response = admin.delete("db/_table/todo/1")
    assert response.status_code == 418
    assert response.get_json() == {"short": "circuit"}
    assert response.headers["X-From"] == "script"
    assert admin.get("db/_table/todo/1").status_code == 200  # nothing was deleted


def test_pre_process_error_skips_the_service_but_post_process_still_runs(admin):
    save_script(admin, "db._table.todo.post.pre_process", "raise NotFoundException('gone', 77)")
    post = "event.response.headers['X-Post'] = str(event.response.status_code)"
    save_script(admin, "db._table.todo.post.post_process", post)
    response = admin.post("db/_table/todo", json={"resource": [{"name": "never"}]})
    assert_error(response, 404, "gone", code=77)
    assert response.headers["X-Post"] == "404"
    names = [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]
    assert "never" not in names


def test_post_process_sees_and_can_replace_a_service_error(admin):
    script = """
if event.response.status_code == 404:
    event.response.status_code = 200
    event.response.content = {'found': False, 'was': event.response.content['error']['message']}
"""
    save_script(admin, "db._table.{table_name}.{id}.get.post_process", script)
    response = admin.get("db/_table/todo/999")
    assert response.status_code == 200
    assert response.get_json() == {"found": False, "was": "Record with identifier '999' not found."}


def test_post_process_return_value_becomes_the_content(admin):
    save_script(
        admin,
        "db._table.todo.get.post_process",
        "return {'count': len(event.response.content['resource'])}",
    )
    assert admin.get("db/_table/todo").get_json() == {"count": 3}


def test_stop_propagation_ends_the_stage(admin):
    generic = MARK.format(name="generic") + "event.stop_propagation = True\n"
    save_script(admin, "db._table.{table_name}.get.post_process", generic)
    save_script(admin, "db._table.todo.get.post_process", MARK.format(name="specific"))
    assert admin.get("db/_table/todo").get_json()["seen"] == ["generic"]


def test_post_process_exception_replaces_the_response(admin):
    save_script(admin, "db._table.todo.get.post_process", "raise RestException(418, 'Sorry Mate')")
    assert_error(admin.get("db/_table/todo"), 418, "Sorry Mate")


def test_a_changed_verb_is_authorized_again(admin, client):
    from tests.conftest import USER_PASSWORD, Api, create_api_app, create_role, create_user

    db_id = admin.get("system/service", query_string={"filter": "name=db"}).get_json()["resource"][
        0
    ]["id"]
    role = create_role(
        admin,
        "todo_reader",
        [{"service_id": db_id, "component": "_table/todo", "verb_mask": 1, "requestor_mask": 3}],
    )
    _, key = create_api_app(admin, "todo_app", role)
    create_user(admin, "reader@example.com")
    user = Api(client, api_key=key)
    user.login("reader@example.com", USER_PASSWORD, admin=False)
    save_script(
        admin,
        "db._table.todo.get.pre_process",
        "event.request.method = 'DELETE'\nevent.request.parameters['ids'] = '1'",
    )
    response = user.get("db/_table/todo")
    assert_error(response, 403)
    assert admin.get("db/_table/todo/1").status_code == 200


def test_queued_script_without_a_queue_refuses_before_the_service(app, admin):
    from app import enqueue

    app.extensions[enqueue.SCRIPT_QUEUE_KEY] = object()  # saved while a queue was configured
    save_script(admin, "db._table.todo.post.queued", "print('later')")
    del app.extensions[enqueue.SCRIPT_QUEUE_KEY]
    response = admin.post("db/_table/todo", json={"resource": [{"name": "queued"}]})
    error = assert_error(response, 503)
    assert "queue" in error["message"]
    names = [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]
    assert "queued" not in names
    assert admin.get("db/_table/todo").status_code == 200  # other verbs are not affected


def test_queued_script_goes_to_a_registered_queue(app, admin):
    """The queue hook: a registered queue gets a plain job that ``run_queued`` can run."""
    import json

    from app import enqueue
    from app.dispatch.queued import run_queued

    jobs: list[dict] = []

    class RecordingQueue:
        def enqueue(self, job, config):
            jobs.append(json.loads(json.dumps(job)))  # plain JSON, like a real queue stores

    app.extensions[enqueue.SCRIPT_QUEUE_KEY] = RecordingQueue()
    script = (
        "name = 'from the queue ' + str(event.response.status_code)\n"
        "platform.api.post('db/_table/todo', {'resource': [{'name': name}]})"
    )
    save_script(admin, "db._table.todo.post.queued", script)
    response = admin.post("db/_table/todo", json={"resource": [{"name": "first"}]})
    assert response.status_code == 200, response.get_json()
    assert len(jobs) == 1
    job = jobs[0]
    assert job["kind"] == "event_script"
    assert job["script"] == "db._table.todo.post.queued"
    assert "x-dreamfactory-session-token" not in job["event"]["request"]["headers"]
    assert job["actor"]["user_id"] is not None
    with app.app_context():
        run_queued(job)
        from app.extensions import db

        db.session.remove()
    names = [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]
    assert "from the queue 200" in names


def test_script_events_fire_for_platform_api_calls_too(admin):
    save_script(
        admin, "db._table.contact.get.post_process", "event.response.content = {'wrapped': True}"
    )
    save_script(
        admin,
        "system.environment.get.post_process",
        "return platform.api.get('db/_table/contact').content",
    )
    assert admin.get("system/environment").get_json() == {"wrapped": True}

"""Scripted services: a script as a whole API, its answer shapes, queueing, caching and events."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.scripting.helpers import create_script_service, save_script


def test_event_and_answer(admin):
    code = """
event.response.content = {
    'method': event.request.method,
    'resource': event.resource,
    'params': event.request.parameters,
    'payload': event.request.payload,
    'status': event.response.status_code,
}
"""
    create_script_service(admin, "hello", code)
    response = admin.post("hello/items/7", json={"a": 1}, query_string={"x": "y"})
    assert response.status_code == 200
    assert response.get_json() == {
        "method": "POST",
        "resource": "items/7",
        "params": {"x": "y"},
        "payload": {"a": 1},
        "status": 200,
    }
    assert admin.get("hello").get_json()["resource"] == ""


@pytest.mark.parametrize(
    ("code", "status", "body", "content_type"),
    [
        ("return {'plain': 'value'}", 200, {"plain": "value"}, "application/json"),
        ("return [1, 2]", 200, [1, 2], "application/json"),
        (
            "return {'content': {'made': True}, 'status_code': 201, 'headers': {'X-A': 'b'}}",
            201,
            {"made": True},
            "application/json",
        ),
        (
            "return {'response': {'content': 'hi', 'content_type': 'text/plain', "
            "'status_code': 202}}",
            202,
            "hi",
            "text/plain",
        ),
        ("event.response.status_code = 204\nevent.response.content = None", 204, None, None),
        ("event.response = {'status_code': 409, 'content': {'taken': 1}}", 409, {"taken": 1}, None),
    ],
)
def test_answer_shapes(admin, code, status, body, content_type):
    create_script_service(admin, "shape", code)
    response = admin.get("shape")
    assert response.status_code == status
    if status == 204:
        return
    if content_type == "text/plain":
        assert response.mimetype == "text/plain"
        assert response.get_data(as_text=True) == body
    else:
        assert response.get_json() == body
    if "X-A" in code:
        assert response.headers["X-A"] == "b"


def test_exceptions_give_envelopes(admin):
    create_script_service(admin, "boom", "raise ConflictResourceException('taken', 42)")
    assert_error(admin.get("boom"), 409, "taken", code=42)
    create_script_service(admin, "crash", "1 / 0")
    error = assert_error(admin.get("crash"), 500)
    assert error["message"].startswith("ZeroDivisionError")


def test_lookups_are_not_substituted_in_the_code(admin):
    admin.post("system/lookup", json={"resource": [{"name": "greeting", "value": "hello"}]})
    create_script_service(admin, "braces", "return {'text': '{greeting}'}")
    assert admin.get("braces").get_json() == {"text": "{greeting}"}


def test_queued_service_without_a_queue(app, admin):
    from app import enqueue

    app.extensions[enqueue.SCRIPT_QUEUE_KEY] = object()  # saved while a queue was configured
    create_script_service(admin, "later", "print('ran')", queued=True)
    del app.extensions[enqueue.SCRIPT_QUEUE_KEY]
    error = assert_error(admin.post("later", json={"a": 1}), 503)
    assert "queue" in error["message"]


def test_queued_service_answers_202_and_the_job_runs_the_script(app, admin):
    import json

    from app import enqueue
    from app.dispatch.queued import run_queued

    jobs: list[dict] = []

    class RecordingQueue:
        def enqueue(self, job, config):
            jobs.append(json.loads(json.dumps(job)))

    app.extensions[enqueue.SCRIPT_QUEUE_KEY] = RecordingQueue()
    code = (
        "platform.api.post('db/_table/todo', {'resource': [{'name': event.request.payload['n']}]})"
    )
    create_script_service(admin, "later", code, queued=True)
    response = admin.post("later", json={"n": "queued todo"})
    assert response.status_code == 202
    assert response.get_json() == {"success": True}
    assert [j["kind"] for j in jobs] == ["service"]
    with app.app_context():
        run_queued(jobs[0])
        from app.extensions import db

        db.session.remove()
    names = [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]
    assert "queued todo" in names


def recording_queue(app) -> list[dict]:
    """Jobs handed to the queue, as plain JSON (what a real queue stores)."""
    import json

    from app import enqueue

    jobs: list[dict] = []

    class RecordingQueue:
        def enqueue(self, job, config):
            jobs.append(json.loads(json.dumps(job)))

    app.extensions[enqueue.SCRIPT_QUEUE_KEY] = RecordingQueue()
    return jobs


def run_job(app, job) -> None:
    from app.dispatch.queued import run_queued
    from app.extensions import db

    with app.app_context():
        try:
            run_queued(job)
        finally:
            db.session.remove()


def test_a_queued_call_runs_once_without_its_events_again(app, admin):
    """The worker runs the call that was queued: the service's own event scripts ran
    when it was queued (pre-process on the request, post-process on the 202), not again."""
    jobs = recording_queue(app)
    code = "platform.api.post('db/_table/todo', {'resource': [{'name': 'ran'}]})"
    create_script_service(admin, "later", code, queued=True)
    save_script(
        admin,
        "later.post.pre_process",
        "platform.api.post('db/_table/todo', {'resource': [{'name': 'pre'}]})",
    )
    assert admin.post("later", json={}).status_code == 202
    assert len(jobs) == 1
    run_job(app, jobs[0])
    names = [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]
    assert names.count("pre") == 1
    assert names.count("ran") == 1
    assert len(jobs) == 1  # run, not queued again


def test_a_queued_call_is_checked_as_its_caller_is_when_it_runs(app, admin, client):
    """A queued call takes the internal call path: a caller whose role lost the service
    between queueing and running is refused, and the script does not run."""
    from app.vocabulary.errors import ApiError
    from tests.conftest import Api, create_api_app, create_role

    jobs = recording_queue(app)
    code = "platform.api.post('db/_table/todo', {'resource': [{'name': 'revoked ran'}]})"
    create_script_service(admin, "later", code, queued=True)
    access = {"service_id": service_id(admin, "later"), "component": "*", "verb_mask": 31}
    role = create_role(admin, "queuers", [access])
    _, key = create_api_app(admin, "queuer", role)
    assert Api(client, api_key=key).post("later", json={}).status_code == 202
    assert admin.patch(f"system/role/{role}", json={"is_active": False}).status_code == 200
    with pytest.raises(ApiError) as refused:
        run_job(app, jobs[0])
    assert refused.value.status in (401, 403)
    names = [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]
    assert "revoked ran" not in names


def service_id(admin, name: str) -> int:
    found = admin.get("system/service", query_string={"filter": f"name={name}"}).get_json()
    return found["resource"][0]["id"]


def test_cache_keeps_get_answers(admin):
    code = """
created = platform.api.post('db/_table/todo', {'resource': [{'name': 'tick'}]})
return {'id': created.content['resource'][0]['id']}
"""
    create_script_service(admin, "counter", code, cache_enabled=True, cache_ttl=300)
    first = admin.get("counter").get_json()
    assert admin.get("counter").get_json() == first
    assert admin.get("counter", query_string={"x": "1"}).get_json() != first
    assert admin.post("counter").get_json() != first  # only GET is cached


def test_own_events_fire_around_it(admin):
    create_script_service(admin, "hello", "return {'from': 'service'}")
    save_script(admin, "hello.get.post_process", "event.response.content['post'] = True")
    save_script(
        admin,
        "hello.get.pre_process",
        "event.request.parameters['seen'] = 'pre'",
    )
    assert admin.get("hello/anything").get_json() == {"from": "service", "post": True}


def test_openapi_paths_name_events_and_access_list(admin):
    doc = {"openapi": "3.0.0", "paths": {"/items/{id}": {"get": {}, "delete": {}}}}
    create_script_service(admin, "shop", "return {'resource': event.resource}", openapi=doc)
    save_script(
        admin,
        "shop.items.{id}.get.post_process",
        "event.response.content['event_resource'] = event.resource",
    )
    assert admin.get("shop/items/9").get_json() == {
        "resource": "items/9",
        "event_resource": {"id": "9"},
    }
    assert admin.get("shop/other").get_json() == {"resource": "other"}
    listing = admin.get("shop", query_string={"as_access_list": "true"}).get_json()
    assert listing == {"resource": ["", "*", "items/*", "items/{id}"]}


def test_code_from_a_file_service(admin):
    files = admin.get("system/service", query_string={"filter": "name=files"}).get_json()
    files_id = files["resource"][0]["id"]
    assert admin.post("files/svc.py", data=b"return {'version': 1}").status_code == 201
    create_script_service(admin, "linked", "", storage_service_id=files_id, storage_path="svc.py")
    assert admin.get("linked").get_json() == {"version": 1}
    assert admin.post("files/svc.py", data=b"return {'version': 2}").status_code == 201
    assert admin.get("linked").get_json() == {"version": 2}


def test_config_validation(admin):
    body = {"name": "bad", "type": "python", "config": {"cache_ttl": -1, "openapi": "[1"}}
    error = assert_error(admin.post("system/service", json=body), 400)
    assert set(error["context"]) == {"config.cache_ttl", "config.openapi"}
    body = {"name": "bad", "type": "python", "config": {"storage_service_id": 1}}
    error = assert_error(admin.post("system/service", json=body), 400)
    assert "config.storage_path" in error["context"]


def test_service_type_listing(admin):
    types = admin.get("system/service_type", query_string={"group": "script"}).get_json()
    names = [t["name"] for t in types["resource"]]
    assert {"python", "python3"} <= set(names)
    assert all(t["group"] == "Script" for t in types["resource"])

"""``system/test_call``: one call made as the caller, its answer and its scripts' log lines."""

from __future__ import annotations

from tests.conftest import (
    USER_PASSWORD,
    Api,
    assert_error,
    create_api_app,
    create_role,
    create_user,
)
from tests.scripting.helpers import save_script

NAME = "db._table.todo.post.pre_process"
REJECTING = """
print('checking', len(event.request.payload['resource']), 'record(s)')
for record in event.request.payload['resource']:
    if not record.get('name'):
        raise BadRequestException('A todo needs a name.')
"""


def test_a_refused_call_answers_the_error_and_the_scripts_lines(admin):
    save_script(admin, NAME, REJECTING)
    before = len(admin.get("db/_table/todo").get_json()["resource"])
    answer = admin.post(
        "system/test_call",
        json={"verb": "POST", "path": "db/_table/todo", "body": {"resource": [{"complete": 1}]}},
    )
    assert answer.status_code == 200, answer.get_json()
    out = answer.get_json()
    assert out["status_code"] == 400
    assert out["content"]["error"]["message"] == "A todo needs a name."
    assert out["log"] == [
        {"script": NAME, "level": "info", "message": "checking 1 record(s)"},
        {"script": NAME, "level": "error", "message": "A todo needs a name."},
    ]
    assert len(admin.get("db/_table/todo").get_json()["resource"]) == before


def test_an_allowed_call_answers_its_content_with_params(admin):
    save_script(admin, NAME, REJECTING)
    answer = admin.post(
        "system/test_call",
        json={
            "verb": "post",
            "path": "/db/_table/todo",
            "params": {"fields": "name"},
            "body": {"resource": [{"name": "tested", "complete": 0}]},
        },
    ).get_json()
    assert answer["status_code"] == 200
    assert answer["content"] == {"resource": [{"name": "tested"}]}
    assert answer["content_type"] == "application/json"
    assert [line["level"] for line in answer["log"]] == ["info"]
    assert admin.get("db/_table/todo", query_string={"filter": "name='tested'"}).get_json()[
        "resource"
    ]


def test_a_call_without_scripts_has_an_empty_log(admin):
    answer = admin.post("system/test_call", json={"path": "db/_table/todo"}).get_json()
    assert (answer["status_code"], answer["log"]) == (200, [])
    assert "resource" in answer["content"]


def test_bad_requests_name_the_field(admin):
    response = admin.post("system/test_call", json={"verb": "FETCH", "path": ""})
    assert_error(response, 400)
    context = response.get_json()["error"]["context"]
    assert set(context) == {"verb", "path"}
    response = admin.post("system/test_call", json={"path": "db", "params": [1]})
    assert set(assert_error(response, 400)["context"]) == {"params"}


def test_the_call_is_checked_as_the_callers(admin, client):
    system = admin.get("system/service", query_string={"filter": "name='system'"})
    grant = {"component": "test_call", "verb_mask": 2, "requestor_mask": 1}
    role = create_role(
        admin, "test-caller", [{**grant, "service_id": system.get_json()["resource"][0]["id"]}]
    )
    _, key = create_api_app(admin, "test-caller-app", role)
    create_user(admin, "tester@example.com")
    user = Api(client, api_key=key)
    user.login("tester@example.com", USER_PASSWORD, admin=False)
    answer = user.post("system/test_call", json={"path": "db/_table/todo"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status_code"] == 403


def test_the_system_document_describes_it(admin):
    spec = admin.get("system/_spec").get_json()
    post = spec["paths"]["/test_call"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/TestCall"
    )
    answer = spec["components"]["schemas"]["TestCallAnswer"]
    assert set(answer["properties"]) == {"status_code", "content_type", "headers", "content", "log"}

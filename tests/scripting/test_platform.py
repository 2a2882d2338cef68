"""What scripts reach through ``platform``: in-process calls, outside URLs, config, session."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import ADMIN_KEY, assert_error
from tests.scripting.helpers import save_script

HOOK = "system.environment.get.post_process"
"""An endpoint every test can hang a script on; the script's return value is the answer."""


def run_script(admin, code: str, **query):
    save_script(admin, HOOK, code)
    return admin.get("system/environment", query_string=query)


class Echo(BaseHTTPRequestHandler):
    """Answers every request with what it received, as JSON."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if self.path.startswith("/big"):
            data = b"x" * (64 * 1024)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        data = json.dumps(
            {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Echo", "yes")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format, *args):  # keep test output quiet
        pass


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


# -- in-process calls --------------------------------------------------------------------------


def test_internal_get_post_patch_delete(admin):
    code = """
created = platform.api.post('db/_table/todo', {'resource': [{'name': 'scripted'}]})
new_id = created.content['resource'][0]['id']
patched = platform.api.patch('db/_table/todo/' + str(new_id), {'complete': True})
got = platform.api.get('db/_table/todo/' + str(new_id))
gone = platform.api.delete('db/_table/todo/' + str(new_id))
missing = platform.api.get('db/_table/todo/' + str(new_id))
return {'created': created.status_code, 'patched': patched.content, 'got': got.content,
        'gone': gone.status_code, 'missing': missing.status_code,
        'message': missing.content['error']['message'], 'type': got.content_type}
"""
    body = run_script(admin, code).get_json()
    new_id = body["patched"]["id"]
    assert body == {
        "created": 200,
        "patched": {"id": new_id},
        "got": {"id": new_id, "name": "scripted", "complete": True},
        "gone": 200,
        "missing": 404,
        "message": f"Record with identifier '{new_id}' not found.",
        "type": "application/json",
    }


def test_internal_call_options_and_query(admin):
    code = """
options = {'parameters': {'filter': 'id=2', 'fields': 'name'}}
by_option = platform.api.get('db/_table/todo', None, options)
by_query = platform.api.get('/api/v2/db/_table/todo?ids=3&fields=id')
return [by_option.content, by_query.content]
"""
    assert run_script(admin, code).get_json() == [
        {"resource": [{"name": "Create a role"}]},
        {"resource": [{"id": 3}]},
    ]


def test_a_repeated_name_in_the_path_means_what_it_means_over_http(admin):
    """``params`` holds a repeated name's first value (the REST controller's choice; the
    rws tests check that every value is sent on)."""
    query = "ids=3&fields=id&ids=4"
    code = f"return platform.api.get('db/_table/todo?{query}').content"
    over_http = admin.get("db/_table/todo", query_string=query).get_json()
    assert run_script(admin, code).get_json() == over_http == {"resource": [{"id": 3}]}


def test_internal_calls_use_the_callers_role_with_requestor_script(admin, client):
    from tests.conftest import USER_PASSWORD, Api, create_api_app, create_role, create_user

    services = admin.get("system/service", query_string={"fields": "id,name"}).get_json()
    ids = {s["name"]: s["id"] for s in services["resource"]}
    role = create_role(
        admin,
        "env_reader",
        [
            {
                "service_id": ids["system"],
                "component": "environment",
                "verb_mask": 1,
                "requestor_mask": 1,
            },
            # API-only: scripts acting for this user may not read contacts
            {
                "service_id": ids["db"],
                "component": "_table/contact",
                "verb_mask": 1,
                "requestor_mask": 1,
            },
            # SCRIPT-only: scripts may read todos, the user directly may not
            {
                "service_id": ids["db"],
                "component": "_table/todo",
                "verb_mask": 1,
                "requestor_mask": 2,
            },
        ],
    )
    _, key = create_api_app(admin, "env_app", role)
    create_user(admin, "env@example.com")
    user = Api(client, api_key=key)
    user.login("env@example.com", USER_PASSWORD, admin=False)
    save_script(
        admin,
        HOOK,
        "return [platform.api.get('db/_table/contact').status_code,"
        " platform.api.get('db/_table/todo').status_code]",
    )
    assert user.get("system/environment").get_json() == [403, 200]
    assert_error(user.get("db/_table/todo"), 403)


def test_unknown_verb_and_service(admin):
    code = """
return [platform.api.get('nosuch/thing').content['error']['message'],
        platform.api.get('').status_code]
"""
    assert run_script(admin, code).get_json() == ["Could not find a service for nosuch", 200]


# -- bounds ---------------------------------------------------------------------------------------


def test_a_script_calling_its_own_endpoint_stops_at_the_depth_limit(admin):
    code = """
inner = platform.api.get('system/environment')
return {'status': inner.status_code, 'inner': inner.content}
"""
    body = run_script(admin, code).get_json()
    depth = 0
    while isinstance(body, dict) and "inner" in body and body.get("status") == 200:
        body = body["inner"]
        depth += 1
    assert depth == 3  # depth limit 3: three nested calls answer, the fourth is refused
    assert body["status"] == 508
    assert "nested more than 3 deep" in body["inner"]["error"]["message"]


def test_calls_per_request_are_counted(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "SCRIPT_API_MAX_CALLS", 5)
    code = "return [platform.api.get('db/_table/todo/1').status_code for _ in range(7)]"
    assert run_script(admin, code).get_json() == [200, 200, 200, 200, 200, 429, 429]
    # a new request gets a new budget
    assert run_script(admin, code).get_json()[0] == 200


# -- outside URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://localhost/",
        "http://0.0.0.0/",
    ],
)
def test_private_addresses_are_refused(admin, url):
    body = run_script(admin, f"r = platform.api.get({url!r})\nreturn [r.status_code, r.content]")
    status, content = body.get_json()
    assert status == 403
    assert content["error"]["message"].startswith("platform.api may not call ")


def test_outside_url_with_options(app, admin, echo_server, monkeypatch):
    monkeypatch.setitem(app.config, "SCRIPT_ALLOW_PRIVATE_URLS", True)
    code = f"""
options = {{'headers': {{'X-Custom': 'one'}}, 'parameters': {{'api_key': 'my_api_key'}},
           'CURLOPT_HTTPHEADER': ['Some-Other-Header: blah']}}
r = platform.api.post({echo_server + "/my_api"!r}, {{'name': 'test'}}, options)
return {{'status': r.status_code, 'type': r.content_type, 'echo': r.headers.get('X-Echo'),
        'sent': r.content}}
"""
    body = run_script(admin, code).get_json()
    assert body["status"] == 201, body
    assert body["type"] == "application/json"
    assert body["echo"] == "yes"
    sent = body["sent"]
    assert sent["method"] == "POST"
    assert sent["path"] == "/my_api?api_key=my_api_key"
    assert sent["headers"]["x-custom"] == "one"
    assert sent["headers"]["some-other-header"] == "blah"
    assert json.loads(sent["body"]) == {"name": "test"}


def test_outside_url_answer_size_is_capped(app, admin, echo_server, monkeypatch):
    monkeypatch.setitem(app.config, "SCRIPT_ALLOW_PRIVATE_URLS", True)
    monkeypatch.setitem(app.config, "SCRIPT_HTTP_MAX_BYTES", 1000)
    body = run_script(admin, f"r = platform.api.get({echo_server + '/big'!r})\nreturn r.content")
    assert body.get_json()["error"]["message"] == "platform.api answer is larger than 1000 bytes."


def test_unreachable_outside_url(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "SCRIPT_ALLOW_PRIVATE_URLS", True)
    body = run_script(admin, "r = platform.api.get('http://127.0.0.1:9/')\nreturn r.content")
    assert body.get_json()["error"] == {
        "code": 502,
        "context": None,
        "message": "platform.api cannot reach 127.0.0.1.",
        "status_code": 502,
    }


# -- config and session --------------------------------------------------------------------------


def test_config_and_session_hold_no_secrets(app, admin):
    admin.post(
        "system/lookup",
        json={
            "resource": [
                {"name": "public_one", "value": "visible"},
                {"name": "secret_one", "value": "hidden", "private": True},
            ]
        },
    )
    admin.api_key = ADMIN_KEY
    code = "return {'config': platform.config, 'session': platform.session}"
    body = run_script(admin, code).get_json()
    df = body["config"]["df"]
    assert set(df) == {
        "version",
        "api_version",
        "always_wrap_resources",
        "resources_wrapper",
        "storage_path",
    }
    assert df["api_version"] == "2.0"
    assert df["always_wrap_resources"] is True
    session = body["session"]
    assert session["api_key"] == ADMIN_KEY
    assert session["session_token"] == admin.token
    assert session["user"]["email"] == "admin@example.com"
    assert session["user"]["is_sys_admin"] is True
    assert "password" not in session["user"]
    assert session["lookup"] == {"public_one": "visible"}
    text = json.dumps(body)
    assert app.config["JWT_SECRET"] not in text
    assert "hidden" not in text


def test_internal_file_download_arrives_as_text_and_is_closed(admin, monkeypatch):
    from app.scripting import platform

    monkeypatch.setattr(platform, "MAX_RAW_CHARS", 1024)
    big = "0123456789abcdef" * 512  # 8 KiB
    response = admin.post("files/notes.txt", data=big, content_type="text/plain")
    assert response.status_code == 201, response.get_json()
    code = """
got = platform.api.get('files/notes.txt')
return {'status': got.status_code, 'type': got.content_type, 'size': len(got.content),
        'head': got.content[:16]}
"""
    answer = run_script(admin, code).get_json()
    assert answer == {"status": 200, "type": "text/plain", "size": 1024, "head": big[:16]}


NAMED_PATHS = [
    "echo/x?a=1",
    "/echo/x?a=1",
    "v2/echo/x?a=1",
    "api/v2/echo/x?a=1",
    "/api/v2/echo/x?a=1",
]


@pytest.mark.parametrize("path", NAMED_PATHS)
def test_a_call_sees_the_uri_a_client_would_have_used(admin, echo, path):
    """However the script names the path, the called service sees ``/api/v2/<service>/...``
    (once: a path that names the version does not get it twice)."""
    code = f"return {{'echo': platform.api.get({path!r}).content}}"
    body = run_script(admin, code).get_json()["echo"]
    assert body["uri"] == "/api/v2/echo/x"
    assert body["params"] == {"a": "1"}
    assert body["requestor"] == 2

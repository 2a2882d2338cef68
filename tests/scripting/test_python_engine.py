"""The Python engine: what a script sees, what it gives back, and how its faults end.

Scripts run through the engine directly (real worker processes), with a plain
function as the ``platform.api`` callback.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from app.scripting import isolation
from app.scripting.engines import ENGINES, get_engine
from app.scripting.engines.python import (
    PYTHON,
    PYTHON3,
    PythonRuntime,
    choose_interpreter,
    package_folders,
)
from app.scripting.pool import PoolSettings
from app.scripting.process import accessible_to, identity_for
from app.vocabulary.errors import NotFound
from tests.scripting.pyrun import echo_api, leaders, run, wait_gone


@pytest.fixture(scope="module")
def engine():
    runtime = PythonRuntime(PoolSettings(workers=2, queue_timeout=30))
    yield runtime
    groups = leaders(runtime.pool().pids())
    runtime.shutdown()
    assert wait_gone(groups) == []


def value_of(engine, script: str, **fields):
    result = run(engine, script, **fields)
    assert result.error is None, result.error
    return result.value


# -- the event and platform objects ------------------------------------------------


def test_event_reads_with_dots_and_brackets(engine):
    assert value_of(engine, "return event.request.method") == "GET"
    assert value_of(engine, "return event['request']['parameters']['filter']") == "id=50"
    assert value_of(engine, "return event.request['headers'].host") == "localhost"
    assert value_of(engine, "return event.resource") == "test"
    assert value_of(engine, "return event.get('response')") is None


def test_a_missing_attribute_is_an_attribute_error(engine):
    result = run(engine, "return event.response.content")
    assert result.error.status_code == 500
    assert result.error.message == "AttributeError: response (line 1)"


def test_event_changes_come_back_as_plain_json(engine):
    script = """
event.request.parameters.filter = 'id=51'
event['request']['payload']['resource'][0]['salary'] = 20
event.response = {}
event.response.status_code = 400
event.response.content = {"error": "Invalid resource requested."}
event.response.headers = {"x-seen": [{"a": 1}]}
event.response.headers['x-seen'][0].b = 2
event.stop_propagation = True
"""
    result = run(engine, script)
    assert result.error is None
    assert result.value is None
    assert result.event["request"]["parameters"] == {"filter": "id=51"}
    assert result.event["request"]["payload"]["resource"][0]["salary"] == 20
    assert result.event["response"] == {
        "status_code": 400,
        "content": {"error": "Invalid resource requested."},
        "headers": {"x-seen": [{"a": 1, "b": 2}]},
    }
    assert result.event["stop_propagation"] is True
    assert type(result.event["response"]) is dict


def test_return_values(engine):
    assert value_of(engine, "return 42") == 42
    assert value_of(engine, "return 'text'") == "text"
    assert value_of(engine, "return [1, 'a', None, True, 1.5]") == [1, "a", None, True, 1.5]
    assert value_of(engine, "return {'a': {'b': [{'c': 1}]}}") == {"a": {"b": [{"c": 1}]}}
    assert value_of(engine, "return event.request") == run(engine, "").event["request"]
    assert value_of(engine, "x = 1") is None
    assert value_of(engine, "") is None
    assert value_of(engine, "if event.resource == 'test':\n    return 'early'\nreturn 'late'") == (
        "early"
    )


def test_unexpected_return_values_become_json_or_a_clear_error(engine):
    assert sorted(value_of(engine, "return {3, 1, 2}")) == [1, 2, 3]
    assert value_of(engine, "return (1, 2)") == [1, 2]
    assert value_of(engine, "return b'bytes'") == "bytes"
    assert value_of(engine, "import decimal\nreturn decimal.Decimal('1.5')") == 1.5
    assert value_of(engine, "import datetime\nreturn datetime.date(2026, 1, 2)") == "2026-01-02"
    assert value_of(engine, "return 2 ** 100") == 2**100
    for script in (
        "return object()",
        "return lambda: 1",
        "yield 1",
        "x = {}\nx['self'] = x\nreturn x",
        "event.request.bad = object()",
    ):
        result = run(engine, script)
        assert result.error is not None, script
        assert result.error.status_code == 500
        assert "not JSON" in result.error.message or "Recursion" in result.error.message
        assert result.error.message.startswith("Script 'db._table.contact.get.pre_process'")


def test_platform_config_and_session(engine):
    assert value_of(engine, "return platform.config.df.api_version") == "2.0"
    assert value_of(engine, "return platform['session']['user']['email']") == "ada@example.com"
    assert value_of(engine, "return platform.session.api_key") == "the-key"


def test_platform_api_calls_go_through_the_callback(engine):
    calls = []

    def api(method, path, payload, options):
        calls.append((method, path, payload, options))
        return echo_api(method, path, payload, options)

    script = """
got = platform.api.get('db/_table/contact')
posted = platform.api.post('db/_table/contact', {'resource': [{'a': 1}]},
                           {'headers': {'X-A': '1'}, 'parameters': {'fields': 'id'}})
platform.api.put('db/_table/contact/1', {'a': 2})
platform.api.patch('db/_table/contact/1', {'a': 3})
platform.api.delete('db/_table/contact/1')
item = platform['api']['get']('system/role')
return [got.status_code, got['content']['path'], posted.content.options.headers['X-A'],
        got.headers['x-echo'], item.content.method, got.json()['method']]
"""
    assert value_of(engine, script, api=api) == [200, "db/_table/contact", "1", "1", "GET", "GET"]
    assert [call[0] for call in calls] == ["GET", "POST", "PUT", "PATCH", "DELETE", "GET"]
    assert calls[1] == (
        "POST",
        "db/_table/contact",
        {"resource": [{"a": 1}]},
        {"headers": {"X-A": "1"}, "parameters": {"fields": "id"}},
    )
    assert calls[0][2:] == (None, {})


def test_the_python_example_of_the_documentation_runs_as_written(engine):
    def api(method, path, payload, options):
        return {"status_code": 200, "content": {"resource": [{"name": "Ada"}]}, "headers": {}}

    script = """
url = 'db/_table/contact'
result = platform.api.get(url)
data = result.read()
print data
jsonData = bunchify(json.loads(data))
return jsonData.resource[0].name
"""
    result = run(engine, script, api=api)
    assert result.error is None
    assert result.value == "Ada"
    assert result.output == ['{"resource": [{"name": "Ada"}]}']

    header = "request = event.request\nprint request.headers['x-dreamfactory-api-key']\n"
    assert run(engine, header).output == ["the-key"]


def test_platform_api_errors_come_back_as_results(engine):
    def api(method, path, payload, options):
        if path == "missing":
            raise NotFound("Nothing at missing.")
        raise RuntimeError("database password is hunter2")

    script = "a = platform.api.get('missing')\nb = platform.api.get('boom')\nreturn [a, b]"
    missing, boom = value_of(engine, script, api=api)
    assert missing["status_code"] == 404
    assert missing["content"]["error"]["message"] == "Nothing at missing."
    assert boom["status_code"] == 500
    assert "hunter2" not in str(boom)


# -- output ---------------------------------------------------------------------------


def test_print_becomes_output_lines(engine):
    script = (
        "import sys\nprint('one')\nprint('two', 3)\nsys.stderr.write('err\\n')\n"
        "print('no newline', end='')"
    )
    result = run(engine, script)
    assert result.output == ["one", "two 3", "err", "no newline"]


def test_python2_print_statements_are_accepted(engine):
    script = """
x = 'a'
print x
print 'b', x,
print
if True: print 'c'
print >>sys.stderr, 'd'
"""
    result = run(engine, "import sys\n" + script)
    assert result.error is None
    assert result.output == ["a", "b a ", "c", "d"]


def test_huge_output_is_capped_with_a_note(engine):
    result = run(engine, "for i in range(200000):\n    print('x' * 50)")
    assert result.error is None
    assert sum(len(line) for line in result.output) <= 65536 + 100
    assert "truncated" in result.output[-1]

    result = run(engine, "import os\nos.write(1, b'y' * 5000000)\nreturn 'done'")
    assert result.value == "done"
    assert "truncated" in result.output[-1]


# -- exceptions ------------------------------------------------------------------------

CLASSES = [
    ("BadRequestException", 400),
    ("UnauthorizedException", 401),
    ("ForbiddenException", 403),
    ("NotFoundException", 404),
    ("ConflictResourceException", 409),
    ("ConflictException", 409),
    ("TooManyRequestsException", 429),
    ("InternalServerErrorException", 500),
    ("NotImplementedException", 501),
    ("ServiceUnavailableException", 503),
    ("InvalidJsonException", 400),
    ("DfException", 500),
    ("DFException", 500),
]


@pytest.mark.parametrize(("name", "status"), CLASSES)
def test_each_exception_class_gives_its_status_and_code(engine, name, status):
    error = run(engine, f"raise {name}('Missing filter')").error
    assert (error.status_code, error.code, error.message) == (status, status, "Missing filter")
    assert error.context is None
    error = run(engine, f"raise {name}('Missing filter', 123456)").error
    assert (error.status_code, error.code) == (status, 123456)


def test_exceptions_are_importable_as_dreamfactory_users_would_guess(engine):
    script = "from dreamfactory.exceptions import NotFoundException as N\nraise N('gone')"
    assert run(engine, script).error.status_code == 404
    script = "import dreamfactory\nraise dreamfactory.ForbiddenException('no', context={'a': 1})"
    error = run(engine, script).error
    assert (error.status_code, error.context, error.cls) == (403, {"a": 1}, "ForbiddenException")


def test_rest_dfexception_and_invalid_json_exceptions(engine):
    error = run(engine, "raise RestException(418, 'Sorry Mate')").error
    assert (error.status_code, error.code, error.message) == (418, 418, "Sorry Mate")
    error = run(engine, "raise RestException(422, 'No', 7)").error
    assert (error.status_code, error.code) == (422, 7)
    script = "error = BadRequestException('Missing Location')\nraise DFException(error)"
    error = run(engine, script).error
    assert (error.status_code, error.code, error.message) == (500, 400, "Missing Location")
    error = run(engine, "raise InvalidJsonException()").error
    assert (error.status_code, error.message) == (400, "Invalid or malformed JSON.")
    error = run(engine, "raise NotFoundException()").error
    assert (error.status_code, error.message) == (404, "Not Found.")


def test_batch_exception_context(engine):
    script = """
one = BadRequestException('Missing Name')
two = BadRequestException('Missing Location')
raise BatchException([one, {'Name': 'Tomo', 'Location': 'London'}, two], 'Some failed requests')
"""
    error = run(engine, script).error
    assert (error.status_code, error.code, error.message) == (400, 1000, "Some failed requests")
    failure = {"code": 400, "context": None, "message": "Missing Name", "status_code": 400}
    assert error.context == {
        "error": [0, 2],
        "resource": [
            failure,
            {"Name": "Tomo", "Location": "London"},
            {**failure, "message": "Missing Location"},
        ],
    }


def test_other_exceptions_are_500_with_their_message(engine):
    error = run(engine, "raise Exception('Missing first_name.')").error
    assert (error.status_code, error.code, error.message) == (500, None, "Missing first_name.")
    error = run(engine, "x = 1\nreturn event.request.parameters['nope']").error
    assert (error.status_code, error.message, error.cls) == (
        500,
        "KeyError: 'nope' (line 2)",
        "KeyError",
    )
    error = run(engine, "import sys\nsys.exit(3)").error
    assert error.status_code == 500 and "exited with status 3" in error.message
    assert run(engine, "import sys\nsys.exit()").error is None


def test_a_syntax_error_names_its_line(engine):
    error = run(engine, "x = 1\nif x\n    return 2").error
    assert error.status_code == 500
    assert error.cls == "SyntaxError"
    assert error.message.startswith(
        "Script 'db._table.contact.get.pre_process' has a syntax error at line 2:"
    )
    assert run(engine, "x = \x00").error.cls == "SyntaxError"


def test_indented_scripts_and_multiline_strings(engine):
    assert value_of(engine, "    x = 2\n    return x * 3") == 6
    assert value_of(engine, 'return """a\n  b"""') == "a\n  b"


# -- what scripts may use -------------------------------------------------------------


def test_installed_packages_are_importable(engine):
    assert value_of(engine, "import orjson\nreturn orjson.dumps({'a': 1}).decode()") == '{"a":1}'
    assert value_of(engine, "import requests\nreturn requests.__name__") == "requests"


def test_globals_do_not_leak_between_runs(engine):
    run(engine, "global leaked\nleaked = 1")
    error = run(engine, "return leaked").error
    assert error.message == "NameError: name 'leaked' is not defined (line 1)"


def test_the_environment_holds_no_app_secret(monkeypatch):
    monkeypatch.setenv("DF_JWT_SECRET", "jwt-secret-in-the-environment")
    monkeypatch.setenv("DF_SYSTEM_DATABASE_URL", "postgresql://df:pw@db/df")
    runtime = PythonRuntime(PoolSettings(workers=1))
    try:
        environment = value_of(runtime, "import os\nreturn dict(os.environ)")
        expected = ["HOME", "LANG", "PATH", "TMPDIR", *isolation.proxy_environment()]
        assert sorted(environment) == sorted(expected)
        assert environment["HOME"] == value_of(runtime, "import os\nreturn os.getcwd()")
        passwd = value_of(runtime, "return open('/etc/passwd').read()")
        assert "root:" in passwd
        script = "import os\nreturn open('/proc/%d/environ' % os.getppid(), 'rb').read()"
        result = run(runtime, script)
        assert result.error is not None and "PermissionError" in result.error.message
    finally:
        runtime.shutdown()


@pytest.mark.skipif(os.geteuid() != 0, reason="workers change user only when the app is root")
def test_as_root_workers_run_as_the_script_user(tmp_path):
    secret = tmp_path / "jwt_secret"
    secret.write_text("private")
    secret.chmod(0o600)
    runtime = PythonRuntime(PoolSettings(workers=1, user="nobody"))
    try:
        assert value_of(runtime, "import os\nreturn os.getuid()") == 65534
        assert value_of(runtime, "import os\nreturn os.getgroups()") in ([], [65534])
        result = run(runtime, f"return open({str(secret)!r}).read()")
        assert "PermissionError" in result.error.message
    finally:
        runtime.shutdown()


APP_AS_ITS_OWN_USER = r"""
import json, os, site, sys
for folder in json.loads(sys.argv[1]):
    site.addsitedir(folder)
sys.path.insert(0, sys.argv[2])
from app.scripting.engine import ScriptRun
from app.scripting.engines.python import PythonRuntime
from app.scripting.pool import PoolSettings

script = '''
import os, resource
try:
    environ = open('/proc/%d/environ' % os.getppid(), 'rb').read().decode()
except PermissionError:
    environ = None
return [dict(os.environ), environ, os.getuid(), resource.getrlimit(resource.RLIMIT_DATA)]
'''
runtime = PythonRuntime(PoolSettings(workers=1, memory_mb=128))
result = runtime.run(ScriptRun("t", "python", script, {}, {}, lambda *args: {}))
runtime.shutdown()
print(json.dumps([result.value, result.error and result.error.message, os.getuid()]))
"""


def test_an_app_not_running_as_root_hides_its_environment_from_its_workers(tmp_path):
    """Workers then share the app's user: the app process must not be readable by them."""
    identity = identity_for("nobody")
    python = choose_interpreter(None, identity)
    folders = [f for f in package_folders() if accessible_to(f, identity, os.R_OK | os.X_OK)]
    root = str(Path(__file__).resolve().parents[2])
    tmp_path.chmod(0o777)
    env = {"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "DF_JWT_SECRET": "the-jwt-secret"}
    user = {"user": identity.uid, "group": identity.gid, "extra_groups": []} if identity else {}
    done = subprocess.run(
        [python, "-I", "-S", "-c", APP_AS_ITS_OWN_USER, json.dumps(folders), root],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
        **user,
    )
    assert done.returncode == 0, done.stderr.decode()
    value, error, app_uid = json.loads(done.stdout.decode().splitlines()[-1])
    assert error is None
    environment, app_environ, worker_uid, data_limit = value
    assert worker_uid == app_uid
    assert "DF_JWT_SECRET" not in environment
    assert app_environ is None
    assert data_limit == [128 << 20, 128 << 20]


# -- the registry ---------------------------------------------------------------------


def test_both_python_types_share_one_engine():
    assert get_engine("python") is PYTHON
    assert get_engine(" Python3 ") is PYTHON3
    assert PYTHON.runtime is PYTHON3.runtime
    assert get_engine("cobol") is None
    assert get_engine(None) is None
    assert (PYTHON.label, PYTHON3.label) == ("Python", "Python3")


@pytest.mark.parametrize("type_name", sorted(ENGINES))
def test_every_registered_engine_describes_itself_and_runs(type_name):
    engine = ENGINES[type_name]
    assert engine.type == type_name
    assert engine.label and engine.description
    assert isinstance(engine.sandboxed, bool)
    usable, reason = engine.available()
    assert usable, reason
    try:
        result = run(engine, "return 1+1;", language=type_name)
        assert result.error is None, result.error
        assert result.value == 2
    finally:
        engine.shutdown()


def test_settings_come_from_the_app_config(app):
    app.config.update(SCRIPT_WORKERS=3, SCRIPT_MEMORY_MB=300, SCRIPT_WORKER_MAX_RUNS=7)
    runtime = PythonRuntime()
    with app.app_context():
        assert runtime.available() == (True, "")
        try:
            assert value_of(runtime, "return 5") == 5
            settings = runtime.pool().settings
            assert (settings.workers, settings.memory_mb, settings.max_runs) == (3, 300, 7)
        finally:
            runtime.shutdown()


def test_an_interpreter_that_cannot_run_makes_the_engine_unavailable():
    runtime = PythonRuntime(PoolSettings(workers=1), interpreter="/nonexistent/python")
    usable, reason = runtime.available()
    assert not usable and "/nonexistent/python" in reason
    result = run(runtime, "return 1")
    assert (result.error.status_code, result.error.cls) == (503, "Unavailable")

"""The PHP engine: what a script sees, what it gives back, and how its faults end.

Scripts run through the engine directly (real PHP CLI worker processes), with a
plain function as the ``platform.api`` callback; every test that starts workers
checks afterwards that nothing it started is left running.
"""

from __future__ import annotations

import os
import threading

import pytest

from app.scripting import isolation
from app.scripting.engines import ENGINES, get_engine
from app.scripting.engines.php import PHP, PhpEngine, restore_objects
from app.scripting.pool import PoolSettings
from app.vocabulary.errors import NotFound
from tests.conftest import SCRIPT_USER, assert_error
from tests.scripting.helpers import create_script_service, save_script
from tests.scripting.pyrun import echo_api, leaders, run, wait_gone, worker_children

EXCEPTIONS = "\\DreamFactory\\Core\\Exceptions\\"


class Tracked(PhpEngine):
    """A PHP engine that remembers every worker's process group, to check for leaks."""

    def __init__(self, **settings):
        super().__init__(PoolSettings(**settings))
        self.groups: dict[int, int] = {}

    def run(self, script_run):
        self.groups.update(leaders(self.pool().pids()))
        result = super().run(script_run)
        self.groups.update(leaders(self.pool().pids()))
        return result

    def pids(self) -> dict[int, int]:
        return leaders(self.pool().pids())

    def close(self) -> None:
        self.groups.update(leaders(self.pool().pids()))
        self.shutdown()
        assert wait_gone(self.groups, 30, zombies=True) == [], "processes left after shutdown"


@pytest.fixture
def engine_factory():
    made: list[Tracked] = []

    def build(**settings) -> Tracked:
        engine = Tracked(**{"workers": 2, "queue_timeout": 30, **settings})
        made.append(engine)
        return engine

    yield build
    for engine in made:
        engine.close()


@pytest.fixture(scope="module")
def engine():
    engine = Tracked(workers=2, queue_timeout=30)
    yield engine
    engine.close()


def php(engine, script: str, **fields):
    return run(engine, script, language="php", **fields)


def value_of(engine, script: str, **fields):
    result = php(engine, script, **fields)
    assert result.error is None, result.error
    return result.value


# -- the event and platform -----------------------------------------------------------


def test_event_and_platform_are_arrays(engine):
    assert value_of(engine, "return $event['request']['method'];") == "GET"
    assert value_of(engine, "return $event['request']['parameters']['filter'];") == "id=50"
    # business-logic.txt, "Retrieving A Request Parameter"
    assert value_of(
        engine, "return explode('=', $event['request']['parameters']['filter'])[1];"
    ) == ("50")
    assert value_of(engine, "return $event['resource'];") == "test"
    assert value_of(engine, "return isset($event['response']);") is False
    assert value_of(engine, "return is_array($platform['session']);") is True
    assert value_of(engine, "<?php\nreturn 'tags';\n?>") == "tags"


def test_event_changes_come_back_as_plain_json(engine):
    script = """
$event['request']['parameters']['filter'] = 'id=51';
$event['request']['payload']['resource'][0]['salary'] = 20;
$event['response'] = ['status_code' => 400];
$event['response']['content'] = ['error' => 'Invalid resource requested.'];
$event['stop_propagation'] = true;
"""
    result = php(engine, script)
    assert result.error is None
    assert result.value is None
    assert result.event["request"]["parameters"] == {"filter": "id=51"}
    assert result.event["request"]["payload"]["resource"][0]["salary"] == 20
    assert result.event["response"] == {
        "status_code": 400,
        "content": {"error": "Invalid resource requested."},
    }
    assert result.event["stop_propagation"] is True


def test_maps_emptied_by_php_stay_maps(engine):
    script = "$event['request']['parameters'] = []; $event['request']['headers'] = [];"
    result = php(engine, script)
    assert result.event["request"]["parameters"] == {}
    assert result.event["request"]["headers"] == {}
    script = "$event['response'] = ['content' => [], 'headers' => []]; return ['headers' => []];"
    result = php(engine, script)
    assert result.event["response"] == {"content": [], "headers": {}}
    assert result.value == {"headers": {}}


def test_restore_objects_follows_what_was_sent():
    sent = {"a": {}, "b": [{"c": {}}], "d": {"x": 1}}
    got = {"a": [], "b": [{"c": []}], "d": [], "e": [], "parameters": []}
    assert restore_objects(sent, got) == {
        "a": {},
        "b": [{"c": {}}],
        "d": {},
        "e": [],
        "parameters": {},
    }
    assert restore_objects(None, [1, []]) == [1, []]


def test_return_values(engine):
    assert value_of(engine, "return 42;") == 42
    assert value_of(engine, "return 'text';") == "text"
    assert value_of(engine, "return [1, 'a', null, true, 1.5];") == [1, "a", None, True, 1.5]
    assert value_of(engine, "return ['a' => ['b' => [['c' => 1]]]];") == {"a": {"b": [{"c": 1}]}}
    assert value_of(engine, "return $event['request'];") == php(engine, "").event["request"]
    assert value_of(engine, "$x = 1;") is None
    assert value_of(engine, "") is None
    assert value_of(
        engine, "if ($event['resource'] == 'test') { return 'early'; } return 'late';"
    ) == ("early")
    # the Twitter example returns a JSON string
    assert value_of(engine, "return json_encode(['response' => 1]);") == '{"response":1}'


def test_unexpected_return_values_become_json(engine):
    assert value_of(engine, "return function () {};") is None
    assert value_of(engine, "return new stdClass();") == {}
    assert value_of(engine, "return fopen('php://memory', 'r');") is None
    assert value_of(engine, "return [NAN, 1.0];") == [0, 1.0]
    assert value_of(engine, 'return "\\xff";') == "\ufffd"
    script = "class Point { public $x = 1; private $hidden = 2; } return new Point();"
    assert value_of(engine, script) == {"x": 1}


def test_platform_config_and_session(engine):
    assert value_of(engine, "return $platform['config']['df']['api_version'];") == "2.0"
    assert value_of(engine, "return $platform['session']['user']['email'];") == "ada@example.com"
    assert value_of(engine, "return $platform['session']['api_key'];") == "the-key"


# -- platform api -----------------------------------------------------------------------


def test_platform_api_closures_and_methods(engine):
    calls = []

    def api(method, path, payload, options):
        calls.append((method, path, payload, options))
        return echo_api(method, path, payload, options)

    # business-logic.txt, "PHP Platform API Example" and the options example
    script = """
$url = 'db/_table/contact';
$api = $platform['api'];
$get = $api->get;
$result = $get($url);
$options = [];
$options['headers'] = [];
$options['headers']['Content-Type'] = 'application/json';
$options['parameters'] = [];
$options['parameters']['api_key'] = 'my_api_key';
$post = $api->post;
$posted = $post($url, json_decode("{\\"name\\":\\"test\\"}", true), $options);
$api->put('db/_table/contact/1', ['a' => 2]);
$patch = $api->patch;
$patch('db/_table/contact/1', ['a' => 3], []);
$platform['api']->delete('db/_table/contact/1');
$call = $api->call;
$called = $call('get', 'system/role');
return [$result['status_code'], $result['content']['path'], $posted['content']['payload'],
        $result['headers']['x-echo'], $called['content']['method']];
"""
    assert value_of(engine, script, api=api) == [
        200,
        "db/_table/contact",
        {"name": "test"},
        "1",
        "GET",
    ]
    assert [call[0] for call in calls] == ["GET", "POST", "PUT", "PATCH", "DELETE", "GET"]
    assert calls[0][2:] == (None, {"headers": {}, "parameters": {}})
    assert calls[1][3] == {
        "headers": {"Content-Type": "application/json"},
        "parameters": {"api_key": "my_api_key"},
    }
    assert calls[3][3] == {"headers": {}, "parameters": {}}


def test_platform_api_errors_come_back_as_results(engine):
    def api(method, path, payload, options):
        if path == "missing":
            raise NotFound("Nothing at missing.")
        raise RuntimeError("database password is hunter2")

    script = "$get = $platform['api']->get; return [$get('missing'), $get('boom')];"
    missing, boom = value_of(engine, script, api=api)
    assert missing["status_code"] == 404
    assert missing["content"]["error"]["message"] == "Nothing at missing."
    assert boom["status_code"] == 500
    assert "hunter2" not in str(boom)


def test_platform_api_needs_a_path(engine):
    error = php(engine, "$platform['api']->get('');").error
    assert error.status_code == 500
    assert "needs a service path" in error.message
    assert (
        "Unsupported method" in php(engine, "$platform['api']->call('TRACE', 'x');").error.message
    )


# -- output -------------------------------------------------------------------------------


def test_echo_print_and_warnings_become_output_lines(engine):
    script = "echo \"one\\n\"; print('two ' . 3); echo \"\\n\"; print_r(['a' => 1]); echo $nope;"
    result = php(engine, script)
    assert result.error is None
    assert result.output[:2] == ["one", "two 3"]
    assert "    [a] => 1" in result.output
    assert result.output[-1] == "PHP Warning: Undefined variable $nope (line 1)"


def test_huge_output_is_capped_with_a_note(engine):
    result = php(engine, "for ($i = 0; $i < 200000; $i++) { echo str_repeat('x', 50), \"\\n\"; }")
    assert result.error is None
    assert sum(len(line) for line in result.output) <= 65536 + 100
    assert "truncated" in result.output[-1]
    result = php(engine, "fwrite(STDOUT, str_repeat('y', 5000000)); return 'done';")
    assert result.value == "done"
    assert "truncated" in result.output[-1]


# -- exceptions ---------------------------------------------------------------------------

CLASSES = [
    ("BadRequestException", 400),
    ("UnauthorizedException", 401),
    ("ForbiddenException", 403),
    ("NotFoundException", 404),
    ("ConflictResourceException", 409),
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
    error = php(engine, f"throw new {EXCEPTIONS}{name}('Missing filter');").error
    assert (error.status_code, error.code, error.message) == (status, status, "Missing filter")
    assert error.context is None
    error = php(engine, f"throw new {EXCEPTIONS}{name}('Missing filter', 123456);").error
    assert (error.status_code, error.code) == (status, 123456)


def test_the_documented_exceptions(engine):
    # business-logic.txt, "Throwing An Exception"
    script = f"""
if (! array_key_exists('filter', $event['request']['parameters'])) {{
    throw new {EXCEPTIONS}BadRequestException('Missing filter');
}}
"""
    event = {"request": {"method": "GET", "parameters": {}}}
    error = php(engine, script, event=event).error
    assert (error.status_code, error.code, error.message) == (400, 400, "Missing filter")
    assert php(engine, script).error is None
    error = php(engine, f"throw new {EXCEPTIONS}RestException(418, 'Sorry Mate');").error
    assert (error.status_code, error.code, error.message) == (418, 418, "Sorry Mate")
    script = f"""
$error = new {EXCEPTIONS}BadRequestException('Missing Location');
throw new {EXCEPTIONS}DFException($error);
"""
    error = php(engine, script).error
    assert (error.status_code, error.code, error.message) == (500, 400, "Missing Location")
    error = php(engine, f"throw new {EXCEPTIONS}NotFoundException();").error
    assert (error.status_code, error.message, error.cls) == (404, "Not Found.", "NotFoundException")
    script = f"throw new {EXCEPTIONS}ForbiddenException('no', 3, null, ['why' => 'because']);"
    assert php(engine, script).error.context == {"why": "because"}
    script = (
        f"try {{ throw new {EXCEPTIONS}NotFoundException('x'); }}"
        " catch (\\Exception $e) { return $e->getStatusCode(); }"
    )
    assert value_of(engine, script) == 404


def test_batch_exception_context(engine):
    script = f"""
$errorOne = new {EXCEPTIONS}BadRequestException('Missing Name');
$errorTwo = new {EXCEPTIONS}BadRequestException('Missing Location');
$successfulCall = array("Name"=>"Tomo", "Location"=>"London");
$errorArray = array($errorOne, $successfulCall, $errorTwo);
throw new {EXCEPTIONS}BatchException($errorArray,'Some failed requests');
"""
    error = php(engine, script).error
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


def test_other_throwables_are_500_with_their_message(engine):
    error = php(engine, "throw new \\Exception('Missing first_name.');").error
    assert (error.status_code, error.code, error.message, error.cls) == (
        500,
        None,
        "Missing first_name.",
        "Exception",
    )
    assert php(engine, "throw new \\Exception('coded', 42);").error.code == 42
    error = php(engine, "$x = 1;\nreturn intdiv(1, 0);").error
    assert (error.message, error.cls) == (
        "DivisionByZeroError: Division by zero (line 2)",
        "DivisionByZeroError",
    )
    error = php(engine, "undefined_function();").error
    assert error.message == "Error: Call to undefined function undefined_function() (line 1)"


def test_a_syntax_error_names_its_line(engine):
    error = php(engine, "$x = 1;\n$y = ;\nreturn 2;").error
    assert error.status_code == 500
    assert error.cls == "SyntaxError"
    assert error.message.startswith(
        "Script 'db._table.contact.get.pre_process' has a syntax error at line 2:"
    )
    assert php(engine, "return 1;").value == 1


def test_dd_ends_the_script_with_the_dumped_value(engine):
    # business-logic.txt: a scripted service answering with dd() per method
    script = """
if ($event['request']['method'] == "POST") {
    dd("POST request!");
} elseif ($event['request']['method'] == "GET") {
    dd("GET request!");
}
return 'not reached';
"""
    result = php(engine, script)
    assert (result.value, result.output) == ("GET request!", ["GET request!"])
    assert value_of(engine, "dump('a', 'b'); return env('HOME') !== null;") is True


# -- what a run leaves behind -------------------------------------------------------------


def test_declarations_retire_the_worker_and_settings_are_restored(engine_factory):
    engine = engine_factory(workers=1)
    assert php(engine, "return 1;").value == 1
    before = engine.pids()
    script = "function helper() { return 'helped'; } return helper();"
    assert [value_of(engine, script) for _ in range(3)] == ["helped"] * 3
    assert wait_gone(before) == []
    limit = value_of(engine, "return ini_get('memory_limit');")
    warm = engine.pids()
    assert value_of(engine, "ini_set('memory_limit', '1G'); chdir('/'); return 1;") == 1
    assert value_of(engine, "return [ini_get('memory_limit'), getcwd() !== '/'];") == [limit, True]
    assert engine.pids() == warm


def test_exit_ends_the_script_and_a_fresh_worker_follows(engine_factory):
    engine = engine_factory(workers=1)
    assert php(engine, "return 1;").value == 1
    before = engine.pids()
    result = php(engine, "$event['response'] = ['content' => 'bye']; exit(3);")
    assert result.error is None
    assert result.event["response"] == {"content": "bye"}
    assert php(engine, "return 2;").value == 2
    assert engine.pids() != before


def test_the_environment_holds_no_app_secret(monkeypatch):
    monkeypatch.setenv("DF_JWT_SECRET", "jwt-secret-in-the-environment")
    monkeypatch.setenv("DF_SYSTEM_DATABASE_URL", "postgresql://df:pw@db/df")
    engine = Tracked(workers=1)
    try:
        expected = ["HOME", "LANG", "PATH", "TMPDIR", *isolation.proxy_environment()]
        assert sorted(value_of(engine, "return getenv();")) == sorted(expected)
        server = value_of(engine, "return json_encode([$_SERVER, $_ENV]);")
        assert "DF_" not in server and "jwt-secret" not in server
        assert "root:" in value_of(engine, "return file_get_contents('/etc/passwd');")
        script = "return file_get_contents('/proc/' . posix_getppid() . '/environ');"
        result = php(engine, script)
        assert result.error is None and result.value is False
        assert "Permission denied" in result.output[-1]
    finally:
        engine.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="workers change user only when the app is root")
def test_as_root_workers_run_as_the_script_user(engine, tmp_path):
    secret = tmp_path / "jwt_secret"
    secret.write_text("private")
    secret.chmod(0o600)
    assert value_of(engine, "return posix_geteuid();") == int(SCRIPT_USER)
    result = php(engine, f"return file_get_contents({str(secret)!r});")
    assert result.value is False


# -- runaway scripts ------------------------------------------------------------------


def test_an_infinite_loop_times_out_and_its_worker_is_replaced(engine_factory):
    engine = engine_factory(workers=1)
    assert php(engine, "return 1;").value == 1
    before = engine.pids()
    result = php(engine, "while (true) {}", timeout=1)
    assert (result.error.status_code, result.error.cls) == (504, "Timeout")
    assert "did not finish within 1 s" in result.error.message
    assert wait_gone(before) == []
    assert php(engine, "return 2;").value == 2
    assert engine.pids() != before


def test_a_timeout_counts_time_spent_in_platform_api(engine):
    release = threading.Event()

    def slow_api(method, path, payload, options):
        release.wait(1.5)
        return {"status_code": 200, "content": None, "headers": {}}

    result = php(engine, "$platform['api']->get('x'); return 1;", timeout=0.5, api=slow_api)
    release.set()
    assert result.error.cls == "Timeout"


@pytest.mark.parametrize(
    "script",
    [
        "$a = []; while (true) { $a[] = str_repeat('x', 1000000); }",
        "$s = str_repeat('x', 1 << 40);",
        "function down($n) { return down($n + 1) + 1; } return down(0);",
    ],
)
def test_memory_bombs_and_deep_recursion_end_with_a_memory_error(engine_factory, script):
    engine = engine_factory(workers=1, memory_mb=200)
    assert php(engine, "return 1;").value == 1
    before = engine.pids()
    result = php(engine, script, timeout=120)  # memory, not time, ends it however loaded
    assert (result.error.status_code, result.error.cls) == (500, "MemoryLimit")
    assert result.error.message == (
        "Script 'db._table.contact.get.pre_process' exceeded its memory limit (150M)."
    )
    assert php(engine, "return 2;").value == 2
    assert engine.pids() != before


@pytest.mark.parametrize(
    "call",
    [
        "exec('id')",
        "shell_exec('id')",
        "system('id')",
        "passthru('id')",
        "proc_open('id', [], $pipes)",
        "popen('id', 'r')",
        "pcntl_fork()",
        "pcntl_exec('/bin/sh')",
        "mail('a@example.com', 's', 'b')",
    ],
)
def test_functions_that_start_processes_are_disabled(engine, call):
    error = php(engine, f"return {call};").error
    name = call.split("(")[0]
    assert error.message == f"Error: Call to undefined function {name}() (line 1)"
    assert php(engine, "return FFI::cdef('int getpid(void);')->getpid();").error is not None


def test_big_events_and_results_cross_intact(engine):
    rows = [{"id": n, "name": "x" * 100} for n in range(5000)]
    event = {"request": {"method": "POST", "payload": {"resource": rows}}, "resource": ""}
    result = php(engine, "return count($event['request']['payload']['resource']);", event=event)
    assert result.value == 5000
    result = php(engine, "return str_repeat('z', 3000000);")
    assert len(result.value) == 3000000


def test_a_flood_of_runs_from_threads(engine_factory):
    engine = engine_factory(workers=3, queue_timeout=60)
    largest = []

    def mine() -> list[int]:
        pool = set(engine.pool().pids())
        return [pid for pid in worker_children() if pid in pool]

    def api(method, path, payload, options):
        largest.append(len(mine()))
        return {"status_code": 200, "content": engine.pool().size(), "headers": {}}

    scripts = [
        ("return $platform['api']->get('size')['content'];", None),
        (f"throw new {EXCEPTIONS}NotFoundException('gone');", 404),
        ("while (true) {}", 504),
        ("$a = []; while (true) { $a[] = str_repeat('x', 1000000); }", 500),
        ("return 'plain';", None),
    ]
    results: dict[int, object] = {}

    def one(index: int) -> None:
        script, status = scripts[index % len(scripts)]
        # the memory bomb gets time to spare: memory, not time, must end it however loaded
        results[index] = php(engine, script, api=api, timeout=60 if status == 500 else 2)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert len(results) == 30
    for index, result in results.items():
        script, status = scripts[index % len(scripts)]
        if status is None:
            assert result.error is None, result.error
        else:
            assert result.error.status_code == status, (script, result.error)
    assert max(largest) <= 3
    assert len(mine()) <= 3
    assert engine.pool().size() <= 3


# -- the registry and settings ---------------------------------------------------------


def test_the_engine_is_registered_and_not_sandboxed():
    assert get_engine("php") is PHP
    assert ENGINES["php"] is PHP
    assert (PHP.label, PHP.sandboxed) == ("PHP", False)
    assert PHP.description == "Script handler using native PHP."


def test_settings_come_from_the_app_config(app):
    app.config.update(SCRIPT_WORKERS=3, SCRIPT_MEMORY_MB=300, PHP_PATH="/usr/bin/php")
    engine = PhpEngine()
    with app.app_context():
        assert engine.available() == (True, "")
        try:
            assert value_of(engine, "return ini_get('memory_limit');") == "225M"
            pool = engine.pool()
            assert pool.settings.workers == 3
            assert pool.command[0] == "/usr/bin/php"
        finally:
            engine.shutdown()


def test_a_missing_php_makes_the_engine_unavailable(app):
    app.config.update(PHP_PATH="no-such-php")
    engine = PhpEngine()
    with app.app_context():
        usable, reason = engine.available()
        assert not usable
        assert reason == "'no-such-php' was not found (install it or set DF_PHP_PATH)"
        result = php(engine, "return 1;")
    assert (result.error.status_code, result.error.cls) == (503, "Unavailable")


# -- through the API ------------------------------------------------------------------

NAME = "db._table.todo.get.pre_process"


def test_script_type_lists_php_as_not_sandboxed(admin):
    body = admin.get("system/script_type/php").get_json()
    assert (body["name"], body["label"], body["sandboxed"]) == ("php", "PHP", False)


def test_a_scripted_service_answering_with_dd(admin):
    # business-logic.txt, "Creating Standalone Scripted Services"
    script = """
if ($event['request']['method'] == "POST") {
    dd("POST request!");
} elseif ($event['request']['method'] == "GET") {
    dd("GET request!");
}
"""
    create_script_service(admin, "dumper", script, "php")
    assert admin.get("dumper").get_json() == "GET request!"
    assert admin.post("dumper", json={}).get_json() == "POST request!"


def test_runaway_php_scripts_are_clear_errors_and_the_api_goes_on(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "SCRIPT_TIMEOUT", 1.0)
    save_script(admin, NAME, "while (true) {}", "php")
    error = assert_error(admin.get("db/_table/todo"), 504)
    assert f"Script '{NAME}' did not finish within 1 s" in error["message"]
    assert admin.get("db/_table/contact").status_code == 200
    monkeypatch.setitem(app.config, "SCRIPT_TIMEOUT", 60.0)  # memory, not time, must end it
    save_script(admin, NAME, "$a = []; while (true) { $a[] = str_repeat('x', 1000000); }", "php")
    error = assert_error(admin.get("db/_table/todo"), 500)
    assert error["message"].startswith(f"Script '{NAME}' exceeded its memory limit")
    save_script(admin, NAME, "return shell_exec('id');", "php")
    assert_error(
        admin.get("db/_table/todo"), 500, "Error: Call to undefined function shell_exec() (line 1)"
    )
    save_script(admin, NAME, "return $event['request']['method'] .;", "php")
    error = assert_error(admin.get("db/_table/todo"), 500)
    assert "syntax error at line 1" in error["message"]
    admin.delete(f"system/event_script/{NAME}")
    assert admin.get("db/_table/todo").status_code == 200


def test_a_flood_of_php_scripted_requests(app, admin):
    """More concurrent scripted calls than workers: each gets an answer or a clear 503."""
    create_script_service(admin, "slow_php", "usleep(200000); return ['ok' => true];", "php")
    results: list[tuple[int, object]] = []
    lock = threading.Lock()

    def call() -> None:
        client = app.test_client()
        headers = {"X-DreamFactory-Session-Token": admin.token}
        response = client.get("/api/v2/slow_php", headers=headers)
        with lock:
            results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=call) for _ in range(12)]
    for thread in threads:
        thread.start()
    plain = admin.get("db/_table/todo")  # served meanwhile
    for thread in threads:
        thread.join()
    assert plain.status_code == 200
    assert len(results) == 12
    for status, body in results:
        if status == 200:
            assert body == {"ok": True}
        else:
            assert status == 503, body
            assert body["error"]["status_code"] == 503
    assert any(status == 200 for status, _ in results)
    assert PHP.pool().size() <= app.config["SCRIPT_WORKERS"]

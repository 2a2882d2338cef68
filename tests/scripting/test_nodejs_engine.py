"""The Node.js engine: what a script sees, what it gives back, and how its faults end.

Scripts run through the engine directly (real Node.js worker processes), with a
plain function as the ``platform.api`` callback; every test that starts workers
checks afterwards that nothing it started is left running.
"""

from __future__ import annotations

import os
import threading

import pytest

from app.scripting import isolation
from app.scripting.engines import ENGINES, get_engine
from app.scripting.engines.nodejs import NODEJS, NodeJsEngine
from app.scripting.pool import PoolSettings
from app.vocabulary.errors import NotFound
from tests.conftest import SCRIPT_USER, assert_error
from tests.scripting.helpers import create_script_service, save_script
from tests.scripting.pyrun import echo_api, leaders, run, wait_gone, worker_children


class Tracked(NodeJsEngine):
    """A Node.js engine that remembers every worker's process group, to check for leaks."""

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


def js(engine, script: str, **fields):
    return run(engine, script, language="nodejs", **fields)


def value_of(engine, script: str, **fields):
    result = js(engine, script, **fields)
    assert result.error is None, result.error
    return result.value


# -- the event and platform objects ------------------------------------------------


def test_event_and_platform_are_objects_of_the_script(engine):
    assert value_of(engine, "return event.request.method") == "GET"
    assert value_of(engine, "return event['request']['parameters']['filter']") == "id=50"
    assert value_of(engine, "return event.resource") == "test"
    assert value_of(engine, "return event.response === undefined") is True
    script = (
        "return [event.request instanceof Object, event.request.payload.resource instanceof Array,"
        " platform.session instanceof Object, typeof platform.api.get]"
    )
    assert value_of(engine, script) == [True, True, True, "function"]


def test_event_changes_come_back_as_plain_json(engine):
    script = """
event.request.parameters.filter = 'id=51';
event.request.payload.resource[0].salary = 20;
event.response = {};
event.response.status_code = 400;
event.response.content = {"error": "Invalid resource requested."};
event.stop_propagation = true;
"""
    result = js(engine, script)
    assert result.error is None
    assert result.value is None
    assert result.event["request"]["parameters"] == {"filter": "id=51"}
    assert result.event["request"]["payload"]["resource"][0]["salary"] == 20
    assert result.event["response"] == {
        "status_code": 400,
        "content": {"error": "Invalid resource requested."},
    }
    assert result.event["stop_propagation"] is True


def test_dreamfactory_node_helpers(engine):
    result = js(engine, "event.setResponse({a: 1}, 201, 'application/json')")
    assert result.event["response"] == {
        "content": {"a": 1},
        "status_code": 201,
        "content_type": "application/json",
        "headers": {},
    }
    result = js(engine, "event.setResponse('text')")
    assert result.event["response"]["status_code"] == 200
    assert result.event["response"]["content_type"] == "application/json"
    result = js(engine, "event.setRequest(Object.assign(event.request, {method: 'POST'}))")
    assert result.event["request"]["method"] == "POST"
    assert value_of(engine, "event.setReturn({done: true})") == {"done": True}
    assert value_of(engine, "event.setReturn(1); return 2") == 2
    assert "setResponse" not in js(engine, "").event


def test_return_values(engine):
    assert value_of(engine, "return 42") == 42
    assert value_of(engine, "return 'text'") == "text"
    assert value_of(engine, "return [1, 'a', null, true, 1.5]") == [1, "a", None, True, 1.5]
    assert value_of(engine, "return {a: {b: [{c: 1}]}}") == {"a": {"b": [{"c": 1}]}}
    assert value_of(engine, "return event.request") == js(engine, "").event["request"]
    assert value_of(engine, "var x = 1") is None
    assert value_of(engine, "") is None
    assert value_of(engine, "if (event.resource === 'test') { return 'early' } return 'late'") == (
        "early"
    )
    assert value_of(engine, "return await Promise.resolve(7)") == 7
    assert value_of(engine, "return new Promise(r => setTimeout(() => r('later'), 20))") == "later"


def test_unexpected_return_values_become_json_or_a_clear_error(engine):
    assert value_of(engine, "return function () {}") is None
    assert value_of(engine, "return undefined") is None
    assert value_of(engine, "return Symbol('s')") is None
    assert value_of(engine, "return 2n ** 70n") == str(2**70)
    assert value_of(engine, "return new Date(0)") == "1970-01-01T00:00:00.000Z"
    assert value_of(engine, "return new Map([[1, 2]])") == {}
    assert value_of(engine, "return [NaN, Infinity]") == [None, None]
    for script in ("var x = {}; x.self = x; return x", "event.self = event"):
        result = js(engine, script)
        assert result.error.status_code == 500, script
        assert "could not be converted to JSON" in result.error.message


def test_platform_config_and_session(engine):
    assert value_of(engine, "return platform.config.df.api_version") == "2.0"
    assert value_of(engine, "return platform['session']['user']['email']") == "ada@example.com"
    assert value_of(engine, "return platform.session.api_key") == "the-key"


# -- platform.api -----------------------------------------------------------------------


def recorder():
    calls = []

    def api(method, path, payload, options):
        calls.append((method, path, payload, options))
        return echo_api(method, path, payload, options)

    return calls, api


def test_platform_api_promise_form(engine):
    calls, api = recorder()
    script = """
const got = await platform.api.get('db/_table/contact');
const posted = await platform.api.post('db/_table/contact', {resource: [{a: 1}]},
                                       {headers: {'X-A': '1'}, parameters: {fields: 'id'}});
await platform.api.put('db/_table/contact/1', {a: 2});
await platform.api.patch('db/_table/contact/1', {a: 3});
await platform.api.delete('db/_table/contact/1');
const called = await platform.api.call('get', 'system/role');
return [got.status_code, got.content.path, posted.content.options.headers['X-A'],
        got.headers['x-echo'], called.content.method, got.content instanceof Object];
"""
    assert value_of(engine, script, api=api) == [200, "db/_table/contact", "1", "1", "GET", True]
    assert [call[0] for call in calls] == ["GET", "POST", "PUT", "PATCH", "DELETE", "GET"]
    assert calls[1] == (
        "POST",
        "db/_table/contact",
        {"resource": [{"a": 1}]},
        {"headers": {"X-A": "1"}, "parameters": {"fields": "id"}},
    )
    assert calls[0][2:] == (None, {"headers": {}, "parameters": {}})


def test_platform_api_callback_form(engine):
    calls, api = recorder()
    # business-logic.txt, "Node.js Platform API Example" and its options form
    script = """
var url = 'db/_table/contact';
var options = null;
platform.api.get(url, options, function(body, response) {
    var result = JSON.parse(body);
    event.setReturn([result.path, response.statusCode, response.statusMessage,
                     response.headers['x-echo']]);
});
"""
    assert value_of(engine, script, api=api) == ["db/_table/contact", 200, "OK", "1"]
    script = """
platform.api.get('db/_table/contact', {parameters: {filter: 'id=1'}}, function(body) {
    event.setReturn(JSON.parse(body).options);
});
"""
    assert value_of(engine, script, api=api) == {
        "parameters": {"filter": "id=1"},
        "headers": {},
    }
    script = """
platform.api.call('POST', 'db/_table/t', {resource: []}, {headers: {a: 'b'}}, (body, r) => {
    event.setReturn(r.status_code);
});
"""
    assert value_of(engine, script, api=api) == 200


def test_nested_callbacks_and_timers_finish_before_the_run(engine):
    script = """
platform.api.get('one', null, null, function () {
    setTimeout(function () {
        platform.api.get('two').then(function (second) {
            event.response = {content: second.content.path};
        });
    }, 10);
});
"""
    assert js(engine, script).event["response"] == {"content": "two"}
    script = """
var n = 0;
var timer = setInterval(function () {
    n += 1;
    if (n === 3) { clearInterval(timer); event.setReturn(n) }
}, 5);
"""
    assert value_of(engine, script) == 3


def test_timers_behave_like_nodes(engine):
    script = "var t = setTimeout(function () { event.late = true }, 10000); t.unref(); return 1"
    result = js(engine, script, timeout=5)  # an unref()ed timer is not waited for
    assert (result.value, "late" in result.event) == (1, False)
    script = (
        "var t = setTimeout(function () { event.fired = true }, 5); return [+t > 0, t.hasRef()]"
    )
    result = js(engine, script)
    assert (result.value, result.event["fired"]) == ([True, True], True)
    script = "clearTimeout(setTimeout(function () { event.fired = true }, 5)); return 1"
    assert "fired" not in js(engine, script).event


def test_platform_api_errors_come_back_as_results(engine):
    def api(method, path, payload, options):
        if path == "missing":
            raise NotFound("Nothing at missing.")
        raise RuntimeError("database password is hunter2")

    script = "return [await platform.api.get('missing'), await platform.api.get('boom')]"
    missing, boom = value_of(engine, script, api=api)
    assert missing["status_code"] == 404
    assert missing["content"]["error"]["message"] == "Nothing at missing."
    assert boom["status_code"] == 500
    assert "hunter2" not in str(boom)


def test_platform_api_needs_a_path(engine):
    result = js(engine, "platform.api.get()")
    assert result.error.status_code == 500
    assert "needs a service path" in result.error.message
    assert "Unsupported method" in js(engine, "platform.api.call('TRACE', 'x')").error.message


# -- output -------------------------------------------------------------------------------


def test_console_becomes_output_lines(engine):
    script = "console.log('one'); console.log('two', 3, {a: 1}); console.error('err\\nmore')"
    assert js(engine, script).output == ["one", "two 3 { a: 1 }", "err", "more"]


def test_huge_output_is_capped_with_a_note(engine):
    # 1 MB of output, 16x the cap (more only makes the test slow on a busy machine)
    result = js(engine, "for (let i = 0; i < 20000; i++) console.log('x'.repeat(50))")
    assert result.error is None
    assert sum(len(line) for line in result.output) <= 65536 + 100
    assert "truncated" in result.output[-1]
    script = """
const fs = require('fs');
const data = Buffer.from('y'.repeat(1000000));
let written = 0;
while (written < data.length) {  // stdout is a non-blocking pipe: write until all is out
  try {
    written += fs.writeSync(1, data, written);
  } catch (err) {
    if (err.code !== 'EAGAIN') throw err;
  }
}
return 'done'
"""
    result = js(engine, script)
    assert result.value == "done"
    assert "truncated" in result.output[-1]


# -- exceptions ---------------------------------------------------------------------------

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
    error = js(engine, f"throw new {name}('Missing filter')").error
    assert (error.status_code, error.code, error.message) == (status, status, "Missing filter")
    assert error.context is None
    error = js(engine, f"throw new {name}('Missing filter', 123456)").error
    assert (error.status_code, error.code) == (status, 123456)
    assert value_of(engine, f"return new {name}('x') instanceof Error") is True


def test_rest_and_wrapping_exceptions(engine):
    error = js(engine, "throw new RestException(418, 'Sorry Mate')").error
    assert (error.status_code, error.code, error.message) == (418, 418, "Sorry Mate")
    error = js(engine, "throw new RestException(422, 'No', 7)").error
    assert (error.status_code, error.code) == (422, 7)
    script = "var error = new BadRequestException('Missing Location'); throw new DFException(error)"
    error = js(engine, script).error
    assert (error.status_code, error.code, error.message) == (500, 400, "Missing Location")
    error = js(engine, "throw new NotFoundException()").error
    assert (error.status_code, error.message, error.cls) == (404, "Not Found.", "NotFoundException")
    error = js(engine, "throw new ForbiddenException('no', 3, {why: 'because'})").error
    assert error.context == {"why": "because"}


def test_batch_exception_context(engine):
    script = """
var errorOne = new BadRequestException('Missing Name');
var errorTwo = new BadRequestException('Missing Location');
var successfulCall = {Name: 'Tomo', Location: 'London'};
throw new BatchException([errorOne, successfulCall, errorTwo], 'Some failed requests');
"""
    error = js(engine, script).error
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


def test_other_throws_are_500_with_their_message(engine):
    error = js(engine, "throw 'Only HTTP GET is allowed on this endpoint.'").error
    assert (error.status_code, error.code, error.message) == (
        500,
        None,
        "Only HTTP GET is allowed on this endpoint.",
    )
    error = js(engine, "throw new Error('Missing first_name.')").error
    assert (error.status_code, error.message, error.cls) == (500, "Missing first_name.", "Error")
    error = js(engine, "var x = 1;\nreturn event.response.content").error
    assert error.message.startswith("TypeError: Cannot read properties of undefined")
    assert error.message.endswith("(line 2)")
    assert error.cls == "TypeError"
    error = js(engine, "throw {status_code: 409, message: 'taken', code: 5}").error
    assert (error.status_code, error.code, error.message) == (409, 5, "taken")


def test_exceptions_in_callbacks_and_rejections_end_the_script(engine):
    script = "platform.api.get('x', null, null, function () { throw new NotFoundException('cb') })"
    assert js(engine, script).error.message == "cb"
    script = "platform.api.get('x').then(function () { throw new ForbiddenException('then') })"
    assert js(engine, script).error.status_code == 403
    script = "setTimeout(function () { undefinedThing() }, 1)"
    assert js(engine, script).error.message.startswith("ReferenceError: undefinedThing")
    script = "Promise.reject(new ConflictException('late'))"
    assert js(engine, script).error.status_code == 409


def test_a_syntax_error_names_its_line(engine):
    error = js(engine, "var x = 1;\nif (x {\n  return 2\n}").error
    assert error.status_code == 500
    assert error.cls == "SyntaxError"
    assert error.message.startswith(
        "Script 'db._table.contact.get.pre_process' has a syntax error at line 2:"
    )
    assert js(engine, "return 1").value == 1


# -- what scripts may use -------------------------------------------------------------


def test_require_loads_built_ins_but_not_process_control(engine):
    assert value_of(engine, "return require('util').format('%s!', 'x')") == "x!"
    script = "return require('crypto').createHash('sha1').update('').digest('hex')"
    assert value_of(engine, script) == "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    for name in ("child_process", "node:child_process", "cluster", "worker_threads", "vm"):
        error = js(engine, f"require('{name}')").error
        assert error.message == f"Module '{name}' is not available to scripts.", name
    error = js(engine, "require('no-such-module-here')").error
    assert error.message == "Cannot find module 'no-such-module-here'."


def test_scripts_keep_their_context_but_not_their_globals(engine):
    script = "if (typeof counter === 'undefined') { counter = 0 } counter += 1; return counter"
    assert [value_of(engine, script) for _ in range(4)] == [1, 1, 1, 1]
    assert value_of(engine, "globalThis.shared = 5; return 1") == 1
    assert value_of(engine, "return typeof shared") == "undefined"
    assert value_of(engine, "Array.prototype.evil = 1; return 1") == 1
    assert value_of(engine, "return [].evil") is None  # another script: another context


def test_the_environment_holds_no_app_secret(monkeypatch):
    monkeypatch.setenv("DF_JWT_SECRET", "jwt-secret-in-the-environment")
    monkeypatch.setenv("DF_SYSTEM_DATABASE_URL", "postgresql://df:pw@db/df")
    engine = Tracked(workers=1)
    try:
        escape = "this.constructor.constructor('return process')()"
        environment = value_of(engine, f"return {escape}.env")
        expected = ["HOME", "LANG", "PATH", "TMPDIR", "UV_THREADPOOL_SIZE"]
        assert sorted(environment) == sorted(expected + list(isolation.proxy_environment()))
        assert environment["HOME"] == value_of(engine, f"return {escape}.cwd()")
        passwd = value_of(engine, "return require('fs').readFileSync('/etc/passwd', 'utf8')")
        assert "root:" in passwd
        script = f"return require('fs').readFileSync('/proc/' + {escape}.ppid + '/environ')"
        result = js(engine, script)
        assert result.error is not None and "EACCES" in result.error.message
    finally:
        engine.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="workers change user only when the app is root")
def test_as_root_workers_run_as_the_script_user(engine, tmp_path):
    secret = tmp_path / "jwt_secret"
    secret.write_text("private")
    secret.chmod(0o600)
    owner = "const fs = require('fs'); fs.writeFileSync('f', '1'); return fs.statSync('f').uid"
    assert value_of(engine, owner) == int(SCRIPT_USER)  # the test process's own script uid
    result = js(engine, f"return require('fs').readFileSync({str(secret)!r}, 'utf8')")
    assert "EACCES" in result.error.message


# -- runaway scripts ------------------------------------------------------------------


def test_a_busy_loop_times_out_and_the_worker_stays_warm(engine_factory):
    engine = engine_factory(workers=1)
    assert js(engine, "return 1").value == 1
    before = engine.pids()
    for script in ("while (true) {}", "setTimeout(function () { for (;;) {} }, 1)"):
        result = js(engine, script, timeout=1)
        assert (result.error.status_code, result.error.cls) == (504, "Timeout"), script
        assert "did not finish within 1 s" in result.error.message
    assert js(engine, "return 2").value == 2
    assert engine.pids() == before


def test_a_loop_the_worker_cannot_interrupt_ends_with_its_worker(engine_factory):
    engine = engine_factory(workers=1)
    assert js(engine, "return 1").value == 1
    before = engine.pids()
    result = js(engine, "await null; while (true) {}", timeout=1)
    assert (result.error.status_code, result.error.cls) == (504, "Timeout")
    assert wait_gone(before) == []
    assert js(engine, "return 2").value == 2
    assert engine.pids() != before


def test_a_script_waiting_forever_times_out(engine):
    for script in ("await new Promise(function () {})", "setInterval(function () {}, 10)"):
        result = js(engine, script, timeout=0.5)
        assert result.error.cls == "Timeout", script


def test_a_timeout_counts_time_spent_in_platform_api(engine):
    release = threading.Event()

    def slow_api(method, path, payload, options):
        release.wait(1.5)
        return {"status_code": 200, "content": None, "headers": {}}

    result = js(engine, "await platform.api.get('x'); return 1", timeout=0.5, api=slow_api)
    release.set()
    assert result.error.cls == "Timeout"


def test_a_memory_bomb_ends_with_a_memory_error_and_a_fresh_worker(engine_factory):
    engine = engine_factory(workers=1, memory_mb=200)
    assert js(engine, "return 1").value == 1
    before = engine.pids()
    # a time limit far beyond the memory's, so memory ends it however loaded the machine is
    result = js(
        engine, "var a = []; while (true) { a.push(new Array(1e6).fill(1.5)) }", timeout=120
    )
    assert (result.error.status_code, result.error.cls) == (500, "MemoryLimit")
    assert result.error.message == (
        "Script 'db._table.contact.get.pre_process' ran out of memory and was stopped."
    )
    assert not any("Last few GCs" in line for line in result.output)
    assert js(engine, "return 2").value == 2
    assert engine.pids() != before


def test_deep_recursion_is_a_range_error(engine):
    error = js(engine, "function f(n) { return f(n + 1) + 1 }\nreturn f(0)").error
    assert error.status_code == 500
    assert error.message.startswith("RangeError: Maximum call stack size exceeded")
    assert js(engine, "return 'alive'").value == "alive"


def test_processes_a_script_starts_are_killed_with_its_worker(engine_factory):
    # require('child_process') is refused, but Node.js is no sandbox: a script can reach it
    # through the host's Function constructor; what holds then is the pool's process limit
    # (tested with the pool) and its killing the worker with everything it started.
    engine = engine_factory(workers=1, processes=4096)
    escape = "this.constructor.constructor('return process')().mainModule.require('child_process')"
    script = f"""
const cp = {escape};
const started = [];
for (let i = 0; i < 100; i++) {{
  const child = cp.spawn('sleep', ['60'], {{detached: true, stdio: 'ignore'}});
  child.unref();
  started.push(child.pid);
}}
return started.length;
"""
    assert js(engine, "return 1").value == 1
    before = engine.pids()
    assert js(engine, script, timeout=5).value == 100
    assert wait_gone(engine.groups, 30, zombies=True, keep=engine.pool().pids()) == []
    assert engine.pids() != before  # the worker asked to be replaced
    script = f"const cp = {escape}; while (true) {{ cp.spawn('sleep', ['60']).unref() }}"
    result = js(engine, script, timeout=0.5)
    assert result.error.cls == "Timeout"
    assert wait_gone(engine.groups, 30, zombies=True, keep=engine.pool().pids()) == []
    assert js(engine, "return 'alive'").value == "alive"


def test_big_events_and_results_cross_intact(engine):
    rows = [{"id": n, "name": "x" * 100} for n in range(5000)]
    event = {"request": {"method": "POST", "payload": {"resource": rows}}, "resource": ""}
    result = js(engine, "return event.request.payload.resource.length", event=event)
    assert result.value == 5000
    result = js(engine, "return 'z'.repeat(3000000)")
    assert len(result.value) == 3000000


def test_a_flood_of_runs_from_threads(engine_factory):
    engine = engine_factory(workers=3, queue_timeout=60)
    largest = []

    def api(method, path, payload, options):
        largest.append(len(mine()))
        return {"status_code": 200, "content": engine.pool().size(), "headers": {}}

    def mine() -> list[int]:
        pool = set(engine.pool().pids())
        return [pid for pid in worker_children() if pid in pool]

    scripts = [
        ("return (await platform.api.get('size')).content", None),
        ("throw new NotFoundException('gone')", 404),
        ("while (true) {}", 504),
        ("this.constructor.constructor('return process')().exit(1)", 500),
        ("return 'plain'", None),
    ]
    results: dict[int, object] = {}

    def one(index: int) -> None:
        script, _status = scripts[index % len(scripts)]
        results[index] = js(engine, script, api=api, timeout=2)

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
    assert get_engine("nodejs") is NODEJS
    assert ENGINES["nodejs"] is NODEJS
    assert (NODEJS.label, NODEJS.sandboxed) == ("Node.js", False)
    assert NODEJS.description == "Server-side JavaScript handler using the Node.js engine."


def test_settings_come_from_the_app_config(app):
    app.config.update(SCRIPT_WORKERS=3, SCRIPT_MEMORY_MB=300, NODEJS_PATH="nodejs")
    engine = NodeJsEngine()
    with app.app_context():
        assert engine.available() == (True, "")
        try:
            assert value_of(engine, "return 5") == 5
            pool = engine.pool()
            assert pool.settings.workers == 3
            assert pool.command[0].endswith("/nodejs")
            assert "--max-old-space-size=225" in pool.command
        finally:
            engine.shutdown()


def test_a_missing_node_makes_the_engine_unavailable(app):
    app.config.update(NODEJS_PATH="/nonexistent/node")
    engine = NodeJsEngine()
    with app.app_context():
        usable, reason = engine.available()
        assert not usable
        assert reason == "'/nonexistent/node' was not found (install it or set DF_NODEJS_PATH)"
        result = js(engine, "return 1")
    assert (result.error.status_code, result.error.cls) == (503, "Unavailable")
    assert "/nonexistent/node" in result.error.message


# -- through the API ------------------------------------------------------------------

NAME = "db._table.todo.get.pre_process"


def test_script_type_lists_nodejs_as_not_sandboxed(admin):
    body = admin.get("system/script_type/nodejs").get_json()
    assert (body["name"], body["label"], body["sandboxed"]) == ("nodejs", "Node.js", False)


def test_runaway_nodejs_scripts_are_clear_errors_and_the_api_goes_on(app, admin, monkeypatch):
    monkeypatch.setitem(app.config, "SCRIPT_TIMEOUT", 1.0)
    save_script(admin, NAME, "while (true) {}", "nodejs")
    error = assert_error(admin.get("db/_table/todo"), 504)
    assert f"Script '{NAME}' did not finish within 1 s" in error["message"]
    assert admin.get("db/_table/contact").status_code == 200
    # Memory, not time, must end this one however loaded the machine is.
    monkeypatch.setitem(app.config, "SCRIPT_TIMEOUT", 60.0)
    save_script(
        admin, NAME, "var a = []; while (true) { a.push(new Array(1e6).fill(1.5)) }", "nodejs"
    )
    assert_error(
        admin.get("db/_table/todo"), 500, f"Script '{NAME}' ran out of memory and was stopped."
    )
    save_script(admin, NAME, "require('child_process')", "nodejs")
    assert_error(
        admin.get("db/_table/todo"), 500, "Module 'child_process' is not available to scripts."
    )
    save_script(admin, NAME, "var x = ;\nreturn x", "nodejs")
    error = assert_error(admin.get("db/_table/todo"), 500)
    assert "syntax error at line 1" in error["message"]
    admin.delete(f"system/event_script/{NAME}")
    assert admin.get("db/_table/todo").status_code == 200


def test_a_flood_of_nodejs_scripted_requests(app, admin):
    """More concurrent scripted calls than workers: each gets an answer or a clear 503."""
    script = "await new Promise(function (r) { setTimeout(r, 200) }); return {ok: true}"
    create_script_service(admin, "slow_node", script, "nodejs")
    results: list[tuple[int, object]] = []
    lock = threading.Lock()

    def call() -> None:
        client = app.test_client()
        headers = {"X-DreamFactory-Session-Token": admin.token}
        response = client.get("/api/v2/slow_node", headers=headers)
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
    assert NODEJS.pool().size() <= app.config["SCRIPT_WORKERS"]

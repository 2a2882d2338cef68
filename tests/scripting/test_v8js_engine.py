"""The v8js engine: sandboxed JavaScript (QuickJS in warm workers) — what a script sees,
what it gives back, how its faults end, and that nothing outside the sandbox is reachable.

Most tests run scripts through the engine directly (real worker processes) with
a plain function as the ``platform.api`` callback; the last ones save v8js
scripts through the API and call real endpoints. Every engine a test builds is
shut down by the test, which checks that none of its processes is left.
"""

from __future__ import annotations

import threading

import pytest

from app.scripting.engines import ENGINES, get_engine
from app.scripting.engines.v8js import V8JS, V8jsEngine
from app.scripting.pool import PoolSettings
from app.vocabulary.errors import NotFound
from tests.conftest import assert_error
from tests.scripting.pyrun import echo_api, leaders, make_run, wait_gone


class Engine(V8jsEngine):
    """A v8js engine that remembers every worker's process group, to check for leaks."""

    def __init__(self, **settings):
        super().__init__(PoolSettings(**settings))
        self.groups: dict[int, int] = {}

    def run(self, script_run):
        self.groups.update(leaders(self.pool().pids()))
        result = super().run(script_run)
        self.groups.update(leaders(self.pool().pids()))
        return result

    def close(self) -> None:
        self.groups.update(leaders(self.pool().pids()))
        self.shutdown()
        assert wait_gone(self.groups) == [], "processes left after shutdown"


@pytest.fixture(scope="module")
def engine():
    built = Engine(workers=2, queue_timeout=30)
    yield built
    built.close()


@pytest.fixture
def engine_factory():
    made: list[Engine] = []

    def build(**settings) -> Engine:
        made.append(Engine(**{"workers": 1, "queue_timeout": 30, **settings}))
        return made[-1]

    yield build
    for built in made:
        built.close()


def run(engine, script: str, **fields):
    return engine.run(make_run(script, language="v8js", **fields))


def value_of(engine, script: str, **fields):
    result = run(engine, script, **fields)
    assert result.error is None, result.error
    return result.value


def error_of(engine, script: str, **fields):
    result = run(engine, script, **fields)
    assert result.error is not None, result.value
    return result.error


# -- the event and platform objects ------------------------------------------------


def test_event_and_platform_are_plain_objects(engine):
    assert value_of(engine, "return event.request.method") == "GET"
    assert value_of(engine, "return event['request']['parameters']['filter']") == "id=50"
    assert value_of(engine, "return event.request.headers.host") == "localhost"
    assert value_of(engine, "return event.resource") == "test"
    assert value_of(engine, "return event.response === undefined") is True
    assert value_of(engine, "return platform.config.df.api_version") == "2.0"
    assert value_of(engine, "return platform.session.user.email") == "ada@example.com"


def test_event_changes_come_back_as_plain_json(engine):
    script = """
event.request.parameters.filter = 'id=51';
event.request.payload.resource[0].salary = 20;
event.response = {};
event.response.status_code = 400;
event.response.content = {"error": "Invalid resource requested."};
event.stop_propagation = true;
"""
    result = run(engine, script)
    assert result.error is None, result.error
    assert result.value is None
    assert result.event["request"]["parameters"] == {"filter": "id=51"}
    assert result.event["request"]["payload"]["resource"][0]["salary"] == 20
    assert result.event["response"] == {
        "status_code": 400,
        "content": {"error": "Invalid resource requested."},
    }
    assert result.event["stop_propagation"] is True


def test_node_style_event_helpers(engine):
    result = run(engine, "event.setResponse({ok: true}, 201, 'application/json');")
    assert result.event["response"] == {
        "content": {"ok": True},
        "status_code": 201,
        "content_type": "application/json",
        "headers": {},
    }
    assert "setResponse" not in result.event
    result = run(engine, "event.setRequest(Object.assign({}, event.request, {method: 'POST'}));")
    assert result.event["request"]["method"] == "POST"
    assert value_of(engine, "event.setReturn({from: 'setReturn'});") == {"from": "setReturn"}
    assert value_of(engine, "event.setReturn(1); return 2;") == 2


def test_return_values(engine):
    assert value_of(engine, "return 42") == 42
    assert value_of(engine, "return 'text'") == "text"
    assert value_of(engine, "return [1, 'a', null, true, 1.5]") == [1, "a", None, True, 1.5]
    assert value_of(engine, "return {a: {b: [1]}}") == {"a": {"b": [1]}}
    assert value_of(engine, "return") is None
    assert value_of(engine, "var x = 1;") is None
    assert value_of(engine, "return await Promise.resolve('awaited')") == "awaited"


def test_unexpected_return_values_become_json_or_a_clear_error(engine):
    assert value_of(engine, "return () => 1") is None
    assert value_of(engine, "return undefined") is None
    assert value_of(engine, "return 2n ** 70n") == str(2**70)
    assert value_of(engine, "return new Date(0)") == "1970-01-01T00:00:00.000Z"
    assert value_of(engine, "return NaN") is None
    assert value_of(engine, "return {f: function () {}, s: Symbol('x'), n: 1}") == {"n": 1}
    error = error_of(engine, "const a = {}; a.self = a; return a;")
    assert error.status_code == 500
    assert error.message.startswith("Script result could not be converted to JSON")
    error = error_of(engine, "await new Promise(() => {});")
    assert error.message == "Script did not finish: it waits on a promise that never settles."


# -- platform.api ---------------------------------------------------------------------


def test_platform_api_is_synchronous_and_goes_through_the_callback(engine):
    calls = []

    def api(method, path, payload, options):
        calls.append((method, path, payload, options))
        return echo_api(method, path, payload, options)

    script = """
const got = platform.api.get('db/_table/contact', null, {parameters: {limit: 2}});
const posted = platform.api.post('db/_table/contact', {resource: [{name: 'x'}]},
                                 {headers: {'X-Trace': 't'}});
platform.api.put('db/_table/contact/1', {name: 'y'});
platform.api.patch('db/_table/contact/1', {name: 'z'});
platform.api.delete('db/_table/contact/1');
const called = platform.api.call('post', 'db/_table/other');
return [got.status_code, got.content.path, got.headers['x-echo'], posted.content.payload,
        called.content.method];
"""
    assert value_of(engine, script, api=api) == [
        200,
        "db/_table/contact",
        "1",
        {"resource": [{"name": "x"}]},
        "POST",
    ]
    assert calls == [
        ("GET", "db/_table/contact", None, {"parameters": {"limit": 2}}),
        ("POST", "db/_table/contact", {"resource": [{"name": "x"}]}, {"headers": {"X-Trace": "t"}}),
        ("PUT", "db/_table/contact/1", {"name": "y"}, {}),
        ("PATCH", "db/_table/contact/1", {"name": "z"}, {}),
        ("DELETE", "db/_table/contact/1", None, {}),
        ("POST", "db/_table/other", None, {}),
    ]


def test_platform_api_node_callback_and_promise_forms(engine):
    script = """
const seen = [];
platform.api.get('db/_table/contact', {parameters: {limit: 1}}, function (body, response) {
    seen.push(typeof body, JSON.parse(body).options.parameters.limit,
              response.statusCode, response.statusMessage);
});
const awaited = await platform.api.get('a');
seen.push(awaited.content.path);
await platform.api.post('b', {n: 1}).then((r) => seen.push(r.content.payload.n));
return seen;
"""
    assert value_of(engine, script) == ["string", 1, 200, "OK", "a", 1]


def test_platform_api_errors_are_results_not_exceptions(engine):
    def api(method, path, payload, options):
        if path == "missing":
            raise NotFound("Record not found.")
        return {"status_code": 403, "content": {"error": {"message": "no"}}, "headers": {}}

    script = """
const missing = platform.api.get('missing');
const denied = platform.api.get('denied');
return [missing.status_code, missing.content.error.message, denied.status_code];
"""
    assert value_of(engine, script, api=api) == [404, "Record not found.", 403]


def test_platform_api_needs_a_path(engine):
    error = error_of(engine, "platform.api.get(42)")
    assert (error.status_code, error.message) == (400, "platform.api needs a service path or URL.")
    error = error_of(engine, "platform.api.call('TRACE', 'db')")
    assert error.status_code == 400


def test_an_exception_thrown_in_a_callback_ends_the_script(engine):
    script = "platform.api.get('x', function () { throw new ForbiddenException('nope'); });"
    error = error_of(engine, script)
    assert (error.status_code, error.message) == (403, "nope")


# -- output -------------------------------------------------------------------------


def test_console_and_print_become_output_lines(engine):
    script = """
console.log('hello', 42, {a: 1}, [1, 2], null, undefined);
console.error('two\\nlines');
print('printed');
"""
    result = run(engine, script)
    assert result.error is None
    assert result.output == ['hello 42 {"a":1} [1,2] null undefined', "two", "lines", "printed"]


def test_huge_output_is_capped_with_a_note(engine):
    script = "for (let i = 0; i < 100000; i++) console.log('line ' + i + ' ' + 'y'.repeat(100));"
    result = run(engine, script)
    assert result.error is None
    assert 500 < len(result.output) < 1000
    assert result.output[-1] == "[output truncated at 65536 characters]"
    assert value_of(engine, "return 'still fine'") == "still fine"


# -- DreamFactory's exceptions --------------------------------------------------------

STATUSES = [
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
    ("DFException", 500),
    ("DfException", 500),
]


@pytest.mark.parametrize(("name", "status"), STATUSES)
def test_each_exception_class_gives_its_status_and_code(engine, name, status):
    error = error_of(engine, f"throw new {name}('it failed');")
    assert (error.status_code, error.message, error.code) == (status, "it failed", None)
    error = error_of(engine, f"throw new {name}('it failed', 123456);")
    assert (error.status_code, error.code) == (status, 123456)
    assert value_of(engine, f"return new {name}('x') instanceof Error") is True


def test_rest_and_wrapping_exceptions(engine):
    error = error_of(engine, "throw new RestException(418, 'Sorry Mate');")
    assert (error.status_code, error.message, error.code) == (418, "Sorry Mate", None)
    assert error.cls == "RestException"
    error = error_of(engine, "throw new RestException('not a status');")
    assert error.status_code == 500
    script = "throw new DFException(new BadRequestException('Missing Location'));"
    error = error_of(engine, script)
    assert (error.status_code, error.message, error.code) == (500, "Missing Location", 400)
    error = error_of(engine, "throw new NotFoundException();")
    assert (error.status_code, error.message) == (404, "Not Found")


def test_batch_exception_context(engine):
    script = """
const errorOne = new BadRequestException('Missing Name');
const errorTwo = new BadRequestException('Missing Location');
throw new BatchException([errorOne, {Name: 'Tomo', Location: 'London'}, errorTwo],
                         'Some failed requests');
"""
    error = error_of(engine, script)
    assert (error.status_code, error.code, error.message) == (400, 1000, "Some failed requests")
    bad = {"code": 400, "context": None, "status_code": 400}
    assert error.context == {
        "error": [0, 2],
        "resource": [
            {**bad, "message": "Missing Name"},
            {"Name": "Tomo", "Location": "London"},
            {**bad, "message": "Missing Location"},
        ],
    }


def test_other_throws_are_500_with_their_message(engine):
    error = error_of(engine, "throw 'Only HTTP GET is allowed on this endpoint.';")
    assert (error.status_code, error.message) == (500, "Only HTTP GET is allowed on this endpoint.")
    assert error_of(engine, "throw new Error('boom');").message == "boom"
    error = error_of(engine, "\nnull.x;")
    assert error.message == "TypeError: cannot read property 'x' of null (line 2)"
    assert error_of(engine, "throw {status_code: 422, message: 'odd'};").status_code == 422
    assert error_of(engine, "throw 7;").message == "7"
    script = "throw {get message() { throw new Error('no'); }};"
    assert error_of(engine, script).message == "Script threw an unreadable error."
    assert error_of(
        engine, "await Promise.reject(new NotFoundException('later'));"
    ).status_code == (404)


def test_a_syntax_error_names_its_line(engine):
    error = error_of(engine, "const a = 1;\nconst b = ;\n")
    assert error.status_code == 500
    assert error.cls == "SyntaxError"
    assert error.message.startswith("SyntaxError: ")
    assert "(line 2, column" in error.message


# -- the sandbox ----------------------------------------------------------------------

LANGUAGE_GLOBALS = {
    # ECMAScript's own globals (what QuickJS has without its C library)
    *"Object Function Error EvalError RangeError ReferenceError SyntaxError TypeError URIError"
    " InternalError AggregateError SuppressedError Iterator Array parseInt parseFloat isNaN"
    " isFinite queueMicrotask decodeURI decodeURIComponent encodeURI encodeURIComponent escape"
    " unescape Infinity NaN undefined eval Number Boolean String Math Reflect Symbol"
    " DisposableStack AsyncDisposableStack globalThis BigInt Date RegExp JSON Proxy Map Set"
    " WeakMap WeakSet ArrayBuffer SharedArrayBuffer Uint8ClampedArray Int8Array Uint8Array"
    " Int16Array Uint16Array Int32Array Uint32Array BigInt64Array BigUint64Array Float16Array"
    " Float32Array Float64Array DataView Atomics Promise WeakRef FinalizationRegistry"
    " DOMException btoa atob performance".split(),
    # ours
    *"event platform console print DFException DfException RestException BatchException"
    " BadRequestException UnauthorizedException ForbiddenException NotFoundException"
    " ConflictResourceException ConflictException TooManyRequestsException"
    " InternalServerErrorException NotImplementedException ServiceUnavailableException"
    " InvalidJsonException".split(),
}


def test_only_the_language_and_our_objects_are_global(engine):
    names = value_of(engine, "return Object.getOwnPropertyNames(globalThis)")
    assert set(names) <= LANGUAGE_GLOBALS, set(names) - LANGUAGE_GLOBALS


@pytest.mark.parametrize(
    "script",
    [
        "return typeof require",
        "return typeof process",
        "return typeof std",
        "return typeof os",
        "return typeof fetch",
        "return typeof XMLHttpRequest",
        "return typeof WebAssembly",
        "return typeof setTimeout",
        "return typeof Deno",
        "return typeof Bun",
        "return typeof scriptArgs",
        "return typeof (function () { return this; })().process",
        "return typeof Function('return this')().require",
    ],
)
def test_no_host_object_is_reachable(engine, script):
    assert value_of(engine, script) == "undefined"


def test_files_processes_network_and_environment_are_denied(engine):
    for script in (
        "return require('fs').readFileSync('/etc/passwd', 'utf8')",
        "return require('child_process').execSync('id')",
        "return process.env.DF_JWT_SECRET",
        "return std.getenv('DF_JWT_SECRET')",
        "return os.exec(['id'])",
        "return fetch('http://169.254.169.254/')",
        "return new XMLHttpRequest()",
    ):
        error = error_of(engine, script)
        assert error.status_code == 500
        assert error.message.startswith("ReferenceError: ") and "is not defined" in error.message
    for module in ("os", "std", "fs", "/etc/passwd", "http://127.0.0.1/x.js"):
        error = error_of(engine, f"return await import({module!r})")
        assert error.message == f"ReferenceError: could not load module '{module}'"
    error = error_of(engine, "return Function('return process.env')()")
    assert "process is not defined" in error.message


def test_globals_and_prototypes_do_not_leak_between_runs(engine):
    script = "globalThis.leaked = 1; Array.prototype.evil = 1; JSON.stringify = () => 'x';"
    for _ in range(3):  # reach both workers
        assert run(engine, script).error is None
    for _ in range(3):
        assert value_of(engine, "return [typeof leaked, [].evil, JSON.stringify([1])]") == [
            "undefined",
            None,
            "[1]",
        ]


def test_replacing_built_ins_does_not_break_the_runtime(engine):
    script = """
JSON.stringify = JSON.parse = () => 'x';
Object.defineProperty = Reflect.apply = Function.prototype.call = null;
Promise.prototype.then = function () {};
globalThis.InternalError = null;
console.log('logged');
return platform.api.get('x').content.path;
"""
    result = run(engine, script)
    assert (result.error, result.value, result.output) == (None, "x", ["logged"])
    script = "Object.prototype.toJSON = function () { throw new Error('no'); }; return 1;"
    error = error_of(engine, script)
    assert error.message == "Script result could not be converted to JSON: no"
    assert value_of(engine, "return 'next run is fine'") == "next run is fine"


def test_an_infinite_loop_times_out_and_its_worker_is_replaced(engine_factory):
    engine = engine_factory()
    assert value_of(engine, "return 1") == 1
    before = engine.pool().pids()
    error = error_of(engine, "while (true) {}", timeout=1)
    assert (error.status_code, error.cls) == (504, "Timeout")
    error = error_of(engine, "for (;;) { await null; }", timeout=1)
    assert (error.status_code, error.cls) == (504, "Timeout")
    assert value_of(engine, "return 2") == 2
    assert engine.pool().pids() != before


def test_a_memory_bomb_ends_with_a_memory_error_and_a_fresh_worker(engine_factory):
    engine = engine_factory(memory_mb=96)
    for script in (
        "let a = []; while (true) a.push('x'.repeat(1000) + a.length);",
        "let a = []; while (true) a.push({i: a.length, b: [1, 2, 3]});",
        "new Array(1e9).fill(0);",
        "let b = []; while (true) b.push(new ArrayBuffer(1 << 20));",
    ):
        error = error_of(engine, script, timeout=120)  # memory ends it however loaded
        assert (error.status_code, error.cls) == (500, "MemoryLimit"), error
        assert error.message == "Script ran out of memory (limit 72 MB)."
        assert value_of(engine, "return 'alive'") == "alive"


def test_a_string_bomb_is_refused(engine):
    error = error_of(engine, "let s = 'x'; while (true) s = s + s;")
    assert (error.status_code, error.message) == (500, "InternalError: string too long (line 1)")


def test_deep_recursion_is_a_range_error(engine):
    error = error_of(engine, "function f(n) { return f(n + 1) + 1; }\nf(0);")
    assert error.status_code == 500
    assert error.message.startswith("RangeError: Maximum call stack size exceeded")
    assert value_of(engine, "function f(n) { return n ? f(n - 1) + 1 : 0; } return f(1000)") == 1000


def test_big_events_and_results_cross_intact(engine):
    event = {"request": {"payload": {"resource": [{"n": i, "s": "é" * 50} for i in range(5000)]}}}
    script = "return event.request.payload.resource.map((r) => r.n * 2 + r.s.length)"
    assert value_of(engine, script, event=event) == [i * 2 + 50 for i in range(5000)]
    assert len(value_of(engine, "return 'z'.repeat(5 * 1024 * 1024)")) == 5 * 1024 * 1024


def test_workers_stay_warm(engine):
    value_of(engine, "return 1")
    before = set(engine.pool().pids())
    for _ in range(20):
        value_of(engine, "return 1")
    assert set(engine.pool().pids()) == before


def test_a_flood_of_runs_from_threads(engine_factory):
    engine = engine_factory(workers=2, queue_timeout=120, memory_mb=64)
    largest = []

    def api(method, path, payload, options):
        largest.append(engine.pool().size())
        return {"status_code": 200, "content": largest[-1], "headers": {}}

    scripts = [  # (script, expected status or None, timeout)
        ("return platform.api.get('size').content", None, 30),
        ("throw new NotFoundException('gone')", 404, 30),
        ("while (true) {}", 504, 1),
        ("let a = []; while (true) a.push('x'.repeat(1000) + a.length);", 500, 30),
        ("function f() { return f(); } f();", 500, 30),
        ("return 'plain'", None, 30),
    ]
    results: dict[int, object] = {}

    def one(index: int) -> None:
        script, _status, timeout = scripts[index % len(scripts)]
        results[index] = run(engine, script, api=api, timeout=timeout)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert len(results) == 24
    for index, result in results.items():
        script, status, _timeout = scripts[index % len(scripts)]
        if status is None:
            assert result.error is None, (script, result.error)
        else:
            assert result.error.status_code == status, (script, result.error)
    assert largest and max(largest) <= 2
    assert engine.pool().size() <= 2


# -- the registry and settings ----------------------------------------------------------


def test_the_engine_is_registered_and_sandboxed():
    assert get_engine("v8js") is V8JS
    assert get_engine(" V8JS ") is V8JS
    assert ENGINES["v8js"].sandboxed is True
    assert (V8JS.type, V8JS.label) == ("v8js", "V8js")
    assert V8JS.available() == (True, "")


def test_the_heap_limit_follows_the_memory_setting(app):
    app.config.update(SCRIPT_MEMORY_MB=200, SCRIPT_WORKERS=1)
    engine = V8jsEngine()
    with app.app_context():
        try:
            assert value_of(engine, "return 5") == 5
            command = engine.pool().command
            assert command[command.index("--memory-mb") + 1] == "150"
            assert engine.pool().settings.workers == 1
        finally:
            engine.shutdown()


# -- through the API ------------------------------------------------------------------


def save_script(admin, name: str, content: str) -> None:
    """The v8js event script ``name``, active and allowed to change the event."""
    body = {"type": "v8js", "content": content, "is_active": True, "allow_event_modification": True}
    response = admin.post(f"system/event_script/{name}", json={"name": name, **body})
    assert response.status_code in (200, 201), response.get_json()


def create_script_service(admin, name: str, content: str) -> None:
    body = {"name": name, "label": name, "type": "v8js", "config": {"content": content}}
    response = admin.post("system/service", json={"resource": [{**body, "is_active": True}]})
    assert response.status_code == 201, response.get_json()


def test_script_type_lists_v8js_as_sandboxed(admin):
    body = admin.get("system/script_type/v8js").get_json()
    assert (body["name"], body["sandboxed"]) == ("v8js", True)


def test_a_v8js_pre_process_script_validates_input(admin):
    script = """
var payload = event.request.payload;
payload.resource.forEach(function (record) {
    if (!record.name) throw new BadRequestException('Missing name.');
    if (record.name.length < 3) throw 'Name must be at least 3 characters.';
});
"""
    save_script(admin, "db._table.todo.post.pre_process", script)
    response = admin.post("db/_table/todo", json={"resource": [{"complete": False}]})
    assert_error(response, 400, "Missing name.")
    response = admin.post("db/_table/todo", json={"resource": [{"name": "ab"}]})
    assert_error(response, 500, "Name must be at least 3 characters.")
    response = admin.post("db/_table/todo", json={"resource": [{"name": "abc"}]})
    assert response.status_code == 200, response.get_json()


def test_a_v8js_post_process_script_transforms_the_response(admin):
    script = """
var body = event.response.content;
body.resource.forEach(function (record) {
    record.title = record.name + (record.complete ? ' (done)' : ' (open)');
});
body.first = platform.api.get('db/_table/todo/1', null, {parameters: {fields: 'name'}}).content;
console.log('transformed ' + body.resource.length);
event.response.content = body;
"""
    save_script(admin, "db._table.todo.get.post_process", script)
    body = admin.get("db/_table/todo").get_json()
    assert body["first"] == {"name": "Try the API docs"}
    assert len(body["resource"]) == 3
    for record in body["resource"]:
        state = "done" if record["complete"] else "open"
        assert record["title"] == f"{record['name']} ({state})"


def test_a_v8js_scripted_service_routes_on_the_method(admin):
    script = """
if (event.request.method === 'POST') {
    event.response.status_code = 201;
    event.response.content = {created: event.request.payload};
    return;
}
if (event.request.method !== 'GET') {
    throw new NotImplementedException(event.request.method + ' is not supported here.');
}
if (event.resource !== 'test' && event.resource) {
    event.response.status_code = 400;
    event.response.content = {"error": "Invalid resource requested."};
    return;
}
var todo = platform.api.get('db/_table/todo/1').content.name;
event.response.content = {"test": "value", "todo": todo};
"""
    create_script_service(admin, "jsapi", script)
    assert admin.get("jsapi/test").get_json() == {"test": "value", "todo": "Try the API docs"}
    response = admin.get("jsapi/other")
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": "Invalid resource requested."},
    )
    response = admin.post("jsapi", json={"a": 1})
    assert (response.status_code, response.get_json()) == (201, {"created": {"a": 1}})
    assert_error(admin.delete("jsapi"), 501, "DELETE is not supported here.")


def test_a_runaway_v8js_script_is_a_clear_error_and_the_server_goes_on(app, admin):
    app.config["SCRIPT_TIMEOUT"] = 1
    save_script(admin, "db._table.todo.get.pre_process", "while (true) {}")
    response = admin.get("db/_table/todo")
    assert response.status_code == 504
    assert "did not finish within 1 s" in response.get_json()["error"]["message"]
    assert admin.get("db/_table/contact").status_code == 200

"""Which JavaScript library runs the ``v8js`` engine: mini-racer (V8) or quickjs-ng, measured.

Usage::

    .venv/bin/python bench/v8js_choice.py [--calls 2000]

mini-racer is not a dependency of the app: the script measures it when it is
installed (``.venv/bin/pip install mini-racer==0.14.1``) and says so when not.

For each library, in this process:

1. **per call**: a trivial event script (the event in as JSON, a parameter
   added, the event out as JSON) in a fresh context per call, which is what
   keeps one script's globals away from the next; and, for reference, in one
   reused context;
2. **callback**: a Python function called from JavaScript (what
   ``platform.api`` is): QuickJS calls it synchronously, mini-racer only as an
   async function, so a synchronous caller has to run an event loop per script;
3. **memory limit**: an array that grows until the limit (64 MB) stops it: the
   time to stop, the error, and whether the same process runs the next script;
4. **time limit**: ``while (true) {}`` under a 0.5 s limit, and whether the
   limit can be combined with a Python callback;
5. **memory rlimits**: whether the engine starts at all in a child process
   under ``RLIMIT_AS`` or ``RLIMIT_DATA`` (the pool bounds a worker with the
   latter).

Then the chosen design through the real engine (``app.scripting.engines.v8js``:
QuickJS in the pool's warm worker processes): the p50 of a trivial run, a
``platform.api`` round trip to the parent, a memory bomb and an infinite loop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EVENT = {
    "request": {
        "api_version": "2.0",
        "method": "GET",
        "parameters": {"limit": "10", "filter": "id>5"},
        "headers": {"host": "localhost", "accept": "application/json"},
        "payload": None,
        "uri": "/api/v2/db/_table/contact",
        "service": "db",
        "resource": "_table/contact",
    },
    "resource": "contact",
}
SCRIPT = "event.request.parameters.fields = 'id,name'; return event;"
BOMB = "let a = []; while (true) a.push('x'.repeat(1000) + a.length);"
LOOP = "while (true) {}"
MEMORY_LIMIT = 64 << 20
TIME_LIMIT = 0.5


def per_call(fn, calls: int) -> float:
    """Median milliseconds of ``fn()`` over ``calls`` calls (after a short warm-up)."""
    for _ in range(min(50, calls)):
        fn()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def timed(fn) -> tuple[float, str]:
    """Milliseconds ``fn()`` took and what it raised (or returned)."""
    start = time.perf_counter()
    try:
        outcome = f"returned {fn()}"[:100]
    except Exception as exc:  # the outcome is the measurement
        outcome = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"[:100]
    return (time.perf_counter() - start) * 1000, outcome


# --- quickjs-ng -----------------------------------------------------------------


def quickjs_rows(calls: int) -> list[tuple[str, str, str]]:
    import _quickjs

    event_json = json.dumps(EVENT)
    wrapped = f"(function (event) {{ {SCRIPT} }})"

    def fresh():
        context = _quickjs.Context()
        context.set_memory_limit(MEMORY_LIMIT)
        context.set("event_json", event_json)
        return json.loads(context.eval(f"JSON.stringify({wrapped}(JSON.parse(event_json)))"))

    shared = _quickjs.Context()
    shared.eval(f"var run = {wrapped};")

    def reused():
        shared.set("event_json", event_json)
        return json.loads(shared.eval("JSON.stringify(run(JSON.parse(event_json)))"))

    rows = [
        ("per call, fresh context", f"{per_call(fresh, calls):.3f} ms", ""),
        ("per call, reused context", f"{per_call(reused, calls):.3f} ms", "no isolation"),
    ]

    callback = _quickjs.Context()
    callback.add_callable("api", lambda *args: '{"status_code": 200}')
    many = per_call(lambda: callback.eval("for (let i = 0; i < 100; i++) api('GET', 'db')"), 200)
    none = per_call(lambda: callback.eval("for (let i = 0; i < 100; i++) ;"), 200)
    rows.append(("callback into Python", f"{(many - none) / 100 * 1000:.1f} µs", "synchronous"))

    def bomb():
        context = _quickjs.Context()
        context.set_memory_limit(MEMORY_LIMIT)
        try:
            context.eval(BOMB)
        finally:
            context = _quickjs.Context()
            assert context.eval("1 + 1") == 2
        return "no error"

    ms, outcome = timed(bomb)
    rows.append(("memory bomb, 64 MB limit", f"{ms:.0f} ms", f"{outcome}; process goes on"))

    def loop():
        context = _quickjs.Context()
        context.set_time_limit(TIME_LIMIT)
        return context.eval(LOOP)

    ms, outcome = timed(loop)
    rows.append(("while(true), 0.5 s limit", f"{ms:.0f} ms", outcome))

    def limit_and_callback():
        context = _quickjs.Context()
        context.set_time_limit(TIME_LIMIT)
        context.add_callable("api", lambda: 1)
        return context.eval("api()")

    ms, outcome = timed(limit_and_callback)
    rows.append(("time limit + callback", "-", outcome))
    rows.append(("starts under RLIMIT_AS", "-", address_space("quickjs")))
    rows.append(("starts under RLIMIT_DATA", "-", address_space("quickjs", resource.RLIMIT_DATA)))
    return rows


# --- mini-racer -------------------------------------------------------------------


def mini_racer_rows(calls: int) -> list[tuple[str, str, str]]:
    try:
        from py_mini_racer import MiniRacer
    except ImportError:
        return [("not installed", "-", "pip install mini-racer==0.14.1 to compare")]

    wrapped = f"(function (event) {{ {SCRIPT} }})"

    def fresh():
        racer = MiniRacer()
        try:
            racer.eval(f"var run = {wrapped};")
            return racer.call("run", EVENT)
        finally:
            racer.close()

    shared = MiniRacer()
    shared.eval(f"var run = {wrapped};")
    rows = [
        (
            "per call, fresh context",
            f"{per_call(fresh, max(calls // 10, 20)):.3f} ms",
            "a new isolate",
        ),
        (
            "per call, reused context",
            f"{per_call(lambda: shared.call('run', EVENT), calls):.3f} ms",
            "no isolation",
        ),
    ]

    async def callbacks(count: int) -> float:
        async def api(*args):
            return 1

        racer = MiniRacer()
        try:
            async with racer.wrap_py_function(api) as js_api:
                run = racer.eval(
                    "(async (api, n) => { for (let i = 0; i < n; i++) await api(i); })"
                )
                start = time.perf_counter()
                await run(js_api, count)
                return time.perf_counter() - start
        finally:
            racer.close()

    loop_ms = (asyncio.run(callbacks(200)) - asyncio.run(callbacks(0))) / 200 * 1000
    sync_ms = per_call(lambda: asyncio.run(callbacks(1)), 50)
    rows.append(("callback into Python", f"{loop_ms * 1000:.0f} µs", "async only (await)"))
    rows.append(("one callback from sync code", f"{sync_ms:.2f} ms", "asyncio.run per script"))

    def bomb():
        racer = MiniRacer()
        try:
            return racer.eval(BOMB, max_memory=MEMORY_LIMIT)
        finally:
            racer.close()
            again = MiniRacer()
            assert again.eval("1 + 1") == 2
            again.close()

    ms, outcome = timed(bomb)
    rows.append(("memory bomb, 64 MB limit", f"{ms:.0f} ms", f"{outcome}; process goes on"))
    ms, outcome = timed(lambda: shared.eval(LOOP, timeout_sec=TIME_LIMIT))
    rows.append(("while(true), 0.5 s limit", f"{ms:.0f} ms", outcome))
    rows.append(("time limit + callback", "-", "timeout_sec applies; callbacks are async"))
    rows.append(("starts under RLIMIT_AS", "-", address_space("mini_racer")))
    data = address_space("mini_racer", resource.RLIMIT_DATA)
    rows.append(("starts under RLIMIT_DATA", "-", data))
    shared.close()
    return rows


# --- address-space limit ----------------------------------------------------------

CHILD = {
    "quickjs": "import _quickjs; print(_quickjs.Context().eval('1 + 1'))",
    "mini_racer": "from py_mini_racer import MiniRacer; print(MiniRacer().eval('1 + 1'))",
}


def address_space(library: str, kind: int = resource.RLIMIT_AS) -> str:
    """The limits (MB of ``kind``) under which the library evaluates ``1 + 1`` in a child."""
    results = []
    for megabytes in (256, 512, 1024, 4096, 16384, 65536):

        def limit(megabytes=megabytes):
            size = megabytes << 20
            resource.setrlimit(kind, (size, size))

        child = subprocess.run(  # noqa: S603 - our interpreter, our code
            [sys.executable, "-c", CHILD[library]],
            preexec_fn=limit,  # noqa: PLW1509 - a single-threaded bench
            capture_output=True,
            text=True,
            timeout=60,
        )
        ok = child.returncode == 0 and child.stdout.strip() == "2"
        results.append(f"{megabytes}:{'yes' if ok else 'no'}")
    return "MB " + " ".join(results)


# --- the chosen engine ------------------------------------------------------------


def engine_rows(calls: int) -> list[tuple[str, str, str]]:
    """The real v8js engine: QuickJS in the pool's warm worker processes."""
    from app.scripting.engine import ScriptRun
    from app.scripting.engines.v8js import V8jsEngine
    from app.scripting.pool import PoolSettings

    # memory_mb 86: the engine gives QuickJS three quarters of it, the 64 MB measured above
    engine = V8jsEngine(PoolSettings(workers=1, memory_mb=86))
    ok, reason = engine.available()
    if not ok:
        return [("engine not available", "-", reason)]

    def api(method, path, payload, options):
        return {
            "status_code": 200,
            "content": {"ok": True},
            "content_type": "application/json",
            "headers": {},
        }

    def run(script: str, timeout: float = 5.0):
        result = engine.run(ScriptRun("bench", "v8js", script, dict(EVENT), {}, api, timeout))
        return result

    try:
        run(SCRIPT)
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            run(SCRIPT)
            samples.append(time.perf_counter() - start)
            time.sleep(0.001)  # a worker idle between requests prepares its next context
        p50 = statistics.median(samples) * 1000
        back_to_back = per_call(lambda: run(SCRIPT), calls)
        many = per_call(lambda: run("for (let i = 0; i < 50; i++) platform.api.get('db');"), 100)
        none = per_call(lambda: run("for (let i = 0; i < 50; i++) ;"), 100)
        bomb_ms, bomb = timed(lambda: failure(run(BOMB)))
        loop_ms, loop = timed(lambda: failure(run(LOOP, timeout=TIME_LIMIT)))
        after_ms, after = timed(lambda: run("return 1 + 1").value)
    finally:
        engine.shutdown()
    return [
        ("per run, p50 (idle worker)", f"{p50:.3f} ms", "pipe round trip + fresh context"),
        ("per run, back to back", f"{back_to_back:.3f} ms", "context made on the request's time"),
        (
            "platform.api round trip",
            f"{(many - none) / 50 * 1000:.0f} µs",
            "api message to the parent",
        ),
        ("memory bomb, 64 MB heap", f"{bomb_ms:.0f} ms", short(bomb)),
        ("while(true), 0.5 s timeout", f"{loop_ms:.0f} ms", short(loop)),
        ("next run after the kill", f"{after_ms:.0f} ms", short(after)),
    ]


def failure(result) -> str:
    error = result.error
    return f"{error.status_code} {error.cls}: {error.message}" if error else "no error"


def short(outcome: str) -> str:
    return outcome.replace("returned ", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"# {machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    for title, rows in (
        ("quickjs-ng, in process", quickjs_rows(args.calls)),
        ("mini-racer (V8), in process", mini_racer_rows(args.calls)),
        ("v8js engine (QuickJS in pool workers)", engine_rows(args.calls)),
    ):
        print(f"\n## {title}\n")
        print("| measure | value | note |\n|---|---:|---|")
        for measure, value, note in rows:
            print(f"| {measure} | {value} | {note} |")


if __name__ == "__main__":
    main()

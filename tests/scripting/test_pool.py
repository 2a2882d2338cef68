"""The warm worker pool: limits, faults, replacement, backpressure, forks and shutdown.

Every test runs real worker processes (the Python worker, or tiny ad-hoc
workers for protocol faults) and checks afterwards that nothing it started is
left running.
"""

from __future__ import annotations

import os
import threading

import pytest

from app.scripting.engines.python import PythonRuntime, choose_interpreter
from app.scripting.pool import PoolSettings, WorkerPool
from app.scripting.process import identity_for
from app.vocabulary.errors import ApiError
from tests.scripting.pyrun import gone, leaders, make_run, run, wait_gone, worker_children

PYTHON = choose_interpreter(None, identity_for("nobody"))
"""An interpreter the script user can run, for ad-hoc worker programs."""


class Runtime(PythonRuntime):
    """A Python runtime that remembers every worker's process group, to check for leaks."""

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


@pytest.fixture
def runtime_factory():
    made: list[Runtime] = []

    def build(**settings) -> Runtime:
        runtime = Runtime(**settings)
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.close()


@pytest.fixture
def runtime(runtime_factory):
    return runtime_factory(workers=2, queue_timeout=30, processes=4096)


def pids(runtime) -> dict[int, int]:
    """The pool's workers: ``{pid: start time}``."""
    return leaders(runtime.pool().pids())


# -- runaway scripts ------------------------------------------------------------------


def test_an_infinite_loop_times_out_and_its_worker_is_replaced(runtime):
    assert run(runtime, "return 1").value == 1
    before = pids(runtime)
    result = run(runtime, "while True:\n    pass", timeout=1)
    assert (result.error.status_code, result.error.cls) == (504, "Timeout")
    assert "did not finish within 1 s" in result.error.message
    assert wait_gone(before) == []
    assert run(runtime, "return 2").value == 2
    assert pids(runtime) != before


def test_a_timeout_counts_time_spent_in_platform_api(runtime):
    release = threading.Event()

    def slow_api(method, path, payload, options):
        release.wait(1.5)
        return {"status_code": 200, "content": None, "headers": {}}

    result = run(runtime, "platform.api.get('x')\nreturn 1", timeout=0.5, api=slow_api)
    release.set()
    assert result.error.cls == "Timeout"


@pytest.mark.parametrize(
    "script",
    [
        "x = bytearray(1 << 40)",
        "chunks = []\nwhile True:\n    chunks.append(' ' * 10000000)",
    ],
)
def test_a_memory_bomb_ends_with_a_memory_error_and_a_fresh_worker(runtime_factory, script):
    runtime = runtime_factory(workers=1, memory_mb=200)
    assert run(runtime, "return 1").value == 1
    before = pids(runtime)
    result = run(runtime, script, timeout=120)  # memory, not time, ends it however loaded
    assert (result.error.status_code, result.error.cls) == (500, "MemoryLimit")
    assert result.error.message == "Script 'db._table.contact.get.pre_process' ran out of memory."
    assert run(runtime, "return 2").value == 2
    assert pids(runtime) != before


BOMB_USER = str(56000 + os.getpid() % 4000)
"""A uid of this test process's own: the process limit counts every process of the script
user on the machine, so a fork bomb under ``nobody`` would meet (and starve) other tests'
workers."""


def test_a_fork_bomb_is_bounded_and_cleaned_up(runtime_factory):
    runtime = runtime_factory(workers=1, processes=64, user=BOMB_USER)
    script = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    )
    result = run(runtime, script, timeout=2)
    assert (result.error.status_code, result.error.cls) == (504, "Timeout")
    assert wait_gone(runtime.groups, 30, zombies=True) == []
    assert run(runtime, "return 'alive'").value == "alive"
    result = run(runtime, "import os\nwhile True:\n    os.fork()", timeout=5)
    assert result.error.status_code in (500, 504)  # BlockingIOError, or a timeout
    workers = runtime.pool().pids()  # kept if all its forks had ended
    assert wait_gone(runtime.groups, 30, zombies=True, keep=workers) == []
    assert run(runtime, "return 'still alive'").value == "still alive"


def test_a_forked_copy_never_answers_for_the_script(runtime):
    script = """
import os
pid = os.fork()
if pid == 0:
    return 'child'
os.waitpid(pid, 0)
return 'parent'
"""
    assert run(runtime, script).value == "parent"
    assert run(runtime, "return 'next'").value == "next"


def test_processes_a_script_leaves_behind_are_killed(runtime):
    script = """
import subprocess
child = subprocess.Popen(['sleep', '300'], start_new_session=True)
with open('/proc/%d/stat' % child.pid, 'rb') as stat:
    return [child.pid, int(stat.read().rsplit(b')', 1)[1].split()[19])]
"""
    orphan, started = run(runtime, script).value
    assert gone(orphan, started)


def test_a_thread_left_running_retires_the_worker(runtime):
    run(runtime, "return 0")
    before = pids(runtime)
    script = "import threading, time\nthreading.Thread(target=time.sleep, args=(300,)).start()"
    assert run(runtime, script).error is None
    assert set(pids(runtime).items()).isdisjoint(before.items())


def test_a_crash_is_a_clear_error_and_the_worker_is_replaced(runtime):
    result = run(runtime, "import os\nos._exit(3)")
    assert (result.error.status_code, result.error.cls) == (500, "Crash")
    assert "ended its worker process (exit code 3)" in result.error.message
    result = run(runtime, "import ctypes\nctypes.string_at(0)")
    assert result.error.cls == "Crash"
    assert "SIGSEGV" in result.error.message
    assert run(runtime, "return 'ok'").value == "ok"


def test_deep_recursion_is_a_recursion_error(runtime):
    result = run(runtime, "def down(n):\n    return down(n + 1)\nreturn down(0)")
    assert result.error.status_code == 500
    assert result.error.message.startswith("RecursionError: maximum recursion depth exceeded")


def test_cpu_time_is_limited_per_worker(runtime_factory):
    runtime = runtime_factory(workers=1, cpu_seconds=1)
    result = run(runtime, "while True:\n    pass", timeout=120)
    assert (result.error.status_code, result.error.cls) == (500, "CpuLimit")
    assert run(runtime, "return 3").value == 3


def test_workers_run_under_the_configured_limits(runtime_factory):
    runtime = runtime_factory(workers=1, memory_mb=100, cpu_seconds=3, processes=300)
    script = """
import resource
return [resource.getrlimit(getattr(resource, 'RLIMIT_' + name))
        for name in ('DATA', 'CPU', 'NPROC', 'FSIZE', 'CORE')]
"""
    data, cpu, nproc, fsize, core = run(runtime, script).value
    assert data == [100 << 20, 100 << 20]
    assert cpu == [6, 7]  # the worker's whole life: twice a run's allowance
    assert nproc == [300, 300]
    assert fsize == [64 << 20, 64 << 20]
    assert core == [0, 0]


def test_big_events_and_results_cross_intact(runtime):
    rows = [{"id": n, "name": "x" * 100} for n in range(20000)]
    event = {"request": {"method": "GET"}, "response": {"content": {"resource": rows}}}
    script = "rows = event.response.content.resource\nreturn [len(rows), rows[-1].id]"
    assert run(runtime, script, event=event).value == [20000, 19999]
    result = run(runtime, "event.response.content.resource.reverse()", event=event)
    assert result.event["response"]["content"]["resource"][0]["id"] == 19999


# -- recycling, backpressure, concurrency -----------------------------------------------


def test_workers_are_recycled_after_max_runs(runtime_factory):
    runtime = runtime_factory(workers=1, max_runs=3)
    seen = [run(runtime, "import os\nreturn os.getpid()").value for _ in range(7)]
    assert seen[0] == seen[1] == seen[2]
    assert seen[3] == seen[4] == seen[5] != seen[0]
    assert seen[6] not in (seen[0], seen[3])


def test_all_workers_busy_answers_503_after_the_queue_wait(runtime_factory):
    runtime = runtime_factory(workers=1, queue_timeout=0.2)
    started, release = threading.Event(), threading.Event()

    def blocking_api(method, path, payload, options):
        started.set()
        release.wait(30)
        return {"status_code": 200, "content": "released", "headers": {}}

    results = []
    first = threading.Thread(
        target=lambda: results.append(
            run(runtime, "return platform.api.get('x').content", api=blocking_api, timeout=60)
        )
    )
    first.start()
    try:
        assert started.wait(30)
        busy = run(runtime, "return 'second'")
        assert (busy.error.status_code, busy.error.cls) == (503, "Busy")
        assert "busy" in busy.error.message
    finally:
        release.set()
        first.join(60)
    assert results[0].value == "released"
    assert runtime.pool().size() == 1


def test_a_flood_of_runs_from_threads(runtime_factory):
    runtime = runtime_factory(workers=3, queue_timeout=60)
    others = set(worker_children())  # other pools of this test process
    largest = []

    def api(method, path, payload, options):
        largest.append(len(set(worker_children()) - others))
        return {"status_code": 200, "content": runtime.pool().size(), "headers": {}}

    scripts = [
        ("return platform.api.get('size').content", None),
        ("raise NotFoundException('gone')", 404),
        ("while True:\n    pass", 504),
        ("import os\nos._exit(1)", 500),
        ("return 'plain'", None),
    ]
    results: dict[int, object] = {}

    def one(index: int) -> None:
        script, _status = scripts[index % len(scripts)]
        results[index] = run(runtime, script, api=api, timeout=2)

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
    assert all(
        size <= 3 for size in (r.value for r in results.values() if isinstance(r.value, int))
    )
    assert len(set(worker_children()) - others) <= 3


# -- the pool with other worker programs ------------------------------------------------


def tiny_worker(body: str) -> list[str]:
    """A worker program in a few lines of Python: says ready, then runs ``body`` per message."""
    program = (
        "import os, sys, json\n"
        "r, w = int(sys.argv[-2]), int(sys.argv[-1])\n"
        "out = os.fdopen(w, 'w', buffering=1)\n"
        "out.write(json.dumps({'op': 'ready'}) + '\\n')\n"
        "for line in os.fdopen(r):\n"
        "    msg = json.loads(line)\n" + "".join(f"    {step}\n" for step in body.splitlines())
    )
    return [PYTHON, "-I", "-c", program]


@pytest.fixture
def pool_factory():
    made: list[WorkerPool] = []

    def build(command: list[str], **settings) -> WorkerPool:
        pool = WorkerPool(
            "Test",
            command,
            PoolSettings(**{"workers": 1, **settings}),
            identity=identity_for("nobody"),
        )
        made.append(pool)
        return pool

    yield build
    for pool in made:
        groups = leaders(pool.pids())
        pool.shutdown()
        assert wait_gone(groups) == []


def test_a_worker_that_cannot_start_makes_a_503(pool_factory):
    pool = pool_factory(["/nonexistent/worker"])
    result = pool.run(make_run("x"))
    assert (result.error.status_code, result.error.cls) == (503, "Unavailable")
    assert "Could not start a Test script worker" in result.error.message
    pool = pool_factory([PYTHON, "-I", "-c", "print('broken install'); raise SystemExit(2)"])
    error = pool.run(make_run("x")).error
    assert error.cls == "Unavailable"
    assert "exit code 2" in error.message and "broken install" in error.message


def test_a_worker_that_breaks_the_protocol_is_replaced(pool_factory):
    pool = pool_factory(tiny_worker("out.write('this is not json\\n')"))
    result = pool.run(make_run("x"))
    assert (result.error.status_code, result.error.cls) == (500, "Crash")
    assert "protocol" in result.error.message
    assert pool.size() == 0


def test_stale_answers_and_stdout_lines(pool_factory):
    body = (
        "print('from stdout', flush=True)\n"
        "out.write(json.dumps({'op': 'done', 'id': -1, 'value': 'stale'}) + '\\n')\n"
        "out.write(json.dumps({'op': 'done', 'id': msg['id'], 'value': 'fresh',"
        " 'event': msg['event'], 'output': ['printed']}) + '\\n')"
    )
    pool = pool_factory(tiny_worker(body))
    result = pool.run(make_run("x"))
    assert result.error is None
    assert result.value == "fresh"
    assert result.output == ["printed", "from stdout"]


def test_a_worker_error_object_is_read_defensively(pool_factory):
    body = (
        "out.write(json.dumps({'op': 'done', 'id': msg['id'], 'event': 5,"
        " 'error': {'status_code': 'x', 'code': True, 'message': ''}}) + '\\n')"
    )
    pool = pool_factory(tiny_worker(body))
    run_ = make_run("x")
    result = pool.run(run_)
    assert result.event is run_.event
    assert (result.error.status_code, result.error.code, result.error.message) == (
        500,
        None,
        "Script error.",
    )


def test_platform_api_errors_are_answered_not_raised(pool_factory):
    body = (
        "out.write(json.dumps({'op': 'api', 'id': msg['id'], 'call': 1, 'method': 'GET',"
        " 'path': 'p'}) + '\\n')\n"
        "got = json.loads(sys.stdin.readline() if False else os.fdopen(r).readline())\n"
        "out.write(json.dumps({'op': 'done', 'id': msg['id'], 'value': got}) + '\\n')"
    )
    pool = pool_factory(tiny_worker(body))

    def api(method, path, payload, options):
        raise ApiError("Teapot.", status=418)

    result = pool.run(make_run("x", api=api))
    assert result.value["result"]["status_code"] == 418
    assert result.value["result"]["content"]["error"]["message"] == "Teapot."


# -- fork and shutdown ----------------------------------------------------------------


def test_a_forked_child_forgets_the_pool_without_touching_its_workers(runtime):
    assert run(runtime, "return 1").value == 1
    before = pids(runtime)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.write(write, repr(runtime.pool().pids()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        seen_in_child = pipe.read()
    os.waitpid(child, 0)
    assert seen_in_child == "[]"
    assert pids(runtime) == before
    assert run(runtime, "return 2").value == 2
    assert pids(runtime) == before


def test_shutdown_kills_busy_and_idle_workers(runtime_factory):
    runtime = runtime_factory(workers=2)
    assert run(runtime, "return 1").value == 1
    started = threading.Event()
    results = []

    def api(method, path, payload, options):
        started.set()
        return {"status_code": 200, "content": None, "headers": {}}

    busy = threading.Thread(
        target=lambda: results.append(
            run(runtime, "platform.api.get('x')\nwhile True:\n    pass", api=api, timeout=60)
        )
    )
    busy.start()
    assert started.wait(30)
    groups = pids(runtime)
    homes = [worker.home for worker in runtime.pool()._all]
    runtime.pool().shutdown()
    busy.join(60)
    assert results[0].error.status_code == 500
    assert wait_gone(groups) == []
    assert not any(os.path.exists(home) for home in homes)
    after = runtime.pool().run(make_run("return 1"))
    assert (after.error.status_code, after.error.cls) == (503, "Busy")


def test_a_nested_run_may_go_past_a_full_pool(runtime_factory):
    """platform.api reaching a scripted endpoint runs a script while its caller holds a worker."""
    runtime = runtime_factory(workers=1, queue_timeout=0.5)

    def nested_api(method, path, payload, options):
        inner = run(runtime, "return {'inner': True}")
        assert inner.error is None, inner.error
        return {"status_code": 200, "content": inner.value, "content_type": None, "headers": {}}

    result = run(runtime, "return platform.api.get('x').content", api=nested_api)
    assert result.error is None, result.error
    assert result.value == {"inner": True}
    assert runtime.pool().size() == 1  # the extra worker was not kept

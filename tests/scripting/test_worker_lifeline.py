"""Script workers die with the process that started them, and only then.

An app process (here a small one that runs a sleeping script on each engine) is
killed with SIGKILL: nobody is left to run the pool's own cleanup, so every
worker must end by itself (``PR_SET_PDEATHSIG``, armed in the worker and again by
``confine.py`` after it switches users). A worker started from a short-lived
thread must not die with that thread.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from app.scripting.engines.python import PythonRuntime
from app.scripting.launcher import confine
from app.scripting.pool import PoolSettings
from tests.conftest import SCRIPT_USER
from tests.scripting.pyrun import leaders, run, wait_gone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

APP = """
import json, sys, threading, time
from app.scripting.engines.nodejs import NodeJsEngine
from app.scripting.engines.php import PhpEngine
from app.scripting.engines.python import PythonRuntime
from app.scripting.pool import PoolSettings
from tests.scripting.pyrun import make_run

user = sys.argv[1]
engines = {
    "python": (PythonRuntime(PoolSettings(workers=1, user=user)), "time.sleep(60)"),
    "python-plain": (
        PythonRuntime(PoolSettings(workers=1, user=user, isolate_network=False)),
        "time.sleep(60)",
    ),
    "nodejs": (
        NodeJsEngine(PoolSettings(workers=1, user=user, processes=4096)),
        "return new Promise(r => setTimeout(r, 60000))",
    ),
    "php": (PhpEngine(PoolSettings(workers=1, user=user)), "sleep(60);"),
}
for name, (engine, script) in engines.items():
    language = name.split("-")[0]
    run = make_run(("import time\\n" if language == "python" else "") + script,
                   language=language, timeout=120)
    threading.Thread(target=engine.run, args=(run,), daemon=True).start()
deadline = time.monotonic() + 60
while not all(engine.pool().pids() for engine, _ in engines.values()):
    if time.monotonic() > deadline:
        sys.exit("workers did not start")
    time.sleep(0.05)
time.sleep(0.5)  # the scripts are sleeping now
print(json.dumps({name: engine.pool().pids() for name, (engine, _) in engines.items()}))
sys.stdout.flush()
time.sleep(300)
"""


def test_workers_die_with_the_app_process_killed_by_sigkill():
    app = subprocess.Popen(  # noqa: S603 - our own test program
        [sys.executable, "-c", APP, SCRIPT_USER],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert app.stdout is not None
        line = app.stdout.readline()
        assert line, f"the app process ended first (exit {app.wait(30)})"
        started = json.loads(line)
        assert sorted(started) == ["nodejs", "php", "python", "python-plain"]
        groups = leaders(pid for pids in started.values() for pid in pids)
        assert len(groups) == 4, started
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(30)
        app.stdout.close()
    left = wait_gone(groups, seconds=10)
    for pid in left:  # leave nothing behind when it fails
        os.kill(pid, signal.SIGKILL)
    assert left == [], "workers outlived the app process"


@pytest.fixture
def runtime():
    made = PythonRuntime(PoolSettings(workers=1, queue_timeout=30))
    yield made
    groups = leaders(made.pool().pids())
    made.shutdown()
    assert wait_gone(groups) == []


def test_a_worker_started_by_a_thread_that_ended_lives_on(runtime):
    results = []
    thread = threading.Thread(target=lambda: results.append(run(runtime, "return 1").value))
    thread.start()
    thread.join(30)
    assert results == [1]
    first = leaders(runtime.pool().pids())
    time.sleep(0.3)  # a death signal would have arrived by now
    assert leaders(runtime.pool().pids()) == first
    assert run(runtime, "return 2").value == 2
    assert leaders(runtime.pool().pids()) == first, "the worker was replaced"


def test_the_launcher_refuses_to_run_a_worker_whose_app_is_gone():
    launcher = [sys.executable, "-I", "-S", confine.__file__, "--", "/bin/echo", "ran"]
    orphan = subprocess.run(  # noqa: S603 - our own launcher
        launcher,
        env={"PATH": "/usr/bin:/bin", confine.PARENT_PID_VARIABLE: "1"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (orphan.returncode, orphan.stdout) == (1, "")
    assert "has ended" in orphan.stderr
    adopted = subprocess.run(  # noqa: S603 - our own launcher
        launcher,
        env={"PATH": "/usr/bin:/bin", confine.PARENT_PID_VARIABLE: str(os.getpid())},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (adopted.returncode, adopted.stdout) == (0, "ran\n")

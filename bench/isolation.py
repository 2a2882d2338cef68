"""What a network of their own costs script workers: start-up and per run, with and without.

    .venv/bin/python bench/isolation.py [--starts 30] [--runs 300] [--json out.json]

1. Worker start: the launcher (``app/scripting/launcher/confine.py``) running
   ``/bin/true``, hiding a folder only (as before network isolation) against
   hiding it and making the network namespace, handing the egress listener over
   and installing the system call filter (as Python, Node.js and PHP workers now
   start), alternated ABBA; as root, both switch to a script uid as well.
2. Per run: the same trivial Python script through a warm pool of one worker,
   isolated against not, alternated run by run (so a busy machine slows both alike).

Prints p50/p90 milliseconds and the ratios, with the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app.scripting.engine import ScriptRun  # noqa: E402
from app.scripting.engines.python import PythonRuntime  # noqa: E402
from app.scripting.hiding import CONFINE  # noqa: E402
from app.scripting.launcher.confine import EGRESS_FD_VARIABLE  # noqa: E402
from app.scripting.pool import PoolSettings  # noqa: E402

SCRIPT = "event['request']['headers']['x-checked'] = 'yes'\nreturn 1"


def _start(options: list[str]) -> float:
    ours, theirs = socket.socketpair()
    env = {"PATH": "/usr/bin:/bin", EGRESS_FD_VARIABLE: str(theirs.fileno())}
    began = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own launcher
        [sys.executable, "-I", "-S", str(CONFINE), *options, "--", "/bin/true"],
        check=True,
        env=env,
        pass_fds=(theirs.fileno(),),
    )
    spent = time.perf_counter() - began
    ours.close()
    theirs.close()
    return spent * 1000


def starts(count: int) -> dict[str, list[float]]:
    user = ["--user", "61990:61990"] if os.geteuid() == 0 else []
    plain = ["--hide", "/nonexistent-df-bench", *user] if user else ["--hide", "/nonexistent"]
    isolated = ["--net", *plain]
    found: dict[str, list[float]] = {"hide only": [], "namespace too": []}
    for _ in range(count // 2):
        for name, options in (
            ("hide only", plain),
            ("namespace too", isolated),
            ("namespace too", isolated),
            ("hide only", plain),
        ):
            found[name].append(_start(options))
    return found


def runs(count: int) -> dict[str, list[float]]:
    engines = {
        "host network": PythonRuntime(PoolSettings(workers=1, isolate_network=False)),
        "own network": PythonRuntime(PoolSettings(workers=1)),
    }
    found: dict[str, list[float]] = {name: [] for name in engines}
    try:
        for engine in engines.values():  # start the workers, uncounted
            engine.run(ScriptRun("warm", "python", SCRIPT, {"request": {"headers": {}}}, {}, None))
        for _ in range(count):
            for name, engine in engines.items():
                event = {"request": {"headers": {}}}
                began = time.perf_counter()
                result = engine.run(ScriptRun("bench", "python", SCRIPT, event, {}, None))
                found[name].append((time.perf_counter() - began) * 1000)
                assert result.error is None, result.error
    finally:
        for engine in engines.values():
            engine.shutdown()
    return found


def _row(name: str, values: list[float]) -> str:
    values = sorted(values)
    p90 = values[int(len(values) * 0.9) - 1]
    return f"{name:<16} {statistics.median(values):8.2f} {p90:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=30)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--json")
    args = parser.parse_args()
    load = os.getloadavg()
    started = starts(args.starts)
    ran = runs(args.runs)
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'worker start':<16} {'p50 ms':>8} {'p90 ms':>8}")
    for name, values in started.items():
        print(_row(name, values))
    extra = statistics.median(started["namespace too"]) - statistics.median(started["hide only"])
    print(f"namespace adds {extra:.2f} ms to a worker's start (once per worker, not per run)")
    print(f"\n{'one run':<16} {'p50 ms':>8} {'p90 ms':>8}")
    for name, values in ran.items():
        print(_row(name, values))
    ratio = statistics.median(ran["own network"]) / statistics.median(ran["host network"])
    print(f"per-run p50 ratio, own network / host network: {ratio:.2f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"load": load, "starts": started, "runs": ran}, out)


if __name__ == "__main__":
    main()

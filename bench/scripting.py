"""What a trivial Python script costs per call: our warm workers against a fresh interpreter.

    .venv/bin/python bench/scripting.py [--runs 500] [--fresh-runs 50] [--json out.json]

Engine level only (no HTTP): the same pre-process script over the same event,
run (1) through the Python engine's warm worker pool, as the event machinery
does, and (2) the way DreamFactory runs Python scripts: a new ``python3 -c``
process per call, the script wrapped with the event and platform embedded as
literals, the resulting event printed as JSON on stdout and parsed back. The
table shows p50/p90 milliseconds and the ratio; the first runs (worker start)
are not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app.scripting.engine import ScriptRun  # noqa: E402
from app.scripting.engines.python import PythonRuntime, choose_interpreter  # noqa: E402
from app.scripting.pool import PoolSettings  # noqa: E402
from app.scripting.process import identity_for  # noqa: E402

SCRIPT = "event.request.headers['x-checked'] = 'yes'\nif event.request.method != 'GET':\n"
SCRIPT += "    raise BadRequestException('GET only')\n"

EVENT = {
    "request": {
        "api_version": "2.0",
        "method": "GET",
        "parameters": {"fields": "*", "limit": "1"},
        "headers": {
            "host": "127.0.0.1:8080",
            "user-agent": "bench",
            "accept": "application/json",
            "x-dreamfactory-api-key": "6498a8ad1beb9d84d63035c5d1120c007fad6de706734db9689f8996",
        },
        "payload": None,
        "content": "",
        "content_type": None,
        "uri": "/api/v2/db/_table/item/1",
        "service": "db",
        "resource": "_table/item/1",
    },
    "resource": "1",
}

PLATFORM = {
    "config": {
        "df": {
            "version": "1.0",
            "api_version": "2.0",
            "always_wrap_resources": True,
            "resources_wrapper": "resource",
        }
    },
    "session": {"api_key": "6498a8ad", "user": {"id": 1, "email": "admin@example.com"}},
}


NAME = "db._table.item.get.pre_process"


def _api(method, path, payload, options):
    return {"status_code": 200, "content": None, "content_type": None, "headers": {}}


def warm(runs: int) -> list[float]:
    """Milliseconds per run through the warm pool (after one start-up run)."""
    runtime = PythonRuntime(PoolSettings(workers=1))
    try:
        times = []
        for index in range(runs + 1):
            run = ScriptRun(NAME, "python", SCRIPT, EVENT, PLATFORM, _api)
            started = time.perf_counter()
            result = runtime.run(run)
            elapsed = time.perf_counter() - started
            assert result.error is None, result.error
            assert result.event["request"]["headers"]["x-checked"] == "yes"
            if index:
                times.append(elapsed * 1000)
        return times
    finally:
        runtime.shutdown()


WRAPPER = """
import json, http.client

class Munch(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)
    def __setattr__(self, name, value):
        self[name] = value

def munchify(value):
    if isinstance(value, dict):
        return Munch((k, munchify(v)) for k, v in value.items())
    if isinstance(value, list):
        return [munchify(v) for v in value]
    return value

class BadRequestException(Exception):
    pass

_event = munchify({event})
_platform = munchify({platform})

def my_closure(event, platform):
{body}

try:
    _event['script_result'] = my_closure(_event, _platform)
except Exception as e:
    _event['script_result'] = {{'error': str(e)}}
    _event['exception'] = str(e)
print(json.dumps(_event))
"""


def python_literal(value) -> str:
    """DreamFactory's way: the JSON text with null/true/false replaced textually."""
    text = json.dumps(value)
    return text.replace("null", "None").replace("true", "True").replace("false", "False")


def fresh(runs: int, python: str) -> list[float]:
    """Milliseconds per run with a new interpreter per call (DreamFactory's way)."""
    code = WRAPPER.format(
        event=python_literal(EVENT),
        platform=python_literal(PLATFORM),
        body=textwrap.indent(SCRIPT, "    "),
    )
    times = []
    for index in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run([python, "-c", code], capture_output=True, check=True)
        event = json.loads(done.stdout.decode().strip().splitlines()[-1])
        elapsed = time.perf_counter() - started
        assert event["request"]["headers"]["x-checked"] == "yes"
        if index:
            times.append(elapsed * 1000)
    return times


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=500, help="warm-pool runs")
    parser.add_argument("--fresh-runs", type=int, default=50, help="fresh-interpreter runs")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()

    python = choose_interpreter(None, identity_for("nobody"))
    warm_ms = warm(args.runs)
    fresh_ms = fresh(args.fresh_runs, python)
    rows = {
        "warm pool": warm_ms,
        "fresh python3 -c": fresh_ms,
    }
    print(f"{'':20} {'runs':>6} {'p50 ms':>9} {'p90 ms':>9} {'mean ms':>9}")
    for label, values in rows.items():
        print(
            f"{label:20} {len(values):6d} {percentile(values, 0.5):9.3f} "
            f"{percentile(values, 0.9):9.3f} {statistics.fmean(values):9.3f}"
        )
    ratio = percentile(fresh_ms, 0.5) / percentile(warm_ms, 0.5)
    print(f"\nfresh interpreter / warm pool, p50: {ratio:.0f}x")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "warm_p50_ms": percentile(warm_ms, 0.5),
                    "warm_p90_ms": percentile(warm_ms, 0.9),
                    "fresh_p50_ms": percentile(fresh_ms, 0.5),
                    "fresh_p90_ms": percentile(fresh_ms, 0.9),
                    "ratio_p50": ratio,
                },
                out,
                indent=2,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What event scripts add to an API call, per engine, against no script and a fresh interpreter.

    .venv/bin/python bench/events.py [--runs 400] [--fresh-runs 30] [--json out.json]

Everything runs in this process through the WSGI app (Flask's test client, a
SQLite system store and the sample ``db`` service in a temporary folder), so
the numbers are the app's own work without HTTP server noise:

1. ``GET /api/v2/db/_table/item/1`` with a trivial pre-process script
   (``db._table.item.{id}.get.pre_process``) for each engine this machine can
   run, alternated call by call with the same request to an identical table no
   script names (``plain``), so a busy machine slows both alike: p50/p90 ms and
   the p50 added; the first row has its script on another service only (what a
   request to a service no script names pays: one set lookup);
2. the same trivial script run the way DreamFactory runs it, a fresh
   interpreter per call (``python3 -c``, ``node -e``, ``php -r`` with the event
   embedded and the resulting event printed as JSON): p50 of that process alone,
   so "DreamFactory's way" is the no-script p50 plus that;
3. requests per second of ``GET /api/v2/db/_table/{t}?limit=100`` with a no-op
   Python pre- and post-process script and without (alternated), and their ratio.

Targets (issue 6): p50 added at most 1 ms per engine, at least 20 times faster
than a fresh interpreter per call, and a throughput ratio of at least 0.6.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TRIVIAL = {
    "python": "method = event.request.method\n",
    "python3": "method = event.request.method\n",
    "nodejs": "var method = event.request.method;\n",
    "php": "$method = $event['request']['method'];\n",
    "v8js": "var method = event.request.method;\n",
}
"""A script that reads the event and changes nothing, per engine."""

ADMIN = ("bench@example.com", "bench-password-0123456789")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and every live process under it (workers)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    mine, total = {os.getpid()}, time.process_time()
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                total += times[pid]
                changed = True
    return total


class Bench:
    """An app on a temporary store, logged in as an admin."""

    def __init__(self, folder: str) -> None:
        from flask_migrate import upgrade

        from app.factory import create_app, seed

        storage = os.path.join(folder, "storage")
        self.app = create_app(
            {
                "SYSTEM_DATABASE_URL": "sqlite:///" + os.path.join(folder, "df.sqlite"),
                "STORAGE_PATH": storage,
                "INSTANCE_PATH": os.path.join(folder, "instance"),
                "JWT_SECRET": "bench-secret-0123456789-0123456789-abcdef",
                "PASSWORD_TIME_COST": 1,
                "PASSWORD_MEMORY_COST": 64,
                "SCRIPT_STATS_FLUSH": 5,
            }
        )
        with self.app.app_context():
            upgrade()
            seed.seed()
            seed.create_admin(*ADMIN, "Bench", "Admin")
        self.client = self.app.test_client()
        login = self.client.post(
            "/api/v2/system/admin/session", json={"email": ADMIN[0], "password": ADMIN[1]}
        )
        self.headers = {"X-DreamFactory-Session-Token": login.get_json()["session_token"]}
        self.make_items()

    def call(self, method: str, path: str, **kwargs):
        response = self.client.open(
            f"/api/v2/{path}", method=method, headers=self.headers, **kwargs
        )
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.get_data()!r}")
        return response

    def make_items(self) -> None:
        """Two identical tables: ``item`` gets the scripts, ``plain`` never does."""
        for name in ("item", "plain"):
            table = {
                "name": name,
                "field": [
                    {"name": "id", "type": "id"},
                    {"name": "name", "type": "string", "length": 80},
                    {"name": "category", "type": "integer"},
                ],
            }
            self.call("POST", "db/_schema", json={"resource": [table]})
            rows = [{"name": f"item {i}", "category": i % 10} for i in range(200)]
            self.call("POST", f"db/_table/{name}", json={"resource": rows})

    def save(self, name: str, language: str, content: str) -> None:
        body = {"type": language, "content": content, "is_active": True}
        self.call("POST", f"system/event_script/{name}", json=body)

    def drop(self, name: str) -> None:
        self.call("DELETE", f"system/event_script/{name}")

    def paired(self, scripted: str, plain: str, runs: int, warmup: int = 20) -> dict[str, Any]:
        """Both calls ``runs`` times in ABBA blocks: wall ms per call and CPU ms per call.

        Alternating blocks lets a machine getting busier or quieter favour neither;
        CPU time (this process and every script worker under it) is the steadier
        measure on a shared machine.
        """
        for _ in range(warmup):
            self.call("GET", scripted)
            self.call("GET", plain)
        wall: dict[str, list[float]] = {scripted: [], plain: []}
        cpu: dict[str, float] = {scripted: 0.0, plain: 0.0}
        block = max(1, runs // 2)
        for path in (scripted, plain, plain, scripted):
            started_cpu = cpu_seconds()
            for _ in range(block):
                started = time.perf_counter()
                self.call("GET", path)
                wall[path].append((time.perf_counter() - started) * 1000)
            cpu[path] += cpu_seconds() - started_cpu
        calls = 2 * block
        return {
            "with": wall[scripted],
            "without": wall[plain],
            "cpu_with_ms": cpu[scripted] * 1000 / calls,
            "cpu_without_ms": cpu[plain] * 1000 / calls,
        }

    def usable(self) -> list[str]:
        listing = self.call("GET", "system/script_type").get_json()["resource"]
        return [item["name"] for item in listing if item["name"] in TRIVIAL]


# -- DreamFactory's way: a fresh interpreter per call ---------------------------------------------

EVENT = {
    "request": {
        "api_version": "2.0",
        "method": "GET",
        "parameters": {},
        "headers": {"host": "127.0.0.1", "accept": "application/json"},
        "payload": None,
        "content": "",
        "content_type": None,
        "uri": "/api/v2/db/_table/item/1",
        "service": "db",
        "resource": "_table/item/1",
    },
    "resource": "1",
}

NODE_WRAPPER = """
var _event = {event};
var _platform = {{"config": {{}}, "session": {{}}}};
_event.script_result = (function(event, platform) {{
{body}
}})(_event, _platform);
console.log(JSON.stringify(_event));
"""

PHP_WRAPPER = """
$event = json_decode('{event}', true);
$platform = ['config' => [], 'session' => []];
$closure = function() use (&$event, $platform) {{
{body}
}};
$event['script_result'] = $closure();
echo json_encode($event), "\\n";
"""


def fresh_command(language: str) -> list[str] | None:
    body = TRIVIAL[language]
    if language in ("python", "python3"):
        import textwrap

        from bench.scripting import PLATFORM, WRAPPER, python_literal

        code = WRAPPER.format(
            event=python_literal(EVENT),
            platform=python_literal(PLATFORM),
            body=textwrap.indent(body, "    "),
        )
        return [sys.executable, "-c", code]
    if language in ("nodejs", "v8js") and shutil.which("node"):
        return ["node", "-e", NODE_WRAPPER.format(event=json.dumps(EVENT), body=body)]
    if language == "php" and shutil.which("php"):
        return ["php", "-r", PHP_WRAPPER.format(event=json.dumps(EVENT), body=body)]
    return None


def fresh(language: str, runs: int) -> list[float] | None:
    command = fresh_command(language)
    if command is None:
        return None
    times = []
    for index in range(runs + 1):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=True)  # noqa: S603
        json.loads(done.stdout.decode().strip().splitlines()[-1])
        if index:
            times.append((time.perf_counter() - started) * 1000)
    return times


# -- the run ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=400, help="timed calls per row")
    parser.add_argument("--fresh-runs", type=int, default=30, help="fresh-interpreter runs")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="df-bench-events-")
    bench = Bench(folder)
    results: dict = {"latency": {}, "fresh": {}, "throughput": {}}
    one, plain_one = "db/_table/item/1", "db/_table/plain/1"
    event = "db._table.item.{id}.get.pre_process"
    try:
        with bench.app.app_context():
            # no script names the service: the one set lookup every request pays
            bench.save("system.role.get.pre_process", "python", "pass")
            results["latency"]["script elsewhere"] = bench.paired(one, plain_one, args.runs)
            bench.drop("system.role.get.pre_process")
            for language in bench.usable():
                bench.save(event, language, TRIVIAL[language])
                results["latency"][language] = bench.paired(one, plain_one, args.runs)
                bench.drop(event)
                results["fresh"][language] = fresh(language, args.fresh_runs)

            bench.save("db._table.item.get.pre_process", "python", "pass")
            bench.save("db._table.item.get.post_process", "python", "pass")
            page = "db/_table/{}?limit=100"
            results["page"] = bench.paired(page.format("item"), page.format("plain"), args.runs)
    finally:
        from app.scripting.engines import shutdown_engines

        shutdown_engines()
        with bench.app.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)

    report(results)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary(results), out, indent=2)
    return 0


def summary(results: dict) -> dict:
    rows = {}
    for label, pair in results["latency"].items():
        added = percentile(pair["with"], 0.5) - percentile(pair["without"], 0.5)
        rows[label] = {
            "p50_ms": percentile(pair["with"], 0.5),
            "p90_ms": percentile(pair["with"], 0.9),
            "plain_p50_ms": percentile(pair["without"], 0.5),
            "added_p50_ms": added,
            "added_cpu_ms": pair["cpu_with_ms"] - pair["cpu_without_ms"],
        }
        fresh_values = results["fresh"].get(label)
        if fresh_values:
            fresh_p50 = percentile(fresh_values, 0.5)
            rows[label]["fresh_process_p50_ms"] = fresh_p50
            rows[label]["fresh_over_added"] = fresh_p50 / max(added, 0.001)
    page = results["page"]
    return {
        "latency": rows,
        "page": {
            "rps_without": 1000 / statistics.fmean(page["without"]),
            "rps_with": 1000 / statistics.fmean(page["with"]),
            "cpu_ms_without": page["cpu_without_ms"],
            "cpu_ms_with": page["cpu_with_ms"],
            "wall_ratio": statistics.fmean(page["without"]) / statistics.fmean(page["with"]),
            "cpu_ratio": page["cpu_without_ms"] / page["cpu_with_ms"],
        },
    }


def report(results: dict) -> None:
    data = summary(results)
    runs = len(next(iter(results["latency"].values()))["with"])
    print("GET /api/v2/db/_table/item/1 against the same call on a table without scripts,")
    print(f"{runs} calls each in ABBA blocks (in-process WSGI)\n")
    print(
        f"{'':17} {'p50 ms':>7} {'p90 ms':>7} {'plain p50':>10} {'added p50':>10} "
        f"{'added CPU':>10} {'fresh proc p50':>15} {'fresh/added':>12}"
    )
    for label, row in data["latency"].items():
        fresh_text = (
            f"{row['fresh_process_p50_ms']:15.1f}" if "fresh_process_p50_ms" in row else " " * 15
        )
        ratio = f"{row['fresh_over_added']:11.0f}x" if "fresh_over_added" in row else ""
        print(
            f"{label:17} {row['p50_ms']:7.3f} {row['p90_ms']:7.3f} {row['plain_p50_ms']:10.3f} "
            f"{row['added_p50_ms']:10.3f} {row['added_cpu_ms']:10.3f} {fresh_text} {ratio}"
        )
    page = data["page"]
    print("\nGET /api/v2/db/_table/{t}?limit=100 with no-op python pre+post scripts and without")
    print(
        f"requests/s (sequential): {page['rps_with']:.1f} with, {page['rps_without']:.1f} without"
    )
    print(
        f"CPU ms/request:          {page['cpu_ms_with']:.3f} with, "
        f"{page['cpu_ms_without']:.3f} without"
    )
    print(
        f"throughput ratio: {page['wall_ratio']:.2f} by wall time, {page['cpu_ratio']:.2f} by CPU"
    )


if __name__ == "__main__":
    sys.exit(main())

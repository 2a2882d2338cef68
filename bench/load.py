"""Load generation for the benchmark: wrk runs, its Lua scripts and the scenarios.

Each scenario runs against both apps with the same wrk settings: a warm-up
run per app, then ABBA halves (bare, ours, ours, bare) whose results are
averaged, so a machine that gets busier or quieter during a scenario favours
neither app.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ITEMS = 10_000
"""Rows of the seeded ``item`` table (ids 1..ITEMS)."""

BATCH = 1_000
"""Records per batch POST."""


def log(message: str) -> None:
    print(message, flush=True)  # noqa: T201 - a command-line tool


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: installing it from Debian's packages")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)  # noqa: S607
    return shutil.which("wrk") or "wrk"


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def process_tree(root: int) -> list[int]:
    """``root`` and its descendants (gunicorn's master and workers), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process tree."""
    total = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def parse_wrk(text: str) -> dict[str, float]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    done = int(re.search(r"(\d+) requests in", text).group(1))
    latency = {}
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s|m)\b", text).groups()
        latency[pct] = float(value) * UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "requests": float(done),
            "errors": float(errors.group(1)) if errors else 0.0}  # fmt: skip


def wrk(binary: str, url: str, seconds: int, script: Path, headers: dict, conns: int,
        threads: int) -> dict[str, float]:  # fmt: skip
    args = [binary, f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "60s", "--latency"]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    args += ["-s", str(script)]
    done = subprocess.run([*args, url], capture_output=True, text=True, check=True)  # noqa: S603
    return parse_wrk(done.stdout)


def spread(ports: list[int]) -> str:
    """wrk Lua: thread i connects to server i (so each server gets the same connections)."""
    listed = ", ".join(str(port) for port in ports)
    return (
        "local servers, next_server = {}, 1\n"
        "function setup(thread)\n"
        "  if #servers == 0 then\n"
        f"    for _, port in ipairs({{{listed}}}) do\n"
        '      servers[#servers + 1] = wrk.lookup("127.0.0.1", tostring(port))[1]\n'
        "    end\n"
        "  end\n"
        "  thread.addr = servers[next_server]\n"
        "  next_server = next_server % #servers + 1\n"
        "end\n"
    )


def scripts(folder: Path, bare: bool, ports: list[int]) -> dict[str | None, Path]:
    """wrk Lua scripts, each spreading its threads over ``ports``: plain requests (key
    None), random ids for reads by id, a 1000-record body for the batch."""
    head = spread(ports)
    plain = folder / f"plain_{bare}.lua"
    plain.write_text(head)
    path = "/item/" if bare else "/api/v2/bench/_table/item/"
    by_id = folder / f"by_id_{bare}.lua"
    by_id.write_text(
        head + "math.randomseed(7)\n"
        f'request = function() return wrk.format(nil, "{path}" .. math.random(1, {ITEMS})) end\n'
    )
    records = [{"name": f"new {i}", "category": i % 100, "price": 9.5, "notes": "bulk"}
               for i in range(BATCH)]  # fmt: skip
    batch = folder / f"batch_{bare}.lua"
    body = json.dumps({"resource": records}).replace("\\", "\\\\").replace('"', '\\"')
    batch.write_text(
        head + 'wrk.method = "POST"\n'
        f'wrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return {None: plain, "by_id": by_id, "batch": batch}


SCENARIOS = [
    ("list limit=100", "/api/v2/bench/_table/item?limit=100", "/item?limit=100", None),
    ("filter on indexed column", "/api/v2/bench/_table/item?filter=category%3D7&limit=100",
     "/item?category=7&limit=100", None),
    ("related one level", "/api/v2/bench/_table/item?related=item_tag_by_item_id&limit=100",
     "/item?related=1&limit=100", None),
    ("get by id", "/api/v2/bench/_table/item/1", "/item/1", "by_id"),
    ("batch POST 1000", "/api/v2/bench/_table/bulk", "/bulk", "batch"),
]  # fmt: skip
"""(name, our path, bare path, wrk script key)."""


@dataclass
class Target:
    """One app under load: its single-worker gunicorn servers (ports, master pids)."""

    ports: list[int]
    pids: list[int]
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[0]}{path}"

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)


@dataclass
class Settings:
    seconds: int
    rounds: int
    connections: int
    only: list[str] | None = None


def run_load(wrk_bin: str, ours: Target, bare: Target, folder: Path, settings: Settings,
             ) -> list[dict]:  # fmt: skip
    """Every scenario (or those named in ``settings.only``) on both apps: requests/s,
    p50/p99 latency, and app CPU per request, over ``settings.rounds`` ABBA rounds."""
    targets = {"ours": ours, "bare": bare}
    lua = {
        "ours": scripts(folder, bare=False, ports=ours.ports),
        "bare": scripts(folder, bare=True, ports=bare.ports),
    }
    results = []
    for name, ours_path, bare_path, script in SCENARIOS:
        if settings.only and not any(part in name for part in settings.only):
            continue
        row: dict = {"scenario": name}
        paths = {"ours": ours_path, "bare": bare_path}

        def once(label: str, seconds: int, paths=paths, script=script) -> dict[str, float]:
            target = targets[label]
            return wrk(wrk_bin, target.url(paths[label]), seconds, lua[label][script],
                       target.headers, settings.connections, len(target.ports))  # fmt: skip

        for label in ("bare", "ours"):  # warm-up, not recorded
            once(label, 2)
        runs: dict[str, list[dict]] = {"bare": [], "ours": []}
        round_ratios = []
        for _ in range(settings.rounds):
            # ABBA, so a machine that gets busier or quieter favours neither app
            for label in ("bare", "ours", "ours", "bare"):
                before = targets[label].cpu()
                result = once(label, settings.seconds)
                result["cpu"] = targets[label].cpu() - before
                runs[label].append(result)
            ours_rps, bare_rps = (sum(r["rps"] for r in runs[k][-2:]) for k in ("ours", "bare"))
            round_ratios.append(ours_rps / bare_rps)
        for label, measured in runs.items():
            row[label] = {k: sum(h[k] for h in measured) / len(measured) for k in measured[0]}
            row[label]["cpu_ms"] = 1000 * row[label]["cpu"] / max(1.0, row[label]["requests"])
            row[label]["runs"] = [h["rps"] for h in measured]
        row["ratio"] = row["ours"]["rps"] / row["bare"]["rps"]
        row["cpu_ratio"] = row["bare"]["cpu_ms"] / row["ours"]["cpu_ms"]
        row["round_ratios"] = round_ratios
        results.append(row)
        log(
            f"{name:26} bare {row['bare']['rps']:8.1f} req/s p50 {row['bare']['p50']:7.2f} ms "
            f"p99 {row['bare']['p99']:7.2f} ms | ours {row['ours']['rps']:8.1f} req/s "
            f"p50 {row['ours']['p50']:7.2f} ms p99 {row['ours']['p99']:7.2f} ms "
            f"| ratio {row['ratio']:.2f} | CPU/request bare {row['bare']['cpu_ms']:.2f} ms "
            f"ours {row['ours']['cpu_ms']:.2f} ms (ratio {row['cpu_ratio']:.2f})"
            + f" | rounds {' '.join(f'{r:.2f}' for r in round_ratios)}"
            + (f" | non-2xx ours={row['ours']['errors']:.0f}" if row["ours"]["errors"] else "")
        )
    return results

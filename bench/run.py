"""Benchmark: the SQL service's ``_table`` API against a bare Flask + SQLAlchemy Core app.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/run.py [--seconds 2] [--rounds 6] [--only filter]

It creates two PostgreSQL databases on ``BENCH_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): a system store and
a data database seeded with ``item`` (10,000 rows, ``category`` indexed),
``item_tag`` (two children per item) and an empty ``bulk`` table. It sets up
the app (migrations, an admin, a ``bench`` pgsql service, a role reaching
``_table/*`` and an app whose API key carries that role), then starts each app
as ``--workers`` single-worker gunicorn servers with the same settings
(``bench/gunicorn_bench.py``) on loopback ports and drives them with wrk
(installed with apt-get when missing), its threads spread over the servers,
for every scenario: a warm-up run per app, then ``--rounds`` ABBA rounds of
``--seconds`` runs. It prints requests per second, p50/p99 latency, the ratio
ours/bare (overall and per round) and each app's CPU per request, measures the
memory of one response as the page grows (tracemalloc, in process), and
removes its databases, temp folder and processes at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import sqlalchemy as sa
from load import ITEMS, Settings, Target, ensure_wrk, log, run_load

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ADMIN = ("bench-admin@example.com", "bench-admin-password-0123")


# -- databases ------------------------------------------------------------------------


def server_url() -> sa.URL:
    return sa.make_url(
        os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
    )


def create_database(name: str) -> str:
    admin = sa.create_engine(server_url(), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url().set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = sa.create_engine(server_url(), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(url: str) -> None:
    """``item`` (indexed ``category``), its ``item_tag`` children and an empty ``bulk``."""
    metadata = sa.MetaData()
    columns = lambda: [  # noqa: E731 - the same columns for item and bulk
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("category", sa.Integer, nullable=False, index=True),
        sa.Column("price", sa.Numeric(10, 2)),
        sa.Column("created", sa.DateTime),
        sa.Column("notes", sa.Text),
    ]
    item = sa.Table("item", metadata, *columns())
    tag = sa.Table(
        "item_tag",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("item.id"), nullable=False, index=True),
        sa.Column("tag", sa.String(40), nullable=False),
    )
    sa.Table("bulk", metadata, *[sa.Column(c.name, c.type) for c in columns()][1:],
             sa.Column("id", sa.Integer, primary_key=True))  # fmt: skip
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            item.insert(),
            [
                {
                    "name": f"item {i}",
                    "category": i % 100,
                    "price": f"{i % 997}.{i % 100:02d}",
                    "created": f"2024-01-{1 + i % 28:02d} 12:00:00",
                    "notes": "a short note about this item" if i % 3 else None,
                }
                for i in range(1, ITEMS + 1)
            ],
        )
        conn.execute(
            tag.insert(),
            [
                {"item_id": i, "tag": f"tag-{i % 7}-{k}"}
                for i in range(1, ITEMS + 1)
                for k in (1, 2)
            ],
        )
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()


# -- processes --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


class Processes:
    """Processes this run started (each in its own group), stopped at the end."""

    def __init__(self) -> None:
        self.items: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
        self.items.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.items:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.items:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def http(method: str, url: str, body=None, headers=None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def configure_app(base: str, data_url: str) -> str:
    """Admin session → ``bench`` service, role on ``_table/*``, app; returns its API key."""
    session = http("POST", f"{base}/api/v2/system/admin/session",
                   {"email": ADMIN[0], "password": ADMIN[1]})  # fmt: skip
    headers = {"X-DreamFactory-Session-Token": session["session_token"]}
    parsed = sa.make_url(data_url)
    config = {"host": parsed.host, "port": parsed.port or 5432, "database": parsed.database,
              "username": parsed.username, "password": parsed.password,
              "max_records": ITEMS}  # fmt: skip
    service = http(
        "POST",
        f"{base}/api/v2/system/service",
        {"resource": [{"name": "bench", "type": "pgsql", "config": config}]},
        headers,
    )
    access = {"service_id": service["resource"][0]["id"], "component": "_table/*",
              "verb_mask": 3, "requestor_mask": 1}  # fmt: skip
    role = http(
        "POST",
        f"{base}/api/v2/system/role",
        {
            "resource": [
                {"name": "bench", "is_active": True, "role_service_access_by_role_id": [access]}
            ]
        },
        headers,
    )
    app = http("POST", f"{base}/api/v2/system/app?fields=api_key",
               {"resource": [{"name": "bench", "type": 0, "is_active": True,
                              "role_id": role["resource"][0]["id"]}]}, headers)  # fmt: skip
    return app["resource"][0]["api_key"]


def measure_memory(api_key: str) -> list[dict]:
    """Peak Python memory of one request (tracemalloc) as the page grows."""
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    from app.factory import create_app

    app = create_app()
    client = app.test_client()
    headers = {"X-DreamFactory-API-Key": api_key}
    found = []
    for limit in (100, 1_000, 10_000):
        url = f"/api/v2/bench/_table/item?limit={limit}"
        assert client.get(url, headers=headers).status_code == 200  # warm (schema, caches)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        response = client.get(url, headers=headers)
        body = response.get_data()
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        rows = len(json.loads(body)["resource"])
        found.append({"limit": limit, "rows": rows, "bytes": len(body), "peak": peak})
        log(
            f"memory limit={limit:>6}: {rows:>6} rows, response {len(body) / 1024:8.1f} KiB, "
            f"peak {peak / 1024:9.1f} KiB ({peak / len(body):.1f}x the response, "
            f"{peak / rows / 1024:.2f} KiB per row)"
        )
    with app.app_context():
        from app.services.sql.engines import get_registry

        get_registry().dispose_all()
    return found


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    engine = sa.create_engine(server_url(), poolclass=sa.NullPool)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SHOW server_version")).scalar()
    engine.dispose()
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs{memory}; {platform.platform()}; "
        f"Python {platform.python_version()}; PostgreSQL {version}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=2, help="length of each measured wrk run")
    parser.add_argument("--rounds", type=int, default=6, help="ABBA rounds per scenario")
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn servers of one worker each, per app"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (both apps)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument(
        "--only",
        action="append",
        help="run only the scenarios whose name contains this text (repeatable)",
    )
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--ours-app",
        default="wsgi:app",
        help="WSGI target of our app (a variant on PYTHONPATH, to try a change before making it)",
    )
    args = parser.parse_args()
    wrk_bin = ensure_wrk()
    run = uuid.uuid4().hex[:8]
    names = {"system": f"dfbench_sys_{run}", "data": f"dfbench_data_{run}"}
    temp = Path(tempfile.mkdtemp(prefix="dfbench-"))
    processes = Processes()
    made: list[str] = []
    try:
        urls = {}
        for key, name in names.items():
            urls[key] = create_database(name)
            made.append(name)
        log(f"seeding {ITEMS} items and {2 * ITEMS} tags")
        seed(urls["data"])
        env = {
            **os.environ,
            "DF_SYSTEM_DATABASE_URL": urls["system"],
            "DF_INSTANCE_PATH": str(temp / "instance"),
            "DF_STORAGE_PATH": str(temp / "storage"),
            "DF_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
            "BENCH_WORKERS": "1",
            "BENCH_THREADS": str(args.threads),
            "BENCH_DATABASE_URL": urls["data"],
        }
        os.environ.update({k: v for k, v in env.items() if k.startswith("DF_")})
        flask_args = ["-m", "flask", "--app", "wsgi", "setup", "--email", ADMIN[0]]
        subprocess.run(  # noqa: S603
            [PYTHON, *flask_args, "--password", ADMIN[1]],
            cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        targets = {}
        for label, target in (("ours", args.ours_app), ("bare", "bench.bare_app:app")):
            # one single-worker server per worker, wrk's threads spread over them (see
            # "How it measures" in bench/RESULTS.md: gunicorn's workers share one socket,
            # and keep-alive connections opened at once often all land on one worker)
            ports = [free_port() for _ in range(args.workers)]
            pids = []
            for port in ports:
                bind = {"BENCH_BIND": f"127.0.0.1:{port}"}
                command = [gunicorn, "-c", "bench/gunicorn_bench.py", target]
                pids.append(processes.start(command, {**env, **bind}).pid)
            targets[label] = Target(ports, pids)
        ours, bare = targets["ours"], targets["bare"]
        for port in ours.ports:
            wait_for(f"http://127.0.0.1:{port}/")
        for port in bare.ports:
            wait_for(f"http://127.0.0.1:{port}/item/1")
        api_key = configure_app(ours.url(""), urls["data"])
        ours.headers["X-DreamFactory-API-Key"] = api_key
        log(f"machine: {machine()}")
        log(f"gunicorn gthread, {args.workers} servers x 1 worker x {args.threads} threads per "
            f"app; wrk {args.workers} threads (one per server), {args.connections} connections, "
            f"{args.rounds} ABBA rounds of {args.seconds} s runs")  # fmt: skip
        settings = Settings(args.seconds, args.rounds, args.connections, args.only)
        results = run_load(wrk_bin, ours, bare, temp, settings)
        memory = [] if args.only else measure_memory(api_key)
        if args.json:
            Path(args.json).write_text(json.dumps({"load": results, "memory": memory}, indent=2))
    finally:
        processes.stop_all()
        for name in made:
            drop_database(name)
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()

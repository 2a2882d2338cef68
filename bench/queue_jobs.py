"""Benchmark: queued scripts through the API and RQ workers, against RQ's own no-op jobs.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/queue_jobs.py [--jobs 10000] [--clients 8] [--json out.json]

It creates a PostgreSQL system store on ``BENCH_POSTGRES_URL`` and a private
``redis-server`` on a free loopback port (so no other Redis user is
disturbed), sets the app up (migrations, an admin, a ``python`` scripted
service ``q`` whose config says ``queued`` and whose script is ``pass``),
serves it with gunicorn (``bench/gunicorn_bench.py``: 2 workers x 4 threads)
and then measures:

1. **enqueue**: ``--jobs`` ``POST /api/v2/q`` calls from ``--clients``
   keep-alive connections with no worker running (each answers 202 once the
   job is in Redis): calls per second;
2. **drain**: two ``flask queue work --burst`` workers empty the queue:
   jobs per second, from the first job's start to the last one's end;
3. **paced**: with two workers running, a tenth of ``--jobs`` calls sent at
   half the drain rate: p50/p99 from the client's call to the job's end
   (no backlog; the drain phase's own request-to-finish times are printed
   too, but they mostly measure how long a job waited behind the others);
4. **RQ baseline**: the same number of no-op jobs (``builtins.len``) put on a
   queue directly with ``Queue.enqueue`` and drained by two plain
   ``rq worker -w rq.SimpleWorker -S json --burst`` processes.

The drain and baseline phases also report the workers' CPU milliseconds per
job (their processes' user + system time, scripts' own processes included),
which moves less than jobs per second on a busy machine.

Everything it made (databases, temp folder, processes) is removed at the end.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0]) == _HERE:
    sys.path.append(sys.path.pop(0))  # this file must not shadow the standard library's queue

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from http.client import HTTPConnection  # noqa: E402
from pathlib import Path  # noqa: E402

import redis  # noqa: E402
from load import log  # noqa: E402
from rq import Queue  # noqa: E402
from rq.job import Job  # noqa: E402
from rq.serializers import JSONSerializer  # noqa: E402
from run import (  # noqa: E402
    ADMIN,
    PYTHON,
    ROOT,
    Processes,
    create_database,
    drop_database,
    free_port,
    http,
    machine,
    wait_for,
)


def start_redis(processes: Processes, folder: Path) -> str:
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is needed (apt-get install redis-server)")
    port = free_port()
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)]
    args += ["--loglevel", "warning"]
    processes.start(args, dict(os.environ))
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    client.close()
    return f"redis://127.0.0.1:{port}/0"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def send_calls(base: str, token: str, count: int, clients: int, rate: float | None) -> float:
    """``count`` queued calls from ``clients`` connections (paced at ``rate``/s if given)."""
    host, port = base.removeprefix("http://").split(":")
    headers = {"Content-Type": "application/json", "X-DreamFactory-Session-Token": token}
    counter = iter(range(count))
    lock = threading.Lock()
    started = time.perf_counter()
    failures: list[str] = []

    def client() -> None:
        try:
            calls()
        except Exception as exc:  # reported after the join
            failures.append(repr(exc))

    def calls() -> None:
        conn = HTTPConnection(host, int(port), timeout=60)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            if rate:
                delay = started + index / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            body = json.dumps({"t0": time.time()})
            conn.request("POST", "/api/v2/q", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 202:
                failures.append(str(response.status))
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} calls failed, e.g. {failures[0]}")
    return time.perf_counter() - started


def job_times(client: redis.Redis, queue: str) -> list[tuple[float, float, float]]:
    """(call time, start, end) of every finished job of ``queue``, Unix seconds."""
    registry = Queue(queue, connection=client, serializer=JSONSerializer).finished_job_registry
    ids = registry.get_job_ids()
    out = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        jobs = Job.fetch_many(chunk, connection=client, serializer=JSONSerializer)
        for job in jobs:
            if job is None or job.started_at is None or job.ended_at is None:
                continue
            payload = ((job.kwargs.get("job") or {}).get("request") or {}).get("payload") or {}
            called = float(payload.get("t0") or job.enqueued_at.timestamp())
            out.append((called, job.started_at.timestamp(), job.ended_at.timestamp()))
    return out


def wait_finished(client: redis.Redis, count: int, seconds: float = 600) -> None:
    registry = Queue("default", connection=client, serializer=JSONSerializer).finished_job_registry
    deadline = time.monotonic() + seconds
    while registry.count < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {registry.count} of {count} jobs finished in {seconds} s")
        time.sleep(0.2)


def summarize(times: list[tuple[float, float, float]]) -> dict[str, float]:
    first_start = min(s for _, s, _ in times)
    last_end = max(e for _, _, e in times)
    latency = [(e - c) * 1000 for c, _, e in times]
    return {
        "jobs": len(times),
        "jobs_per_s": round(len(times) / (last_end - first_start), 1),
        "p50_ms": round(statistics.median(latency), 1),
        "p99_ms": round(percentile(latency, 0.99), 1),
    }


def run_workers(processes: Processes, argv: list[str], env: dict[str, str], count: int) -> float:
    """Start ``count`` burst workers, wait for them to empty the queue; their CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = [processes.start(argv, env) for _ in range(count)]
    for proc in started:
        proc.wait(timeout=3600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="queued calls per phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent API connections")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    run = uuid.uuid4().hex[:8]
    store = f"dfbench_queue_{run}"
    temp = Path(tempfile.mkdtemp(prefix="dfbench-queue-"))
    processes = Processes()
    made: list[str] = []
    results: dict[str, dict] = {}
    try:
        redis_url = start_redis(processes, temp)
        made.append(store)
        env = {
            **os.environ,
            "DF_SYSTEM_DATABASE_URL": create_database(store),
            "DF_INSTANCE_PATH": str(temp / "instance"),
            "DF_STORAGE_PATH": str(temp / "storage"),
            "DF_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
            "DF_REDIS_URL": redis_url,
            "DF_LOG_LEVEL": "warning",
            "BENCH_WORKERS": "2",
            "BENCH_THREADS": "4",
        }
        flask = [PYTHON, "-m", "flask", "--app", "wsgi"]
        setup = [*flask, "setup", "--email", ADMIN[0], "--password", ADMIN[1]]
        subprocess.run(setup, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        port = free_port()
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        app_env = {**env, "BENCH_BIND": f"127.0.0.1:{port}"}
        processes.start([gunicorn, "-c", "bench/gunicorn_bench.py", "wsgi:app"], app_env)
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/")
        session = http("POST", f"{base}/api/v2/system/admin/session",
                       {"email": ADMIN[0], "password": ADMIN[1]})  # fmt: skip
        token = session["session_token"]
        service = {"name": "q", "type": "python", "is_active": True,
                   "config": {"content": "pass", "queued": True}}  # fmt: skip
        http("POST", f"{base}/api/v2/system/service", {"resource": [service]},
             {"X-DreamFactory-Session-Token": token})  # fmt: skip
        client = redis.Redis.from_url(redis_url)
        log(f"machine: {machine()}")
        log(f"{args.jobs} jobs per phase, {args.clients} API connections, 2 queue workers")

        send_calls(base, token, 50, args.clients, None)  # warm-up: connections, caches
        run_workers(processes, [*flask, "queue", "work", "--burst"], env, 1)
        client.delete(*client.keys("rq:finished:*") or ["none"])

        elapsed = send_calls(base, token, args.jobs, args.clients, None)
        results["enqueue"] = {"calls": args.jobs, "calls_per_s": round(args.jobs / elapsed, 1)}
        log(f"enqueue through the API: {results['enqueue']['calls_per_s']} calls/s")

        cpu = run_workers(processes, [*flask, "queue", "work", "--burst"], env, 2)
        results["drain"] = summarize(job_times(client, "default"))
        results["drain"]["cpu_ms_per_job"] = round(cpu * 1000 / args.jobs, 2)
        log(f"drain, 2 workers: {results['drain']}")
        client.delete(*client.keys("rq:finished:*") or ["none"])

        workers = [processes.start([*flask, "queue", "work"], env) for _ in range(2)]
        send_calls(base, token, 40, args.clients, None)  # both workers build the app first
        wait_finished(client, 40)
        client.delete(*client.keys("rq:finished:*") or ["none"])
        paced = max(10, args.jobs // 10)
        rate = results["drain"]["jobs_per_s"] / 2
        send_calls(base, token, paced, args.clients, rate)
        wait_finished(client, paced)
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=120)
        results["paced"] = {**summarize(job_times(client, "default")), "rate": round(rate, 1)}
        log(f"paced at {rate:.0f} calls/s, 2 workers: {results['paced']}")

        noop = Queue("noop", connection=client, serializer=JSONSerializer)
        started = time.perf_counter()
        for _ in range(args.jobs):
            noop.enqueue("builtins.len", [], result_ttl=600)
        direct = time.perf_counter() - started
        rq = str(Path(PYTHON).parent / "rq")
        argv = [rq, "worker", "-q", "--burst", "-w", "rq.SimpleWorker", "-S", "json"]
        argv += ["--url", redis_url]
        cpu = run_workers(processes, [*argv, "noop"], env, 2)
        results["rq_noop"] = {
            "enqueue_per_s": round(args.jobs / direct, 1),
            **summarize(job_times(client, "noop")),
            "cpu_ms_per_job": round(cpu * 1000 / args.jobs, 2),
        }
        log(f"RQ no-op baseline: {results['rq_noop']}")
        client.close()
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
    finally:
        processes.stop_all()
        for name in made:
            drop_database(name)
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()

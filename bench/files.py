"""Benchmark: large file downloads and uploads through our API and storage route vs a baseline.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/files.py [--size-mb 100] [--repeats 5] [--parallel 4]
    .venv/bin/python bench/files.py --storage aws_s3 [--s3-server rclone|moto] [--size-mb 200]

It sets up an instance in a temp folder (embedded SQLite store, an admin, the
seeded ``files`` service with ``big`` as a public folder), makes one file of
``--size-mb`` MB and starts our app under gunicorn with the benchmark settings
(``bench/gunicorn_bench.py``: gthread, 2 workers x 4 threads, no access log).
The baseline depends on ``--storage``:

- ``local_file`` (the default): nginx (installed with apt-get when missing)
  with as many worker processes, ``sendfile on``, serving the same container
  folder directly, and accepting uploads with WebDAV ``PUT`` (written to a temp
  file, then renamed, as ours);
- ``aws_s3``: an S3-compatible server on loopback (``bench/files_s3.py``: rclone's
  ``serve s3`` or moto's server) holding the file in a bucket, the ``files``
  service turned into an ``aws_s3`` service on it, and boto3 moving the same
  file to and from the same server directly, with the service's own client
  settings and part size.

curl moves the file through our paths: downloads from ``GET
/api/v2/files/big/file.bin`` (session token) and from the public storage route
``GET /files/big/file.bin``; uploads to our API as a raw body and as a
multipart ``files`` part; with ``local_file`` also ``--parallel`` simultaneous
downloads of each. The baselines run in the same rounds (``--repeats`` of
them, the order reversed every other round so a machine getting busier
favours no one). It prints the median MB/s of each, its ratio to the
baseline of the same direction, the CPU seconds per GB moved of the
gunicorn workers (and of the benchmark's own process, where boto3's direct
transfers run), and the workers' peak resident memory (``VmHWM``) before and
after, then removes its processes and temp folder.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import files_s3
from load import cpu_seconds, log, process_tree
from run import PYTHON, ROOT, Processes, free_port, http, wait_for

ADMIN = ("bench-admin@example.com", "bench-admin-password-0123")
MB = 1_000_000


def ensure_nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found:
        return found
    log("nginx is missing: installing nginx-light from Debian's packages")
    subprocess.run(["apt-get", "install", "-y", "-q", "nginx-light"], check=True)  # noqa: S607
    return shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_config(temp: Path, container: Path, port: int, workers: int) -> Path:
    user = "user root;" if os.geteuid() == 0 else ""
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (temp / "nginx" / folder).mkdir(parents=True, exist_ok=True)
    conf = temp / "nginx" / "nginx.conf"
    conf.write_text(f"""{user}
worker_processes {workers};
daemon off;
pid {temp}/nginx/nginx.pid;
error_log {temp}/nginx/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_body_temp_path {temp}/nginx/client_body;
    proxy_temp_path {temp}/nginx/proxy;
    fastcgi_temp_path {temp}/nginx/fastcgi;
    uwsgi_temp_path {temp}/nginx/uwsgi;
    scgi_temp_path {temp}/nginx/scgi;
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 0;
        location /files/ {{
            alias {container}/;
            dav_methods PUT;
            create_full_put_path on;
        }}
    }}
}}
""")
    return conf


def curl(url: str, upload: Path | None = None, form: Path | None = None, headers=None) -> float:
    """One transfer with curl; returns its MB/s (curl's own average speed)."""
    args = ["curl", "-s", "-o", "/dev/null", "-H", "Expect:", "--fail-with-body"]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    metric = "%{speed_upload}"
    if upload is not None:
        args += ["-T", str(upload), "-H", "Content-Type: application/octet-stream"]
    elif form is not None:
        args += ["-F", f"files=@{form};type=application/octet-stream"]
    else:
        metric = "%{speed_download}"
    done = subprocess.run([*args, "-w", f"{metric} %{{http_code}}", url],  # noqa: S603
                          capture_output=True, text=True, check=True)  # fmt: skip
    speed, code = done.stdout.split()
    if not code.startswith("2"):
        raise RuntimeError(f"{url}: HTTP {code}")
    return float(speed) / MB


def parallel(url: str, count: int, headers=None) -> float:
    """``count`` simultaneous downloads of ``url``; returns their combined MB/s."""
    args = ["curl", "-s", "-o", "/dev/null", "--fail"]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    size = int(subprocess.run([*args, "-w", "%{size_download}", url], capture_output=True,  # noqa: S603
                              text=True, check=True).stdout)  # fmt: skip
    started = time.perf_counter()
    procs = [subprocess.Popen([*args, url]) for _ in range(count)]  # noqa: S603
    for proc in procs:
        if proc.wait() != 0:
            raise RuntimeError(f"{url}: a parallel download failed")
    return size * count / (time.perf_counter() - started) / MB


def peak_rss(pid: int) -> int | None:
    """Bytes of a process's peak resident set (VmHWM); None once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def worker_peaks(master: int) -> dict[int, int | None]:
    return {pid: peak_rss(pid) for pid in process_tree(master) if pid != master}


def nginx_version(nginx: str) -> str:
    return subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()


def machine(versions: list[str]) -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    curl_version = subprocess.run(["curl", "--version"], capture_output=True, text=True)
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs; {platform.platform()}; Python "
        f"{platform.python_version()}; {'; '.join(versions)}; "
        f"{' '.join(curl_version.stdout.split()[:2])}"
    )


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while data := handle.read(MB):
            digest.update(data)
    return digest.hexdigest()


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(MB)
    with path.open("wb") as out:
        for i in range(size // MB):
            data = block[i % 13 :] + block[: i % 13]
            digest.update(data)
            out.write(data)
    return digest.hexdigest()


def setup(temp: Path, env: dict[str, str]) -> None:
    """Admin, and ``big/`` public in the seeded ``files`` service (through the CLI and store)."""
    subprocess.run(  # noqa: S603
        [PYTHON, "-m", "flask", "--app", "wsgi", "setup", "--email", ADMIN[0],
         "--password", ADMIN[1]],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    script = (
        "from app.factory import create_app\nfrom app.extensions import db\n"
        "from app.models import Service\n"
        "app = create_app()\nwith app.app_context():\n"
        "    row = db.session.query(Service).filter_by(name='files').one()\n"
        "    row.config = {'container': 'app', 'public_path': ['big']}\n"
        "    db.session.commit()\n"
    )
    subprocess.run([PYTHON, "-c", script], cwd=ROOT, env=env, check=True)  # noqa: S603


def start_ours(temp: Path, env: dict[str, str], processes: Processes) -> tuple[str, int, dict]:
    """Our app under gunicorn: its URL, the master's pid and an admin session header."""
    setup(temp, env)
    port = free_port()
    gunicorn = str(Path(PYTHON).parent / "gunicorn")
    proc = processes.start(
        [gunicorn, "-c", "bench/gunicorn_bench.py", "wsgi:app"],
        {**env, "BENCH_BIND": f"127.0.0.1:{port}"},
    )
    ours = f"http://127.0.0.1:{port}"
    wait_for(ours + "/status")
    session = http("POST", f"{ours}/api/v2/system/admin/session",
                   {"email": ADMIN[0], "password": ADMIN[1]})  # fmt: skip
    return ours, proc.pid, {"X-DreamFactory-Session-Token": session["session_token"]}


def api_transfers(ours: str, token: dict, source: Path) -> dict[str, Callable[[], float]]:
    """Downloads of ``big/file.bin`` and uploads into ``up/`` through our API and route."""
    return {
        "download API": lambda: curl(ours + "/api/v2/files/big/file.bin", headers=token),
        "download storage route": lambda: curl(ours + "/files/big/file.bin"),
        "upload API raw": lambda: curl(
            ours + "/api/v2/files/up/raw.bin", upload=source, headers=token
        ),  # fmt: skip
        "upload API multipart": lambda: curl(
            ours + "/api/v2/files/up/", form=source, headers=token
        ),  # fmt: skip
    }


def local_scenarios(args, temp: Path, env: dict, processes: Processes) -> Bench:
    """``local_file`` against nginx serving (and accepting) the same container folder."""
    nginx = ensure_nginx()
    container = temp / "storage" / "app"
    (container / "big").mkdir(parents=True)
    (container / "up").mkdir()
    source, expected = source_file(temp, args.size_mb)
    shutil.copyfile(source, container / "big" / "file.bin")
    ours, pid, token = start_ours(temp, env, processes)
    port = free_port()
    conf = nginx_config(temp, container, port, args.workers)
    processes.start([nginx, "-c", str(conf), "-p", str(temp / "nginx")], env)
    theirs = f"http://127.0.0.1:{port}"
    wait_for(theirs + "/files/big/file.bin", 30)
    ours_api = api_transfers(ours, token, source)
    scenarios = {
        "download nginx": lambda: curl(theirs + "/files/big/file.bin"),
        "download API": ours_api["download API"],
        "download storage route": ours_api["download storage route"],
        "upload nginx PUT": lambda: curl(theirs + "/files/up/nginx.bin", upload=source),
        "upload API raw": ours_api["upload API raw"],
        "upload API multipart": ours_api["upload API multipart"],
    }
    downloads = {
        "nginx": (theirs + "/files/big/file.bin", None),
        "API": (ours + "/api/v2/files/big/file.bin", token),
        "storage route": (ours + "/files/big/file.bin", None),
    }
    scenarios |= {f"{args.parallel} parallel downloads {k}":
                  (lambda u=u, h=h: parallel(u, args.parallel, h))
                  for k, (u, h) in downloads.items()}  # fmt: skip

    def check() -> None:
        for name in ("nginx.bin", "raw.bin", "source.bin"):
            if sha256(container / "up" / name) != expected:
                raise RuntimeError(f"upload {name} does not match the source")

    return Bench(scenarios, "nginx", pid, check, versions=[nginx_version(nginx)])


def s3_scenarios(args, temp: Path, env: dict, processes: Processes) -> Bench:
    """``aws_s3`` on an S3 server of this machine against boto3 talking to it directly."""
    endpoint, binary = files_s3.start_server(args.s3_server, temp, processes)
    source, expected = source_file(temp, args.size_mb)
    files_s3.seed(endpoint, source)
    ours, pid, token = start_ours(temp, env, processes)
    query = quote("name='files'")
    found = http("GET", f"{ours}/api/v2/system/service?filter={query}", headers=token)
    service = found["resource"][0]
    http("PATCH", f"{ours}/api/v2/system/service/{service['id']}",
         {"type": "aws_s3", "config": files_s3.service_config(endpoint)}, token)  # fmt: skip
    ours_api = api_transfers(ours, token, source)
    scenarios = {
        "download boto3 get_object": lambda: files_s3.download(endpoint, "big/file.bin"),
        "download API": ours_api["download API"],
        "download storage route": ours_api["download storage route"],
        "upload boto3 upload_fileobj": lambda: files_s3.upload(endpoint, source, "up/boto3.bin"),
        "upload boto3 upload_fileobj, 1 thread": lambda: files_s3.upload(
            endpoint, source, "up/boto3-1.bin", threads=1
        ),
        "upload API raw": ours_api["upload API raw"],
        "upload API multipart": ours_api["upload API multipart"],
    }

    def check() -> None:
        for name in ("boto3.bin", "boto3-1.bin", "raw.bin", "source.bin"):
            if files_s3.digest(endpoint, f"up/{name}") != expected:
                raise RuntimeError(f"upload {name} does not match the source")

    version = files_s3.server_version(args.s3_server, binary)
    return Bench(scenarios, "boto3", pid, check, versions=[version], in_process=True)


@dataclass
class Bench:
    """What one mode measures: its scenarios, the word naming their baselines, a check."""

    scenarios: dict[str, Callable[[], float]]
    baseline: str
    """Each scenario is compared with the one of the same direction whose name has this."""
    gunicorn: int
    check: Callable[[], None]
    versions: list[str]
    in_process: bool = False
    """Whether the baselines run in this process (boto3): its CPU is then counted too."""


def source_file(temp: Path, size_mb: int) -> tuple[Path, str]:
    source = temp / "source.bin"
    log(f"writing a {size_mb} MB file")
    return source, make_file(source, size_mb * MB)


def direction(scenario: str) -> str:
    """What a scenario's numbers compare with: ``download``, ``upload`` or ``parallel``."""
    return "parallel" if "parallel" in scenario else scenario.split(" ")[0]


def measure(bench: Bench, args) -> None:
    """Warm-up and check, then ``--repeats`` interleaved rounds; prints the table."""
    scenarios = bench.scenarios
    baseline = {name: next(n for n in scenarios if bench.baseline in n
                           and direction(n) == direction(name)) for name in scenarios}  # fmt: skip
    for run in scenarios.values():  # warm-up (and a check that every path works)
        run()
    bench.check()
    before = worker_peaks(bench.gunicorn)
    speeds: dict[str, list[float]] = {name: [] for name in scenarios}
    cpu: dict[str, float] = dict.fromkeys(scenarios, 0.0)
    own = time.process_time if bench.in_process else float
    for round_no in range(args.repeats):
        order = list(scenarios) if round_no % 2 == 0 else list(reversed(scenarios))
        for name in order:
            used = cpu_seconds(bench.gunicorn) + own()
            speeds[name].append(scenarios[name]())
            cpu[name] += cpu_seconds(bench.gunicorn) + own() - used
    after = worker_peaks(bench.gunicorn)

    log(f"machine: {machine(bench.versions)}")
    log(f"file {args.size_mb} MB; storage {args.storage}; gunicorn gthread {args.workers}x"
        f"{args.threads}; {args.repeats} runs each, median")  # fmt: skip
    if bench.in_process:
        log("CPU s/GB: the gunicorn workers' and this process's (where boto3's transfers run)")
    log(f"{'scenario':<40} {'MB/s':>8} {'vs ' + bench.baseline:>9} {'CPU s/GB':>9}")
    for name, values in speeds.items():
        median = statistics.median(values)
        ratio = median / statistics.median(speeds[baseline[name]])
        moved = args.size_mb * MB * args.repeats * (args.parallel if "parallel" in name else 1)
        per_gb = cpu[name] / (moved / 1e9)
        log(f"{name:<40} {median:8.0f} {ratio:9.2f} {per_gb:9.2f}")
    for pid in sorted(set(before) | set(after)):
        peaks = (before.get(pid), after.get(pid))
        shown = [f"{v / 2**20:.0f} MiB" if v else "-" for v in peaks]
        log(f"gunicorn worker {pid}: peak RSS {shown[0]} after warm-up (an admin login's "
            f"argon2 hash included), {shown[1]} after the runs")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=100, help="size of the file (MB)")
    parser.add_argument("--repeats", type=int, default=5, help="transfers per scenario")
    parser.add_argument("--parallel", type=int, default=4, help="simultaneous downloads (local)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn and nginx workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--storage", choices=("local_file", "aws_s3"), default="local_file",
                        help="the files service's backend")  # fmt: skip
    parser.add_argument("--s3-server", choices=("rclone", "moto"), default="rclone",
                        help="the S3 server behind aws_s3")  # fmt: skip
    args = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="dfbench-files-"))
    processes = Processes()
    try:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DF_")},
            "DF_INSTANCE_PATH": str(temp / "instance"),
            "DF_STORAGE_PATH": str(temp / "storage"),
            "DF_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
            "BENCH_WORKERS": str(args.workers),
            "BENCH_THREADS": str(args.threads),
        }
        make = s3_scenarios if args.storage == "aws_s3" else local_scenarios
        measure(make(args, temp, env, processes), args)
    finally:
        processes.stop_all()
        with contextlib.suppress(OSError):
            shutil.rmtree(temp)


if __name__ == "__main__":
    sys.exit(main())

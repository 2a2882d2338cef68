"""Benchmark: 100 MB file downloads and uploads through our API and storage route vs nginx.

Run from the repository root with the project's virtualenv::

    .venv/bin/python bench/files.py [--size-mb 100] [--repeats 5] [--parallel 4]

It sets up an instance in a temp folder (embedded SQLite store, an admin, the
seeded ``files`` service with ``big`` as a public folder), writes one file of
``--size-mb`` MB into the container and starts, in the same run:

- our app under gunicorn with the benchmark settings (``bench/gunicorn_bench.py``:
  gthread, 2 workers x 4 threads, no access log);
- nginx (installed with apt-get when missing) with as many worker processes,
  ``sendfile on``, serving the same container folder directly, and accepting
  uploads with WebDAV ``PUT`` (written to a temp file, then renamed, as ours).

curl then moves the file through each path (``--repeats`` times, the order
reversed every other round so a machine getting busier favours no one):
downloads from nginx, from ``GET /api/v2/files/big/file.bin`` (session token)
and from the public storage route ``GET /files/big/file.bin``; uploads to
nginx's ``PUT``, to our API as a raw body and as a multipart ``files`` part;
and ``--parallel`` simultaneous downloads from each. It prints the median
MB/s of each, its ratio to nginx, the gunicorn workers' CPU seconds per GB
moved, and their peak resident memory (``VmHWM``) before and after, then
removes its processes and temp folder.
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
from pathlib import Path

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


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = subprocess.run([ensure_nginx(), "-v"], capture_output=True, text=True).stderr.strip()
    curl_version = subprocess.run(["curl", "--version"], capture_output=True, text=True)
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs; {platform.platform()}; Python "
        f"{platform.python_version()}; {versions}; {' '.join(curl_version.stdout.split()[:2])}"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=100, help="size of the file (MB)")
    parser.add_argument("--repeats", type=int, default=5, help="transfers per scenario")
    parser.add_argument("--parallel", type=int, default=4, help="simultaneous downloads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn and nginx workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    args = parser.parse_args()
    nginx = ensure_nginx()
    temp = Path(tempfile.mkdtemp(prefix="dfbench-files-"))
    processes = Processes()
    try:
        container = temp / "storage" / "app"
        (container / "big").mkdir(parents=True)
        (container / "up").mkdir()
        source = temp / "source.bin"
        log(f"writing a {args.size_mb} MB file")
        expected = make_file(source, args.size_mb * MB)
        shutil.copyfile(source, container / "big" / "file.bin")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DF_")},
            "DF_INSTANCE_PATH": str(temp / "instance"),
            "DF_STORAGE_PATH": str(temp / "storage"),
            "DF_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
            "BENCH_WORKERS": str(args.workers),
            "BENCH_THREADS": str(args.threads),
        }
        setup(temp, env)
        ports = {"ours": free_port(), "nginx": free_port()}
        gunicorn = str(Path(PYTHON).parent / "gunicorn")
        ours_proc = processes.start(
            [gunicorn, "-c", "bench/gunicorn_bench.py", "wsgi:app"],
            {**env, "BENCH_BIND": f"127.0.0.1:{ports['ours']}"},
        )
        conf = nginx_config(temp, container, ports["nginx"], args.workers)
        processes.start([nginx, "-c", str(conf), "-p", str(temp / "nginx")], env)
        ours, theirs = (f"http://127.0.0.1:{ports[k]}" for k in ("ours", "nginx"))
        wait_for(ours + "/status")
        wait_for(theirs + "/files/big/file.bin", 30)
        session = http("POST", f"{ours}/api/v2/system/admin/session",
                       {"email": ADMIN[0], "password": ADMIN[1]})  # fmt: skip
        token = {"X-DreamFactory-Session-Token": session["session_token"]}

        downloads = {
            "nginx": (theirs + "/files/big/file.bin", None),
            "API": (ours + "/api/v2/files/big/file.bin", token),
            "storage route": (ours + "/files/big/file.bin", None),
        }
        uploads = {
            "nginx PUT": lambda: curl(theirs + "/files/up/nginx.bin", upload=source),
            "API raw": lambda: curl(
                ours + "/api/v2/files/up/raw.bin", upload=source, headers=token
            ),  # fmt: skip
            "API multipart": lambda: curl(
                ours + "/api/v2/files/up/", form=source, headers=token
            ),  # fmt: skip
        }
        scenarios = {f"download {k}": (lambda u=u, h=h: curl(u, headers=h))
                     for k, (u, h) in downloads.items()}  # fmt: skip
        scenarios |= {f"upload {k}": f for k, f in uploads.items()}
        scenarios |= {f"{args.parallel} parallel downloads {k}":
                      (lambda u=u, h=h: parallel(u, args.parallel, h))
                      for k, (u, h) in downloads.items()}  # fmt: skip
        baseline = {name: next(n for n in scenarios if n.startswith(name.split(" ")[0])
                               and "nginx" in n) for name in scenarios}  # fmt: skip
        for run in scenarios.values():  # warm-up (and a check that every path works)
            run()
        for name in ("nginx.bin", "raw.bin", "source.bin"):
            if sha256(container / "up" / name) != expected:
                raise RuntimeError(f"upload {name} does not match the source")
        before = worker_peaks(ours_proc.pid)
        speeds: dict[str, list[float]] = {name: [] for name in scenarios}
        cpu: dict[str, float] = dict.fromkeys(scenarios, 0.0)
        for round_no in range(args.repeats):
            order = list(scenarios) if round_no % 2 == 0 else list(reversed(scenarios))
            for name in order:
                used = cpu_seconds(ours_proc.pid)
                speeds[name].append(scenarios[name]())
                cpu[name] += cpu_seconds(ours_proc.pid) - used
        after = worker_peaks(ours_proc.pid)

        log(f"machine: {machine()}")
        log(f"file {args.size_mb} MB; gunicorn gthread {args.workers}x{args.threads}, nginx "
            f"{args.workers} workers (sendfile); {args.repeats} runs each, median")  # fmt: skip
        log(f"{'scenario':<36} {'MB/s':>8} {'vs nginx':>9} {'gunicorn CPU s/GB':>18}")
        for name, values in speeds.items():
            median = statistics.median(values)
            ratio = median / statistics.median(speeds[baseline[name]])
            moved = args.size_mb * MB * args.repeats * (args.parallel if "parallel" in name else 1)
            per_gb = cpu[name] / (moved / 1e9)
            log(f"{name:<36} {median:8.0f} {ratio:9.2f} {per_gb:18.2f}")
        for pid in sorted(set(before) | set(after)):
            peaks = (before.get(pid), after.get(pid))
            shown = [f"{v / 2**20:.0f} MiB" if v else "-" for v in peaks]
            log(f"gunicorn worker {pid}: peak RSS {shown[0]} after warm-up (an admin login's "
                f"argon2 hash included), {shown[1]} after the runs")  # fmt: skip
    finally:
        processes.stop_all()
        with contextlib.suppress(OSError):
            shutil.rmtree(temp)


if __name__ == "__main__":
    sys.exit(main())

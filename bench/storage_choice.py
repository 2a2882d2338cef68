"""Benchmark: which S3 client the file services' storage layer stands on (issue 17).

Run in a virtualenv that has boto3, s3fs and moto[server] (s3fs is not a
dependency of the project; this script is how it was weighed)::

    python bench/storage_choice.py [--size-mb 200] [--repeats 3]

It starts moto's S3 server on a free loopback port, makes one file of
``--size-mb`` MB and, for each client in turn, in a fresh subprocess (so each
peak resident memory, ``VmHWM``, is its own):

- ``boto3``: ``upload_fileobj`` from a non-seekable reader (a request body, 8 MB
  multipart parts), then ``get_object`` read 1 MB at a time; a ranged
  ``get_object`` (``Range: bytes=...``) of 1 MB in the middle;
- ``boto3-parts``: the same, uploading with our own loop of ``upload_part`` calls
  (one 8 MB part in memory at a time, ``abort_multipart_upload`` on failure);
- ``s3fs``: ``fs.open(path, "wb")`` written 1 MB at a time (multipart as it fills
  its 8 MB block), then ``fs.open(path, "rb")`` read 1 MB at a time; a ranged
  ``cat_file(start, end)``.

It prints MB/s of each direction (median of ``--repeats``), the peak memory
above the process's baseline after the imports, and the import time and
resident memory each client costs before doing anything. A failure mid-upload
(the source raising after half the file) is tried on both: whether anything
is left under the final name.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = r"""
import json, os, sys, time

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith(("VmHWM", "VmRSS")):
            yield line.split()[0][:-1], int(line.split()[1]) // 1024

def rss():
    return dict(hwm())

client, endpoint, path, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
size = os.path.getsize(path)
CHUNK = 1024 * 1024
before = rss()["VmRSS"]
t0 = time.perf_counter()
def parts(key, reader):
    # our own multipart loop: one 8 MB part in memory at a time, aborted on failure
    upload = s3.create_multipart_upload(Bucket="bench", Key=key)["UploadId"]
    try:
        done, number, buffer = [], 1, bytearray()
        while True:
            data = reader.read(CHUNK)
            buffer += data
            if len(buffer) >= 8 * CHUNK or (not data and (buffer or not done)):
                tag = s3.upload_part(Bucket="bench", Key=key, UploadId=upload,
                    PartNumber=number, Body=bytes(buffer))["ETag"]
                done.append({"ETag": tag, "PartNumber": number})
                number += 1
                buffer = bytearray()
            if not data:
                break
        s3.complete_multipart_upload(Bucket="bench", Key=key, UploadId=upload,
            MultipartUpload={"Parts": done})
    except BaseException:
        s3.abort_multipart_upload(Bucket="bench", Key=key, UploadId=upload)
        raise

if client.startswith("boto3"):
    import boto3
    from botocore.config import Config
    from boto3.s3.transfer import TransferConfig
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="k", aws_secret_access_key="s",
        config=Config(s3={"addressing_style": "path"}))
else:
    import s3fs
    fs = s3fs.S3FileSystem(key="k", secret="s", client_kwargs={"endpoint_url": endpoint,
        "region_name": "us-east-1"})
imported = time.perf_counter() - t0
base = rss()["VmRSS"]

class Reader:
    # a request body: read() only, no seek, no len
    def __init__(self, fail_at=None):
        self.f = open(path, "rb"); self.done = 0; self.fail_at = fail_at
    def read(self, n=-1):
        if self.fail_at is not None and self.done >= self.fail_at:
            raise OSError("client went away")
        data = self.f.read(CHUNK if n is None or n < 0 else min(n, CHUNK * 8))
        self.done += len(data)
        return data

up, down = [], []
for i in range(repeats):
    t = time.perf_counter()
    if client == "boto3-parts":
        parts("big.bin", Reader())
    elif client == "boto3":
        s3.upload_fileobj(Reader(), "bench", "big.bin",
            Config=TransferConfig(multipart_chunksize=8 * CHUNK, max_concurrency=4))
    else:
        with fs.open("bench/big.bin", "wb", block_size=8 * CHUNK) as out:
            r = Reader()
            while data := r.read(CHUNK):
                out.write(data)
    up.append(size / (time.perf_counter() - t) / 1e6)
    t = time.perf_counter()
    got = 0
    if client.startswith("boto3"):
        body = s3.get_object(Bucket="bench", Key="big.bin")["Body"]
        while data := body.read(CHUNK):
            got += len(data)
    else:
        with fs.open("bench/big.bin", "rb", block_size=CHUNK) as f:
            while data := f.read(CHUNK):
                got += len(data)
    assert got == size, (got, size)
    down.append(size / (time.perf_counter() - t) / 1e6)

mid = size // 2
if client.startswith("boto3"):
    span = f"bytes={mid}-{mid + CHUNK - 1}"
    part = s3.get_object(Bucket="bench", Key="big.bin", Range=span)["Body"].read()
else:
    part = fs.cat_file("bench/big.bin", start=mid, end=mid + CHUNK)
with open(path, "rb") as f:
    f.seek(mid)
    ranged_ok = part == f.read(CHUNK)

left = None
try:
    if client == "boto3-parts":
        parts("partial.bin", Reader(fail_at=size // 2))
    elif client == "boto3":
        s3.upload_fileobj(Reader(fail_at=size // 2), "bench", "partial.bin",
            Config=TransferConfig(multipart_chunksize=8 * CHUNK))
    else:
        with fs.open("bench/partial.bin", "wb", block_size=8 * CHUNK) as out:
            r = Reader(fail_at=size // 2)
            while data := r.read(CHUNK):
                out.write(data)
except Exception as exc:
    failed = type(exc).__name__
else:
    failed = None
if client.startswith("boto3"):
    left = s3.list_objects_v2(Bucket="bench", Prefix="partial").get("KeyCount", 0) > 0
else:
    fs.invalidate_cache()
    left = fs.exists("bench/partial.bin")

print(json.dumps({"client": client, "import_s": round(imported, 2),
    "import_mb": base - before, "up": up, "down": down,
    "peak_above_base_mb": rss()["VmHWM"] - base, "ranged_ok": ranged_ok,
    "failed_with": failed, "partial_left": left}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        import boto3  # noqa: PLC0415 - only the benchmark's own venv has it

        deadline = time.monotonic() + 30
        while True:
            try:
                s3 = boto3.client(
                    "s3",
                    endpoint_url=endpoint,
                    region_name="us-east-1",
                    aws_access_key_id="k",
                    aws_secret_access_key="s",
                )
                s3.create_bucket(Bucket="bench")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with tempfile.NamedTemporaryFile() as big:
            block = os.urandom(1024 * 1024)
            for _ in range(args.size_mb):
                big.write(block)
            big.flush()
            for client in ("boto3-parts", "boto3", "s3fs"):
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, client, endpoint, big.name, str(args.repeats)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if out.returncode:
                    print(client, "failed:", out.stderr[-2000:])
                    continue
                found = json.loads(out.stdout.strip().splitlines()[-1])
                found["up_mb_s"] = round(statistics.median(found.pop("up")), 1)
                found["down_mb_s"] = round(statistics.median(found.pop("down")), 1)
                print(json.dumps(found))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()

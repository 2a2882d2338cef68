"""A real S3 server for the file tests (moto's standalone server), and a bucket seen as a Path.

``moto_endpoint`` starts ``ThreadedMotoServer`` once per test process on a free
loopback port; it speaks S3's HTTP API, so the service under test talks to it
exactly as it would to AWS or MinIO. ``S3Box`` gives the tests the few
``pathlib.Path`` methods they use on the local container (``/``, read, write,
``mkdir``, ``exists``, ``iterdir``, ``rglob``...), reading and writing the
bucket directly with boto3, so one test checks both backends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

MISSING = "moto[server] and boto3 are needed for the S3 file tests (requirements-dev.txt)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port whose connections the kernel accepts and nobody ever answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        yield silent.getsockname()[1]


def start_moto() -> tuple[Any, str]:
    """A running moto server and its endpoint URL; under CI a missing moto fails the test."""
    try:
        import boto3  # noqa: F401
        from moto.server import ThreadedMotoServer
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(MISSING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    wait_for_port(port)
    return server, f"http://127.0.0.1:{port}"


def wait_for_port(port: int) -> None:
    """Wait until a server listens on loopback ``port`` (a minute at most)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"no server started on port {port}"
            time.sleep(0.05)


def s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        config=Config(s3={"addressing_style": "path"}),
    )


@dataclass(frozen=True)
class Stat:
    st_size: int
    st_mtime: float


@dataclass(frozen=True)
class S3Box:
    """A path in a bucket, with the part of ``pathlib.Path`` the file tests use."""

    client: Any
    bucket: str
    key: str = ""

    def __truediv__(self, name: str) -> S3Box:
        return S3Box(self.client, self.bucket, f"{self.key}/{name}".strip("/"))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def name(self) -> str:
        return self.key.rpartition("/")[2]

    @property
    def parent(self) -> S3Box:
        return S3Box(self.client, self.bucket, self.key.rpartition("/")[0])

    def relative_to(self, other: S3Box) -> str:
        return self.key[len(other.key) :].lstrip("/")

    def _keys(self, prefix: str) -> Iterator[dict[str, Any]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Contents") or []

    def _head(self) -> dict[str, Any] | None:
        if not self.key:
            return None
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key)
        except self.client.exceptions.ClientError:
            return None

    def is_file(self) -> bool:
        return self._head() is not None

    def is_dir(self) -> bool:
        if not self.key:
            return True
        return next(self._keys(self.key + "/"), None) is not None

    def exists(self) -> bool:
        return self.is_file() or self.is_dir()

    def read_bytes(self) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(str(self)) from None

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def write_bytes(self, data: bytes) -> int:
        self.client.put_object(Bucket=self.bucket, Key=self.key, Body=data)
        return len(data)

    def write_text(self, text: str) -> int:
        return self.write_bytes(text.encode("utf-8"))

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        if self.key:
            self.client.put_object(Bucket=self.bucket, Key=self.key + "/", Body=b"")

    def rmtree(self) -> None:
        keys = [{"Key": item["Key"]} for item in self._keys(f"{self.key}/")]
        if keys:
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})

    def stat(self) -> Stat:
        head = self._head()
        if head is None:
            raise FileNotFoundError(str(self))
        return Stat(head["ContentLength"], head["LastModified"].timestamp())

    def _all(self) -> list[S3Box]:
        """Every file and folder under this folder (folders from markers and key prefixes)."""
        prefix = f"{self.key}/" if self.key else ""
        found: set[str] = set()
        for item in self._keys(prefix):
            parts = item["Key"][len(prefix) :].split("/")
            for depth in range(1, len(parts) + 1):
                if parts[depth - 1]:
                    found.add("/".join(parts[:depth]))
        return [self / name for name in sorted(found)]

    def iterdir(self) -> Iterator[S3Box]:
        return iter([b for b in self._all() if "/" not in b.relative_to(self)])

    def rglob(self, pattern: str) -> Iterator[S3Box]:
        import fnmatch

        return iter([b for b in self._all() if fnmatch.fnmatch(b.name, pattern)])

"""A real S3 server for the file tests (moto's standalone server), and a bucket seen as a Path.

``moto_endpoint`` starts ``ThreadedMotoServer`` once per test process on a free
loopback port; it speaks S3's HTTP API, so the service under test talks to it
exactly as it would to AWS or MinIO. ``S3Box`` is an ``objectbox.ObjectBox``
reading and writing the bucket directly with boto3.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.services.files.objectbox import ObjectBox, Stat

MISSING = "moto[server] and boto3 are needed for the S3 file tests (requirements-dev.txt)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
class S3Box(ObjectBox):
    """A path in a bucket."""

    client: Any
    bucket: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def _names(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents") or []:
                yield item["Key"]

    def _stat(self) -> Stat | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key)
        except self.client.exceptions.ClientError:
            return None
        return Stat(head["ContentLength"], head["LastModified"].timestamp())

    def _get(self) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return None

    def _put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def _delete(self, keys: list[str]) -> None:
        objects = [{"Key": key} for key in keys]
        self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects})

    def pending(self) -> list[str]:
        """Multipart uploads never completed nor aborted."""
        uploads = self.client.list_multipart_uploads(Bucket=self.bucket).get("Uploads") or []
        return [f"upload:{u['Key']}" for u in uploads]

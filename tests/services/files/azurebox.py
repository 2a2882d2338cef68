"""A real Azure Blob server for the file tests (Azurite, Microsoft's emulator), and a
container seen as a Path.

``azurite_endpoint`` starts ``azurite-blob`` (the npm package in tests/azurite,
installed by scripts/test) once per test process on a free loopback port, with
its data in a temporary folder; it speaks Azure's blob REST API and signs with
the emulator's well-known development account, so the service under test talks
to it as to Azure. ``AzureBox`` is an ``objectbox.ObjectBox`` reading and
writing a container directly with azure-storage-blob.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.services.files.objectbox import ObjectBox, Stat
from tests.services.files.s3box import free_port, wait_for_port

ACCOUNT = "devstoreaccount1"
"""Azurite's development account."""

KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
"""Its key, the same in every Azurite (published by Microsoft, not a secret)."""

AZURITE = Path(__file__).parents[2] / "azurite" / "node_modules" / ".bin" / "azurite-blob"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


class Azurite:
    """An ``azurite-blob`` process on a free loopback port, its data in a temporary folder."""

    def __init__(self) -> None:
        try:
            import azure.storage.blob  # noqa: F401
        except ImportError:
            _missing("azure-storage-blob is needed for the Azure file tests (requirements.txt)")
        if shutil.which("node") is None or not AZURITE.exists():
            _missing(f"Azurite is not installed: npm ci --prefix {AZURITE.parents[2]}")
        self.folder = tempfile.mkdtemp(prefix="azurite-")
        self.port = free_port()
        self.log = open(os.path.join(self.folder, "azurite.log"), "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
             "--location", self.folder, "--silent", "--skipApiVersionCheck", "--loose"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(self.port)
        except AssertionError:
            self.stop()
            raise
        self.endpoint = f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    def stop(self) -> None:
        self.process.terminate()
        try:  # it waits for its clients' idle connections to close: not for long
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def blob_service(endpoint: str, **options):
    """A client of Azurite's account (``options`` as azure-core takes them: hooks...)."""
    from azure.storage.blob import BlobServiceClient

    key = {"account_name": ACCOUNT, "account_key": KEY}
    return BlobServiceClient(endpoint, credential=key, **options)


def connection_string(endpoint: str) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"BlobEndpoint={endpoint};"
    )


@dataclass(frozen=True)
class AzureBox(ObjectBox):
    """A path in a blob container."""

    client: Any
    """A ``ContainerClient``."""

    def __str__(self) -> str:
        return f"azure://{self.client.container_name}/{self.key}"

    @property
    def container(self) -> str:
        return self.client.container_name

    def _names(self, prefix: str) -> Iterator[str]:
        for blob in self.client.list_blobs(name_starts_with=prefix or None):
            yield blob.name

    def _stat(self) -> Stat | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            props = self.client.get_blob_client(self.key).get_blob_properties()
        except ResourceNotFoundError:
            return None
        return Stat(props.size, props.last_modified.timestamp())

    def _get(self) -> bytes | None:
        from azure.core.exceptions import ResourceNotFoundError

        try:
            return self.client.get_blob_client(self.key).download_blob().readall()
        except ResourceNotFoundError:
            return None

    def _put(self, key: str, data: bytes) -> None:
        self.client.get_blob_client(key).upload_blob(data, overwrite=True)

    def _delete(self, keys: list[str]) -> None:
        for key in keys:
            self.client.delete_blob(key)

    def pending(self) -> list[str]:
        """Names that only staged blocks hold (uploads to a new name left unfinished)."""
        names = {blob.name for blob in self.client.list_blobs()}
        staged = self.client.list_blobs(include=["uncommittedblobs"])
        return [f"blocks:{blob.name}" for blob in staged if blob.name not in names]

"""``BlobStorage``: a container of Azure Blob Storage (or Azurite) as an ``objects.ObjectStorage``.

Files, folders (name prefixes, ``folder/`` marker blobs, as DreamFactory's
Azure service makes them), listings, copies and zips work as for every object
store (``objects``); this module talks to Azure through a ``ContainerClient``.

Writes stream: a file up to one block (``BLOCK_SIZE``) is one ``Put Blob``;
larger ones are staged as blocks (``Put Block``, one block and a chunk at most
in memory at a time) and committed together at the end (``Put Block List``),
so the blob under the final name is the old one or the whole new one, never a
part. Staged blocks are not a blob: nothing lists or reads them. Azure has no
call to drop them, so a failed upload to a new name commits an empty block
list there (only while no blob has that name), which drops them, then deletes
that empty blob (only while it is that one); beside an existing blob they stay
out of sight until its next write, or a week. A read is a ranged
download from the requested offset, its blocks fetched one at a time, all
pinned to the ETag seen when the file was opened. Listings go by ``List Blobs``
pages of ``LIST_PAGE`` names; one level of a folder asks with delimiter ``/``
(``walk_blobs``: its subfolders come as ``BlobPrefix``). Copies are Azure's
``Copy Blob`` (on the server); deletes go by batches.

Every azure-core failure becomes a client error through ``remote_errors``.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from app.services.files.objects import ObjectStorage, seconds
from app.services.files.storage import Stat
from app.services.files.upload import Options, limited_chunks
from app.vocabulary.errors import BadGateway, GatewayTimeout

BLOCK_SIZE = 4 * 1024 * 1024
"""Bytes per staged block of an upload, and per ranged GET of a download (Azure has no
minimum, and allows 50,000 blocks a blob: 195 GiB at this size)."""

DELETE_BATCH = 256
"""Blobs per batch delete (Azure's limit)."""

LIST_PAGE = 5000
"""Blobs (and prefixes) asked for per ``List Blobs`` call (Azure's most)."""

COPY_WAIT = 600.0
"""Seconds a copy Azure runs in the background may take before it is aborted."""


def _stat(props: Any) -> Stat:
    return Stat(
        size=int(props.size or 0),
        mtime=seconds(props.last_modified),
        etag=str(props.etag or "").strip('"'),
    )


def _code(exc: BaseException) -> str:
    code: Any = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code) or "")


class BlobStream:
    """A download (``StorageStreamDownloader``) read as ``objects.ObjectReader`` reads streams."""

    def __init__(self, downloader: Any) -> None:
        self.downloader = downloader

    def read(self, size: int | None = None) -> bytes:
        return self.downloader.read(size if size is not None else -1)

    def close(self) -> None:
        self.downloader = None


@dataclass(frozen=True)
class BlobStorage(ObjectStorage):
    what: ClassVar[str] = "Azure Blob"
    client_packages: ClassVar[tuple[str, ...]] = ("azure",)

    client: Any
    """A ``ContainerClient`` (thread-safe; its service client is shared by the services
    with the same settings)."""

    @property
    def container(self) -> str:
        return str(self.client.container_name)

    def head(self, key: str) -> Stat | None:
        with self.errors():
            try:
                props = self.client.get_blob_client(key).get_blob_properties()
            except Exception as exc:
                if _code(exc) == "BlobNotFound":
                    return None
                raise
        return _stat(props)

    def keys(self, prefix: str) -> Iterator[tuple[str, Stat]]:
        found = self.client.list_blobs(name_starts_with=prefix or None, results_per_page=LIST_PAGE)
        with self.errors():
            for props in found:
                yield props.name, _stat(props)

    def level(self, prefix: str) -> Iterator[tuple[str, Stat | None]]:
        from azure.storage.blob import BlobPrefix  # noqa: PLC0415 - optional: see azure.available

        found = self.client.walk_blobs(
            name_starts_with=prefix or None, delimiter="/", results_per_page=LIST_PAGE
        )
        with self.errors():
            for item in found:  # a BlobPrefix is itself a listing: never iterated here
                yield item.name, None if isinstance(item, BlobPrefix) else _stat(item)

    def any_under(self, prefix: str) -> bool:
        with self.errors():
            found = self.client.list_blobs(name_starts_with=prefix, results_per_page=1)
            return next(iter(found), None) is not None

    def body(self, key: str, offset: int, etag: str) -> BlobStream:
        from azure.core import MatchConditions  # noqa: PLC0415 - optional: see azure.available

        return BlobStream(
            self.client.get_blob_client(key).download_blob(
                offset=offset,
                etag=f'"{etag}"',
                match_condition=MatchConditions.IfNotModified,
                max_concurrency=1,
            )
        )

    def put(self, key: str, source: Any, options: Options) -> int:
        """Stream ``source`` to blob ``key`` (see the module docstring); its size."""
        blob = self.client.get_blob_client(key)
        upload = secrets.token_hex(8)  # block ids: one length per blob, unique per upload
        size, pending, held, blocks = 0, [], 0, []
        try:
            for data in limited_chunks(source, options.chunk, options.max_size):
                size += len(data)
                pending.append(data)
                held += len(data)
                if held >= BLOCK_SIZE:
                    block = self._stage(blob, f"{upload}-{len(blocks):06d}", b"".join(pending))
                    blocks.append(block)
                    pending, held = [], 0
            rest = b"".join(pending)
            with self.errors():
                if not blocks:
                    blob.upload_blob(rest, overwrite=True)
                    return size
                if rest:
                    blocks.append(self._stage(blob, f"{upload}-{len(blocks):06d}", rest))
                blob.commit_block_list(blocks)
            return size
        except BaseException:
            if blocks:
                self._discard(blob)
            raise

    @staticmethod
    def _discard(blob: Any) -> None:
        """Drop the staged blocks of a name no blob has (see the module docstring)."""
        from azure.core import MatchConditions  # noqa: PLC0415 - optional: see azure.available

        with contextlib.suppress(Exception):
            made = blob.commit_block_list([], if_none_match="*")
            blob.delete_blob(etag=made["etag"], match_condition=MatchConditions.IfNotModified)

    def _stage(self, blob: Any, block: str, data: bytes) -> str:
        with self.errors():
            blob.stage_block(block, data, length=len(data))
        return block

    def copy(self, source: str, target: str) -> None:
        blob = self.client.get_blob_client(target)
        with self.errors():
            copy = blob.start_copy_from_url(self.client.get_blob_client(source).url)
            status, deadline = copy["copy_status"], time.monotonic() + COPY_WAIT
            while status == "pending":  # a large copy Azure finishes in the background
                if time.monotonic() > deadline:
                    blob.abort_copy(copy["copy_id"])
                    raise GatewayTimeout(f"Copying '{source}' took too long; it was stopped.")
                time.sleep(0.5)
                status = blob.get_blob_properties().copy.status
        if status != "success":
            raise BadGateway(f"The Azure Blob storage could not copy '{source}' ({status}).")

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            with self.errors():
                answers = self.client.delete_blobs(
                    *keys[start : start + DELETE_BATCH], raise_on_any_failure=False
                )
                failed = [a for a in answers if a.status_code not in (202, 404)]
            if failed:
                reason = failed[0].headers.get("x-ms-error-code") or failed[0].status_code
                raise BadGateway(f"The Azure Blob storage did not delete every blob ({reason}).")

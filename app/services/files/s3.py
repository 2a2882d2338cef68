"""``S3Storage``: a bucket of S3 (or an S3-compatible server) as an ``objects.ObjectStorage``.

Files, folders (key prefixes, ``folder/`` markers), listings, copies and zips
work as for every object store (``objects``); this module talks to S3.

Writes stream: a file up to one part (``PART_SIZE``) is one ``PutObject``,
larger ones a multipart upload (``s3_parts``: each part sent while the next
is read, two parts of ``PART_SIZE`` and a chunk at most in memory), completed
only at the end and aborted on any failure, so no partial object ever carries
the final name. A read is one ``GetObject`` from the requested offset, read a
chunk at a time, with ``If-Match`` on the ETag seen when the file was opened.
Listings go by ``ListObjectsV2`` pages of ``LIST_PAGE`` keys; one level of a
folder asks with ``Delimiter`` ``/`` (its subfolders come as common prefixes).
Copies are S3's own (multipart on the server for large objects); deletes go by
``DeleteObjects`` batches.

Every botocore failure becomes a client error through ``remote_errors``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from app.services.files.objects import ObjectStorage, seconds
from app.services.files.s3_parts import PartUpload
from app.services.files.storage import Stat
from app.services.files.upload import Options, limited_chunks

PART_SIZE = 8 * 1024 * 1024
"""Bytes per part of a multipart upload (S3 wants at least 5 MiB but for the last)."""

DELETE_BATCH = 1000
"""Keys per ``DeleteObjects`` call (S3's limit)."""

LIST_PAGE = 1000
"""Keys (and common prefixes) asked for per ``ListObjectsV2`` call (S3's most)."""


def _stat(item: dict[str, Any], size_key: str) -> Stat:
    return Stat(
        size=int(item[size_key]),
        mtime=seconds(item.get("LastModified")),
        etag=str(item.get("ETag") or "").strip('"'),
    )


@dataclass(frozen=True)
class S3Storage(ObjectStorage):
    what: ClassVar[str] = "S3"
    client_packages: ClassVar[tuple[str, ...]] = ("botocore", "boto3", "urllib3")

    client: Any
    """A botocore S3 client (thread-safe, shared by the services with the same settings)."""
    bucket: str

    @property
    def container(self) -> str:
        return self.bucket

    def head(self, key: str) -> Stat | None:
        with self.errors():
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=key)
            except Exception as exc:
                status = getattr(exc, "response", {}).get("ResponseMetadata", {})
                if status.get("HTTPStatusCode") == 404:
                    return None
                raise
        return _stat(head, "ContentLength")

    def _pages(self, prefix: str, delimiter: str | None = None) -> Iterator[dict[str, Any]]:
        """The ``ListObjectsV2`` answers listing ``prefix``, one request each."""
        args: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": LIST_PAGE}
        if delimiter:
            args["Delimiter"] = delimiter
        while True:
            with self.errors():
                page = self.client.list_objects_v2(**args)
            yield page
            if not page.get("IsTruncated"):
                return
            args["ContinuationToken"] = page["NextContinuationToken"]

    def keys(self, prefix: str) -> Iterator[tuple[str, Stat]]:
        for page in self._pages(prefix):
            for item in page.get("Contents") or []:
                yield item["Key"], _stat(item, "Size")

    def level(self, prefix: str) -> Iterator[tuple[str, Stat | None]]:
        for page in self._pages(prefix, "/"):
            for item in page.get("Contents") or []:
                yield item["Key"], _stat(item, "Size")
            for common in page.get("CommonPrefixes") or []:
                yield common["Prefix"], None

    def any_under(self, prefix: str) -> bool:
        with self.errors():
            page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=1)
        return bool(page.get("KeyCount"))

    def body(self, key: str, offset: int, etag: str) -> Any:
        return self.client.get_object(
            Bucket=self.bucket, Key=key, Range=f"bytes={offset}-", IfMatch=f'"{etag}"'
        )["Body"]

    def put(self, key: str, source: Any, options: Options) -> int:
        """Stream ``source`` to object ``key`` (see the module docstring); its size."""
        size, buffer = 0, bytearray()
        upload: PartUpload | None = None
        try:
            for data in limited_chunks(source, options.chunk, options.max_size):
                size += len(data)
                buffer += data  # appended in place: no joined copy of the part
                if len(buffer) >= PART_SIZE:  # parts may differ in size: S3 wants 5 MiB at least
                    upload = upload or PartUpload(self, key)
                    upload.send(buffer)
                    buffer = bytearray()
            if upload is None:
                with self.errors():
                    self.client.put_object(Bucket=self.bucket, Key=key, Body=buffer)
                return size
            if buffer:
                upload.send(buffer)
            upload.complete()
            return size
        except BaseException:
            if upload is not None:
                upload.abort()
            raise

    def copy(self, source: str, target: str) -> None:
        with self.errors():
            self.client.copy(
                {"Bucket": self.bucket, "Key": source}, self.bucket, target
            )  # managed: multipart copies on the server for large objects

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start : start + DELETE_BATCH]]
            with self.errors():
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )

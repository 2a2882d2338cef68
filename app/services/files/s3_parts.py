"""``PartUpload``: one S3 multipart upload whose parts go out while the next one is read.

An upload through the API has two hops, the client's body into this worker and
each part from here to S3. Sent in turn, the client waits while a part goes to
S3 and S3 waits while the next part arrives, so the transfer runs at about the
harmonic mean of the two speeds. Here each part is sent on a thread of the
upload's own while the request's thread reads the next, so the two hops overlap;
one part is in flight at a time (S3 gets them in order, and memory holds two
parts at most: the one being sent and the one being filled).

A part that fails stops the upload at the next ``send`` or at ``complete`` (the
error already a client error, ``S3Storage.errors``); ``abort`` waits for the
part in flight before aborting, so no part lands after the upload is gone.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.services.files.s3 import S3Storage


class PartUpload:
    """A started multipart upload of ``key``: ``send`` its parts in order, then ``complete``."""

    def __init__(self, storage: S3Storage, key: str) -> None:
        self.storage, self.key = storage, key
        with storage.errors():
            created = storage.client.create_multipart_upload(Bucket=storage.bucket, Key=key)
        self.upload_id: str = created["UploadId"]
        self.parts: list[dict[str, Any]] = []
        self.sent = 0
        self.in_flight: Future | None = None
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="s3-part")

    def send(self, data: bytearray) -> None:
        """Send ``data`` as the next part once the previous one is done (returns at once)."""
        self._wait()
        self.sent += 1
        self.in_flight = self.sender.submit(self._upload_part, self.sent, data)

    def complete(self) -> None:
        """Wait for the last part and publish the object under its key."""
        self._wait()
        self.sender.shutdown()
        storage = self.storage
        with storage.errors():
            storage.client.complete_multipart_upload(
                Bucket=storage.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )

    def abort(self) -> None:
        """Drop the upload and its parts (after the part in flight); errors are ignored."""
        with contextlib.suppress(Exception):
            self._wait()
        self.sender.shutdown()
        storage = self.storage
        with contextlib.suppress(Exception):
            storage.client.abort_multipart_upload(
                Bucket=storage.bucket, Key=self.key, UploadId=self.upload_id
            )

    def _wait(self) -> None:
        if self.in_flight is not None:
            done, self.in_flight = self.in_flight, None
            self.parts.append(done.result())

    def _upload_part(self, number: int, data: bytearray) -> dict[str, Any]:
        storage = self.storage
        with storage.errors():
            done = storage.client.upload_part(
                Bucket=storage.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=data,
            )
        return {"ETag": done["ETag"], "PartNumber": number}

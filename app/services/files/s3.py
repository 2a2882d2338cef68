"""``S3Storage``: a bucket of S3 (or an S3-compatible server) as a ``storage.Storage``.

A file is the object of its container path; a folder is a key prefix, made
visible while empty by a zero-byte marker object named ``folder/`` (as
DreamFactory's S3 service makes them). S3 has no links, so no path leaves the
container once ``paths.clean`` has accepted it.

Writes stream: a file up to one part (``PART_SIZE``) is one ``PutObject``,
larger ones a multipart upload of one part (``PART_SIZE`` and a chunk at most)
in memory at a time, completed only at the end and aborted on any failure, so
no partial object ever carries the final name. A download is one ``GetObject``
from the requested offset, read a chunk at a time, pinned to the ETag seen when
it was opened (a file replaced meanwhile fails the transfer instead of mixing
two versions). A zip is first spooled to a temporary file of this server
(``zipfile`` needs to seek), its entries checked like local ones
(``archive.check``), uploaded under a scratch prefix in the target folder and
only then copied into place (server side).

Every botocore failure becomes a client error through ``remote_errors``.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import secrets
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.services.files import archive
from app.services.files.listing import file_entry, http_time
from app.services.files.paths import TMP_PREFIX, folder_path, join, parent_of, within
from app.services.files.remote_errors import remote_error
from app.services.files.storage import Opened, Stat, ZipEntry
from app.services.files.upload import Options, limited_chunks
from app.vocabulary.errors import ApiError, BadRequest, NotFound

logger = logging.getLogger(__name__)

PART_SIZE = 8 * 1024 * 1024
"""Bytes per part of a multipart upload (S3 wants at least 5 MiB but for the last)."""

DELETE_BATCH = 1000
"""Keys per ``DeleteObjects`` call (S3's limit)."""


def _hidden(key: str, prefix: str) -> bool:
    return any(part.startswith(TMP_PREFIX) for part in key[len(prefix) :].split("/"))


def _seconds(when: Any) -> float:
    return when.timestamp() if isinstance(when, datetime.datetime) else time.time()


class ObjectReader:
    """A readable, seekable view of one object version: a ranged ``GetObject`` on first read."""

    def __init__(self, storage: S3Storage, key: str, stat: Stat) -> None:
        self.storage, self.key, self.stat = storage, key, stat
        self.position = 0
        self.body: Any = None

    def seek(self, offset: int, whence: int = 0) -> int:
        self._drop()
        self.position = offset if whence == 0 else self.position + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        if self.position >= self.stat.size:
            return b""
        if self.body is None:
            with self.storage.errors():
                self.body = self.storage.client.get_object(
                    Bucket=self.storage.bucket,
                    Key=self.key,
                    Range=f"bytes={self.position}-",
                    IfMatch=f'"{self.stat.etag}"',
                )["Body"]
        with self.storage.errors():
            data = self.body.read(size if size and size > 0 else None)
        self.position += len(data)
        return data

    def _drop(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._drop()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


@dataclass(frozen=True)
class S3Storage:
    client: Any
    """A botocore S3 client (thread-safe, shared by the services with the same settings)."""
    bucket: str

    def with_reach(self, reach: Any) -> S3Storage:
        return self  # no links: the path the pipeline authorized is the one used

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except ApiError:
            raise
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in ("botocore", "boto3", "urllib3"):
                raise
            raise remote_error(exc, "S3", self.bucket) from None

    # -- reading ----------------------------------------------------------------------------

    def _head(self, key: str) -> dict[str, Any] | None:
        with self.errors():
            try:
                return self.client.head_object(Bucket=self.bucket, Key=key)
            except Exception as exc:
                status = getattr(exc, "response", {}).get("ResponseMetadata", {})
                if status.get("HTTPStatusCode") == 404:
                    return None
                raise

    def _keys(self, prefix: str, delimiter: str = "") -> Iterator[dict[str, Any]]:
        """Objects under ``prefix`` (and ``{"Prefix": ...}`` for common prefixes), in key order."""
        token = None
        while True:
            args: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
            if delimiter:
                args["Delimiter"] = delimiter
            if token:
                args["ContinuationToken"] = token
            with self.errors():
                page = self.client.list_objects_v2(**args)
            yield from page.get("Contents") or []
            yield from page.get("CommonPrefixes") or []
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]

    def _any_under(self, prefix: str) -> bool:
        with self.errors():
            page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=1)
        return bool(page.get("KeyCount"))

    def ensure(self) -> None:
        pass

    def kind(self, path: str) -> str | None:
        if not path:
            return "folder"
        if self._head(path) is not None:
            return "file"
        return "folder" if self._any_under(f"{path}/") else None

    def entry_kind(self, path: str) -> str | None:
        return self.kind(path)

    def resolve(self, path: str) -> str:
        return path

    def folder_mtime(self, path: str) -> float:
        marker = self._head(folder_path(path)) if path else None
        return _seconds(marker["LastModified"]) if marker else time.time()

    def stat(self, path: str) -> Stat | None:
        head = self._head(path) if path else None
        if head is None:
            return None
        return Stat(
            size=int(head["ContentLength"]),
            mtime=_seconds(head.get("LastModified")),
            etag=str(head.get("ETag") or "").strip('"'),
        )

    def _tree(self, path: str) -> tuple[dict[str, dict], dict[str, float]]:
        """Every visible key under folder ``path`` as nested dicts (a file maps to its
        object), and the modification time of each folder's marker."""
        prefix = folder_path(path)
        root: dict[str, dict] = {}
        marks: dict[str, float] = {}
        for item in self._keys(prefix):
            key = item["Key"]
            if _hidden(key, prefix) or key == prefix:
                continue
            parts = key[len(prefix) :].split("/")
            node = root
            for part in parts[:-1]:
                node = node.setdefault(part + "/", {})
            if parts[-1]:
                node[parts[-1]] = item
            else:
                marks[key] = _seconds(item.get("LastModified"))
        return root, marks

    def children(self, path: str, full_tree: bool) -> list[dict[str, Any]]:
        root, marks = self._tree(path)
        out: list[dict[str, Any]] = []

        def walk(node: dict[str, Any], prefix: str) -> None:
            for name in sorted(node, key=lambda n: n.rstrip("/")):
                child = f"{prefix}{name}"
                if name.endswith("/"):
                    mtime = marks.get(child, time.time())
                    out.append({"path": child, "last_modified": http_time(mtime)})
                    if full_tree:
                        walk(node[name], child)
                else:
                    item = node[name]
                    out.append(file_entry(child, item["Size"], _seconds(item["LastModified"])))

        walk(root, folder_path(path))
        return out

    def open(self, path: str) -> Opened:
        stat = self.stat(path)
        if stat is None:
            raise NotFound(f"The specified file '{path}' was not found in storage.")
        return Opened(ObjectReader(self, path, stat), stat)  # type: ignore[arg-type]

    def zip_entries(self, path: str) -> Iterator[ZipEntry]:
        root, _ = self._tree(path)

        def walk(node: dict[str, Any], prefix: str) -> Iterator[ZipEntry]:
            if not node and prefix:
                yield prefix, None
            for name in sorted(node, key=lambda n: n.rstrip("/")):
                child = f"{prefix}{name}"
                if name.endswith("/"):
                    yield from walk(node[name], child)
                else:
                    yield child, lambda child=child: self.open(child)

        yield from walk(root, folder_path(path))

    # -- writing ----------------------------------------------------------------------------

    def require_folder(self, path: str, message: str | None = None) -> None:
        if self.kind(path) != "folder":
            raise NotFound(message or f"Folder '{path}' does not exist.")

    def prepare_target(self, path: str, check_exist: bool) -> None:
        parent = parent_of(path)
        self.require_folder(parent, f"Folder '{parent}' does not exist.")
        found = self.kind(path)
        if found == "folder":
            raise BadRequest(f"'{path}' is a folder; a file cannot replace it.")
        if found and check_exist:
            raise BadRequest(f"File '{path}' already exists.")

    def write_file(self, path: str, source: Any, options: Options) -> None:
        self.prepare_target(path, options.check_exist)
        self.put(path, source, options)

    def put(self, key: str, source: Any, options: Options) -> int:
        """Stream ``source`` to object ``key`` (see the module docstring); its size."""
        size, pending, held, parts, upload = 0, [], 0, [], None
        try:
            for data in limited_chunks(source, options.chunk, options.max_size):
                size += len(data)
                pending.append(data)
                held += len(data)
                if held >= PART_SIZE:  # parts may differ in size: S3 wants 5 MiB at least
                    if upload is None:
                        with self.errors():
                            created = self.client.create_multipart_upload(
                                Bucket=self.bucket, Key=key
                            )
                        upload = created["UploadId"]
                    part = b"".join(pending)
                    pending, held = [], 0
                    parts.append(self._part(key, upload, len(parts) + 1, part))
                    del part
            rest = b"".join(pending)
            with self.errors():
                if upload is None:
                    self.client.put_object(Bucket=self.bucket, Key=key, Body=rest)
                    return size
                if rest:
                    parts.append(self._part(key, upload, len(parts) + 1, rest))
                self.client.complete_multipart_upload(
                    Bucket=self.bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
                )
            return size
        except BaseException:
            if upload is not None:
                with contextlib.suppress(Exception):
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload)
            raise

    def _part(self, key: str, upload: str, number: int, data: bytes) -> dict[str, Any]:
        with self.errors():
            done = self.client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload, PartNumber=number, Body=data
            )
        return {"ETag": done["ETag"], "PartNumber": number}

    def _mark(self, path: str) -> None:
        with self.errors():
            self.client.put_object(Bucket=self.bucket, Key=folder_path(path), Body=b"")

    def create_folder(self, path: str, check_exist: bool) -> None:
        found = self.kind(path)
        if found == "folder":
            if check_exist:
                raise BadRequest(f"Folder '{folder_path(path)}' already exists.")
            return
        if found == "file":
            raise BadRequest(f"'{path}' is a file; a folder cannot replace it.")
        above = parent_of(path)
        while above:
            if self._head(above) is not None:
                raise BadRequest("A file and a folder were mistaken for each other in the path.")
            above = parent_of(above)
        self._mark(path)

    def _copy(self, source: str, target: str) -> None:
        with self.errors():
            self.client.copy(
                {"Bucket": self.bucket, "Key": source}, self.bucket, target
            )  # managed: multipart copies on the server for large objects

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start : start + DELETE_BATCH]]
            with self.errors():
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )

    def copy_file(self, source: str, target: str, move: bool, options: Options) -> None:
        if self.stat(source) is None:
            raise NotFound(f"File '{source}' does not exist.")
        self.prepare_target(target, check_exist=True)
        self._copy(source, target)
        if move:
            self._delete_keys([source])

    def copy_folder(self, source: str, target: str, move: bool) -> None:
        if self.kind(source) != "folder":
            raise NotFound(f"Folder '{source}' does not exist.")
        if within(target, source):
            raise BadRequest(f"Folder '{source}/' cannot be copied into itself.")
        parent = parent_of(target)
        self.require_folder(parent, f"Folder '{parent}' does not exist.")
        if self.kind(target) is not None:
            raise BadRequest(f"Folder '{folder_path(target)}' already exists.")
        prefix = folder_path(source)
        keys = [i["Key"] for i in self._keys(prefix) if not _hidden(i["Key"], prefix)]
        done: list[str] = []
        try:
            for key in keys or [prefix]:
                copied = folder_path(target) + key[len(prefix) :]
                if key == prefix and not keys:
                    self._mark(target)
                else:
                    self._copy(key, copied)
                done.append(copied)
        except BaseException:
            with contextlib.suppress(Exception):
                self._delete_keys(done)
            raise
        if move:
            self._delete_keys(keys)

    def delete_file(self, path: str) -> None:
        found = self.kind(path)
        if found is None:
            raise NotFound(f"File '{path}' does not exist in storage.")
        if found == "folder":
            raise BadRequest(f"'{path}' is a folder; delete it as '{path}/'.")
        self._delete_keys([path])

    def delete_folder(self, path: str, force: bool, content_only: bool) -> None:
        if self.kind(path) != "folder":
            raise NotFound(f"Folder '{folder_path(path)}' does not exist in storage.")
        prefix = folder_path(path)
        keys = [i["Key"] for i in self._keys(prefix)]
        if not force and any(k != prefix and not _hidden(k, prefix) for k in keys):
            raise BadRequest("Directory not empty, can not delete without force option.")
        if content_only and path:
            keys = [k for k in keys if k != prefix]
        self._delete_keys(keys)
        if content_only and path:
            self._mark(path)

    # -- unpacking --------------------------------------------------------------------------

    def unpack(self, folder: str, source: Any, options: Options) -> None:
        with tempfile.TemporaryFile() as spool:
            for data in limited_chunks(source, options.chunk, options.max_size):
                spool.write(data)
            spool.seek(0)
            try:
                zipped = zipfile.ZipFile(spool)
            except (zipfile.BadZipFile, OSError, ValueError):
                raise BadRequest("The uploaded file is not a valid zip archive.") from None
            with zipped:
                entries = archive.check(zipped, options.max_size)
                self._unpack_checked(folder, zipped, entries, options)

    def _unpack_checked(self, folder: str, zipped: zipfile.ZipFile, entries, options) -> None:
        above = folder
        while above:
            if self._head(above) is not None:
                raise BadRequest(f"'{above}' is a file; a zip cannot be unpacked into it.")
            above = parent_of(above)
        files = {"/".join(parts): info for info, parts in entries if not info.is_dir()}
        folders = {"/".join(parts) for info, parts in entries if info.is_dir()}
        folders |= {parent_of(name) for name in files} - {""}
        for name in list(folders):
            while name := parent_of(name):
                folders.add(name)
        clash = set(files) & folders
        if clash:
            name = sorted(clash)[0]
            raise BadRequest(f"The zip archive holds '{name}' as a file and a folder.")
        if not options.clean:
            self._refuse_conflicts(folder, files, folders)
        staging = join(folder, f"{TMP_PREFIX}zip-{secrets.token_hex(8)}")
        try:
            for name, info in files.items():
                try:
                    with zipped.open(info) as member:
                        self.put(join(staging, name), member, options)
                except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
                    raise BadRequest(f"The zip archive could not be unpacked: {exc}") from None
            if options.clean:
                prefix = folder_path(folder)
                old = [i["Key"] for i in self._keys(prefix)]
                self._delete_keys([k for k in old if not k.startswith(folder_path(staging))])
            for name in files:
                self._copy(join(staging, name), join(folder, name))
            for name in sorted(folders):
                self._mark(join(folder, name))
            if folder:
                self._mark(folder)
        finally:
            with contextlib.suppress(Exception):
                self._delete_keys([i["Key"] for i in self._keys(folder_path(staging))])

    def _refuse_conflicts(self, folder: str, files: dict, folders: set[str]) -> None:
        """400 when a file of the zip would replace a folder, or a folder a file."""
        root, _ = self._tree(folder)

        def existing(name: str) -> str | None:
            node: Any = root
            parts = name.split("/")
            for part in parts[:-1]:
                node = node.get(part + "/")
                if node is None:
                    return None
            last = parts[-1]
            if last + "/" in node:
                return "folder"
            return "file" if last in node else None

        for name in files:
            if existing(name) == "folder":
                shown = join(folder, name)
                raise BadRequest(
                    f"Cannot unpack the zip: '{shown}' would change between file and folder."
                )
        for name in folders:
            if existing(name) == "file":
                shown = join(folder, name)
                raise BadRequest(
                    f"Cannot unpack the zip: '{shown}' would change between file and folder."
                )

"""``ObjectStorage``: a ``storage.Storage`` over an object store (S3 buckets, Azure containers).

An object store has no folders and no links, only objects named by keys, so
every such backend keeps files the same way, and this module does it once: a
file is the object of its container path; a folder is a key prefix, made
visible while empty by a zero-byte marker object named ``folder/`` (as
DreamFactory's S3 and Azure services make them). No path leaves the container
once ``paths.clean`` has accepted it.

A backend (``s3.S3Storage``, ``blob.BlobStorage``) only talks to its store:
``head``, ``keys``, ``level`` and ``any_under`` to read what is there, ``body``
for a ranged read pinned to one version, ``put`` to stream an object all or
nothing (nothing shows under the key until the whole of it is stored), ``copy``
on the server, ``delete_keys`` and ``errors`` to map its client's failures
(``remote_errors``).

Built on those here: a folder check is one listing request (``any_under``: the
folder's marker or any key under it); a listing of one level asks the store for
that level alone (``level``, a listing with delimiter ``/``), so its requests
grow with the folder's own entries, not with the tree below it; ``full_tree``
listings, zips, copies and deletions list every key under the folder (scratch
names hidden). Reads through ``ObjectReader`` (a transfer fails rather than mix two versions
of a file replaced meanwhile), copies and moves of folders key by key (a
failed folder copy removes what it copied), and zips: spooled to a temporary
file of this server (``zipfile`` needs to seek), their entries checked like
local ones (``archive.check``), uploaded under a scratch prefix in the target
folder and only then copied into place.
"""

from __future__ import annotations

import contextlib
import datetime
import secrets
import tempfile
import time
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO, ClassVar

from app.services.files import archive
from app.services.files.listing import file_entry, http_time
from app.services.files.paths import TMP_PREFIX, folder_path, join, parent_of, within
from app.services.files.remote_errors import remote_error
from app.services.files.storage import OffsetReader, Opened, Stat, ZipEntry
from app.services.files.upload import Options, limited_chunks
from app.vocabulary.errors import ApiError, BadRequest, NotFound


def hidden(key: str, prefix: str) -> bool:
    """Whether ``key`` (under ``prefix``) is or lies in one of the service's scratch names."""
    return any(part.startswith(TMP_PREFIX) for part in key[len(prefix) :].split("/"))


def seconds(when: Any) -> float:
    """A client's modification time (a ``datetime``) in seconds; now when it has none."""
    return when.timestamp() if isinstance(when, datetime.datetime) else time.time()


class ObjectReader(OffsetReader):
    """One object version read from any offset: a ranged read (``body``) pinned to its ETag;
    every failure of the store becomes the client's error."""

    def __init__(self, storage: ObjectStorage, key: str, stat: Stat) -> None:
        super().__init__(stat)
        self.storage, self.key = storage, key

    def open_at(self, position: int) -> Any:
        return self.storage.body(self.key, position, self.stat.etag)

    def read(self, size: int = -1) -> bytes:
        with self.storage.errors():
            return super().read(size)


class ObjectStorage:
    """Files and folders of one container of an object store (see the module docstring)."""

    what: ClassVar[str]
    """How messages name the store (``S3``)."""
    client_packages: ClassVar[tuple[str, ...]]
    """Top-level packages whose exceptions are the store's failures."""

    # -- what a backend provides ------------------------------------------------------------

    @property
    def container(self) -> str:
        """The container's name, for messages."""
        raise NotImplementedError

    def head(self, key: str) -> Stat | None:
        """The object ``key``, or None when there is none."""
        raise NotImplementedError

    def keys(self, prefix: str) -> Iterator[tuple[str, Stat]]:
        """Every object under ``prefix``, in key order."""
        raise NotImplementedError

    def level(self, prefix: str) -> Iterator[tuple[str, Stat | None]]:
        """One level under ``prefix``, as a listing with delimiter ``/`` gives it: each object
        with no ``/`` after ``prefix`` and its ``Stat``, and each deeper name cut after its
        next ``/`` (a sub-prefix, once) with None; in any order."""
        raise NotImplementedError

    def any_under(self, prefix: str) -> bool:
        """Whether any object's key starts with ``prefix``, in one request."""
        raise NotImplementedError

    def body(self, key: str, offset: int, etag: str) -> Any:
        """Object ``key`` from ``offset`` to its end as a stream (``read(size)``, ``close``);
        fails when its ETag is no longer ``etag``."""
        raise NotImplementedError

    def put(self, key: str, source: Any, options: Options) -> int:
        """Stream ``source`` to object ``key``, all or nothing; its size."""
        raise NotImplementedError

    def copy(self, source: str, target: str) -> None:
        """Copy object ``source`` to ``target`` on the server."""
        raise NotImplementedError

    def delete_keys(self, keys: list[str]) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """The client's failures inside as the client's errors (``remote_errors``)."""
        try:
            yield
        except ApiError:
            raise
        except Exception as exc:
            if type(exc).__module__.split(".")[0] not in self.client_packages:
                raise
            raise remote_error(exc, self.what, self.container) from None

    # -- reading ----------------------------------------------------------------------------

    def with_reach(self, reach: Any) -> ObjectStorage:
        return self  # no links: the path the pipeline authorized is the one used

    def ensure(self) -> None:
        pass

    def is_folder(self, path: str) -> bool:
        """Whether folder ``path`` exists: its marker or any key under it, one request."""
        return not path or self.any_under(folder_path(path))

    def kind(self, path: str) -> str | None:
        if not path:
            return "folder"
        if self.head(path) is not None:
            return "file"
        return "folder" if self.is_folder(path) else None

    def entry_kind(self, path: str) -> str | None:
        return self.kind(path)

    def resolve(self, path: str) -> str:
        return path

    def folder_mtime(self, path: str) -> float:
        marker = self.head(folder_path(path)) if path else None
        return marker.mtime if marker else time.time()

    def stat(self, path: str) -> Stat | None:
        return self.head(path) if path else None

    def _tree(self, path: str) -> tuple[dict[str, Any], dict[str, float]]:
        """Every visible key under folder ``path`` as nested dicts (a file maps to its
        ``Stat``), and the modification time of each folder's marker."""
        prefix = folder_path(path)
        root: dict[str, Any] = {}
        marks: dict[str, float] = {}
        for key, found in self.keys(prefix):
            if hidden(key, prefix) or key == prefix:
                continue
            parts = key[len(prefix) :].split("/")
            node = root
            for part in parts[:-1]:
                node = node.setdefault(part + "/", {})
            if parts[-1]:
                node[parts[-1]] = found
            else:
                marks[key] = found.mtime
        return root, marks

    def children(self, path: str, full_tree: bool) -> list[dict[str, Any]]:
        if not full_tree:
            return self._level_children(path)
        root, marks = self._tree(path)
        out: list[dict[str, Any]] = []

        def walk(node: dict[str, Any], prefix: str) -> None:
            for name in sorted(node, key=lambda n: n.rstrip("/")):
                child = f"{prefix}{name}"
                if name.endswith("/"):
                    mtime = marks.get(child, time.time())
                    out.append({"path": child, "last_modified": http_time(mtime)})
                    walk(node[name], child)
                else:
                    out.append(file_entry(child, node[name].size, node[name].mtime))

        walk(root, folder_path(path))
        return out

    def _level_children(self, path: str) -> list[dict[str, Any]]:
        """The files and folders right under folder ``path`` (``level``).

        A sub-prefix carries no time, and a HEAD of each folder's marker would cost a
        request per folder, so a subfolder's ``last_modified`` is the listing's (as a
        folder without a marker has in a ``full_tree`` listing).
        """
        prefix = folder_path(path)
        now = http_time(time.time())
        out: list[dict[str, Any]] = []
        for name, found in self.level(prefix):
            if name in (prefix, f"{prefix}/") or hidden(name, prefix):
                continue
            if found is None:
                out.append({"path": name, "last_modified": now})
            else:
                out.append(file_entry(name, found.size, found.mtime))
        return sorted(out, key=lambda entry: entry["path"].rstrip("/"))

    def open(self, path: str) -> Opened:
        stat = self.stat(path)
        if stat is None:
            raise NotFound(f"The specified file '{path}' was not found in storage.")
        reader: BinaryIO = ObjectReader(self, path, stat)  # type: ignore[assignment]
        return Opened(reader, stat)

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
        if not self.is_folder(path):
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

    def mark(self, path: str) -> None:
        """Make folder ``path`` visible while empty: its zero-byte marker ``path/``."""
        self.put(folder_path(path), b"", Options())

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
            if self.head(above) is not None:
                raise BadRequest("A file and a folder were mistaken for each other in the path.")
            above = parent_of(above)
        self.mark(path)

    def copy_file(self, source: str, target: str, move: bool, options: Options) -> None:
        if self.stat(source) is None:
            raise NotFound(f"File '{source}' does not exist.")
        self.prepare_target(target, check_exist=True)
        self.copy(source, target)
        if move:
            self.delete_keys([source])

    def copy_folder(self, source: str, target: str, move: bool) -> None:
        if not self.is_folder(source):
            raise NotFound(f"Folder '{source}' does not exist.")
        if within(target, source):
            raise BadRequest(f"Folder '{source}/' cannot be copied into itself.")
        parent = parent_of(target)
        self.require_folder(parent, f"Folder '{parent}' does not exist.")
        if self.kind(target) is not None:
            raise BadRequest(f"Folder '{folder_path(target)}' already exists.")
        prefix = folder_path(source)
        keys = [key for key, _ in self.keys(prefix) if not hidden(key, prefix)]
        done: list[str] = []
        try:
            for key in keys or [prefix]:
                copied = folder_path(target) + key[len(prefix) :]
                if key == prefix and not keys:
                    self.mark(target)
                else:
                    self.copy(key, copied)
                done.append(copied)
        except BaseException:
            with contextlib.suppress(Exception):
                self.delete_keys(done)
            raise
        if move:
            self.delete_keys(keys)

    def delete_file(self, path: str) -> None:
        found = self.kind(path)
        if found is None:
            raise NotFound(f"File '{path}' does not exist in storage.")
        if found == "folder":
            raise BadRequest(f"'{path}' is a folder; delete it as '{path}/'.")
        self.delete_keys([path])

    def delete_folder(self, path: str, force: bool, content_only: bool) -> None:
        if not self.is_folder(path):
            raise NotFound(f"Folder '{folder_path(path)}' does not exist in storage.")
        prefix = folder_path(path)
        keys = [key for key, _ in self.keys(prefix)]
        if not force and any(k != prefix and not hidden(k, prefix) for k in keys):
            raise BadRequest("Directory not empty, can not delete without force option.")
        if content_only and path:
            keys = [k for k in keys if k != prefix]
        self.delete_keys(keys)
        if content_only and path:
            self.mark(path)

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
            if self.head(above) is not None:
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
                old = [key for key, _ in self.keys(prefix)]
                self.delete_keys([k for k in old if not k.startswith(folder_path(staging))])
            for name in files:
                self.copy(join(staging, name), join(folder, name))
            for name in sorted(folders):
                self.mark(join(folder, name))
            if folder:
                self.mark(folder)
        finally:
            with contextlib.suppress(Exception):
                self.delete_keys([key for key, _ in self.keys(folder_path(staging))])

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

"""``RemoteTreeStorage``: any remote folder tree (``tree.Tree``: SFTP, FTP, WebDAV) as storage.

The tree's root is the container; container paths are tree paths. Every write
goes to a scratch name (``paths.TMP_PREFIX``) in its target's folder and is
renamed into place only once complete, so no partial file ever carries a final
name: uploads, copies, zip extraction (unpacked into a scratch folder inside
the target, then moved in piece by piece) and deletes (a folder is renamed
aside, then emptied). Scratch names are never listed, zipped nor counted.

Downloads read from the requested offset a chunk at a time; a seek reopens the
file there. The ETag is the server's where it has one, else made of size and
modification time (servers giving whole seconds cannot tell two versions of
the same size written within one second apart).

Symbolic links (SFTP) follow ``local_file``'s rules: a path is resolved on the
server before use, refused (403) when it leads outside the root or, through a
link, somewhere the caller's role does not reach (``files.reach``); listings and
zips show a link as what it points to only under those same conditions, and
never descend into linked folders; deletes and writes act on the link itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from app.services.files import archive
from app.services.files.listing import file_entry, http_time
from app.services.files.paths import (
    TMP_PREFIX,
    Reach,
    base_name,
    beyond_role,
    folder_path,
    join,
    leads_outside,
    parent_of,
    within,
)
from app.services.files.storage import OffsetReader, Opened, Stat, ZipEntry
from app.services.files.tree import Node, Reader, Tree
from app.services.files.upload import Options, chunks_of, limited_chunks
from app.vocabulary.errors import BadRequest, NotFound

COPY_CHUNK = 1024 * 1024
"""Bytes read at a time when a file is copied through this server."""


def _visible(nodes: Iterable[Node]) -> list[Node]:
    """Entries a client may see, sorted by name."""
    return sorted((n for n in nodes if not n.name.startswith(TMP_PREFIX)), key=lambda n: n.name)


def _stat(node: Node) -> Stat:
    etag = node.etag or f"{int(node.mtime * 1000):x}-{node.size:x}"
    return Stat(size=node.size, mtime=node.mtime, etag=etag)


class RemoteReader(OffsetReader):
    """One remote file read from any offset: the tree's reader opened where a read starts."""

    unsized_read = COPY_CHUNK

    def __init__(self, tree: Tree, path: str, stat: Stat) -> None:
        super().__init__(stat)
        self.tree, self.path = tree, path

    def open_at(self, position: int) -> Reader:
        return self.tree.open_read(self.path, position)


@dataclass(frozen=True)
class RemoteTreeStorage:
    tree: Tree
    reach: Reach | None = None
    """The caller whose role must cover where links lead (None: anyone)."""

    def with_reach(self, reach: Reach | None) -> RemoteTreeStorage:
        return dataclasses.replace(self, reach=reach)

    # -- paths ------------------------------------------------------------------------------

    def _require_root(self) -> None:
        node = self.tree.stat("")
        if node is None or node.kind != "folder":
            raise NotFound(f"The {self.tree.what} container '{self.tree.root}' does not exist.")

    def _locate(self, path: str, verb: str | None = None) -> str:
        """The tree path ``path`` leads to through links; 403 outside the root or, through a
        link, where the caller may not ``verb`` (default: the request's verb)."""
        if not path:
            return ""
        try:
            real = self.tree.resolve(path)
        except FileNotFoundError:
            return path  # a folder on the way is missing: nothing there to follow
        if real is None:
            raise leads_outside(path)
        reach = self.reach
        if real != path and reach is not None and not reach.allows(real, verb or reach.verb):
            raise beyond_role(path)
        return real

    def _locate_entry(self, path: str, verb: str | None = None) -> str:
        """``path`` with its folder resolved (and checked), its last name kept as it is."""
        if not path:
            return ""
        return join(self._locate(parent_of(path), verb), base_name(path))

    def _node(self, path: str, verb: str | None = None) -> Node | None:
        """What ``path`` leads to (the root checked to exist)."""
        if not path:
            self._require_root()
        return self.tree.stat(self._locate(path, verb))

    def _follow(self, real: str, shown: str) -> tuple[str, Node] | None:
        """Where link ``real`` (a tree path listed as ``shown``) leads, when it stays inside
        the root and the caller may read there; None otherwise (or when it dangles)."""
        try:
            target = self.tree.resolve(real)
        except FileNotFoundError:
            return None
        if target is None:
            return None
        if target != shown and self.reach is not None and not self.reach.allows(target, "GET"):
            return None
        node = self.tree.stat(target)
        return (target, node) if node is not None else None

    def _scratch(self, folder: str, purpose: str) -> str:
        return join(folder, f"{TMP_PREFIX}{purpose}-{secrets.token_hex(8)}")

    # -- reading ----------------------------------------------------------------------------

    def ensure(self) -> None:
        self._require_root()

    def kind(self, path: str) -> str | None:
        node = self._node(path)
        return node.kind if node is not None and node.kind in ("file", "folder") else None

    def entry_kind(self, path: str) -> str | None:
        if not path:
            return self.kind(path)
        node = self.tree.stat(self._locate_entry(path))
        return node.kind if node is not None and node.kind != "other" else None

    def resolve(self, path: str) -> str:
        return self._locate(path)

    def folder_mtime(self, path: str) -> float:
        node = self._node(path)
        if node is None or node.kind != "folder":
            raise NotFound(f"Folder '{folder_path(path)}' does not exist in storage.")
        return node.mtime

    def stat(self, path: str) -> Stat | None:
        node = self._node(path) if path else None
        return _stat(node) if node is not None and node.kind == "file" else None

    def _entries(self, real: str, shown: str) -> Iterator[tuple[str, str, Node, bool]]:
        """(tree path, container path, node, linked) of the visible entries of folder
        ``real``, links replaced by what they lead to (or left out)."""
        for node in _visible(self.tree.list(real)):
            path, name = join(real, node.name), f"{shown}{node.name}"
            if node.kind == "link":
                followed = self._follow(path, name)
                if followed is None:
                    continue
                path, node = followed
                yield path, name, node, True
            elif node.kind in ("file", "folder"):
                yield path, name, node, False

    def children(self, path: str, full_tree: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []

        def walk(real: str, shown: str) -> None:
            for child, name, node, linked in self._entries(real, shown):
                if node.kind == "folder":
                    out.append({"path": f"{name}/", "last_modified": http_time(node.mtime)})
                    if full_tree and not linked:
                        walk(child, f"{name}/")
                elif node.kind == "file":
                    out.append(file_entry(name, node.size, node.mtime))

        if not path:
            self._require_root()
        walk(self._locate(path), folder_path(path))
        return out

    def open(self, path: str) -> Opened:
        real = self._locate(path)
        node = self.tree.stat(real)
        if node is None or node.kind != "file":
            raise NotFound(f"The specified file '{path}' was not found in storage.")
        stat = _stat(node)
        return Opened(RemoteReader(self.tree, real, stat), stat)  # type: ignore[arg-type]

    def _opener(self, real: str, node: Node) -> Callable[[], Opened]:
        stat = _stat(node)
        return lambda: Opened(RemoteReader(self.tree, real, stat), stat)  # type: ignore[arg-type]

    def zip_entries(self, path: str) -> Iterator[ZipEntry]:
        def walk(real: str, shown: str) -> Iterator[ZipEntry]:
            empty = True
            for child, name, node, linked in self._entries(real, shown):
                if node.kind == "file":
                    empty = False
                    yield name, self._opener(child, node)
                elif not linked:
                    empty = False
                    yield from walk(child, f"{name}/")
            if empty and shown:
                yield shown, None

        if not path:
            self._require_root()
        yield from walk(self._locate(path), folder_path(path))

    def _chunks(self, real: str, chunk: int) -> Iterator[bytes]:
        stream = self.tree.open_read(real, 0)
        try:
            while data := stream.read(chunk):
                yield data
        finally:
            stream.close()

    # -- writing ----------------------------------------------------------------------------

    def require_folder(self, path: str, message: str | None = None) -> None:
        if self.kind(path) != "folder":
            raise NotFound(message or f"Folder '{path}' does not exist.")

    def _target(self, path: str, check_exist: bool) -> str:
        """The tree path to write file ``path`` at (see ``prepare_target``)."""
        parent = parent_of(path)
        self.require_folder(parent, f"Folder '{parent}' does not exist.")
        real = self._locate_entry(path)
        node = self.tree.stat(real)
        if node is not None and node.kind == "link":
            self._locate(path)  # a link may be replaced, unless it leads outside (403)
        if node is not None and node.kind == "folder":
            raise BadRequest(f"'{path}' is a folder; a file cannot replace it.")
        if node is not None and check_exist:
            raise BadRequest(f"File '{path}' already exists.")
        return real

    def prepare_target(self, path: str, check_exist: bool) -> None:
        self._target(path, check_exist)

    def _put(self, real: str, fill: Callable[[str], None]) -> None:
        """Make file ``real`` by ``fill``ing a scratch file beside it, then renaming it."""
        scratch = self._scratch(parent_of(real), "up")
        try:
            fill(scratch)
            self.tree.rename(scratch, real)
        except BaseException:
            with contextlib.suppress(Exception):
                self.tree.remove_file(scratch)
            raise

    def write_file(self, path: str, source: Any, options: Options) -> None:
        real = self._target(path, options.check_exist)
        chunks = limited_chunks(source, options.chunk, options.max_size)
        self._put(real, lambda scratch: self.tree.write(scratch, chunks))

    def create_folder(self, path: str, check_exist: bool) -> None:
        found = self.kind(path)
        if found == "folder":
            if check_exist:
                raise BadRequest(f"Folder '{folder_path(path)}' already exists.")
            return
        if found == "file":
            raise BadRequest(f"'{path}' is a file; a folder cannot replace it.")
        missing, above = [], path
        while above and (found := self.kind(above)) is None:
            missing.append(above)
            above = parent_of(above)
        if above and found != "folder":
            raise BadRequest("A file and a folder were mistaken for each other in the path.")
        for made in reversed(missing):
            self.tree.make_folder(self._locate_entry(made))

    def _copy_into(self, source: str, scratch: str) -> None:
        if not self.tree.copy(source, scratch):
            self.tree.write(scratch, self._chunks(source, COPY_CHUNK))

    def copy_file(self, source: str, target: str, move: bool, options: Options) -> None:
        real_source = self._locate(source, "GET")
        node = self.tree.stat(real_source)
        if node is None or node.kind != "file":
            raise NotFound(f"File '{source}' does not exist.")
        real_target = self._target(target, check_exist=True)
        if move:
            self.tree.rename(self._locate_entry(source, "DELETE"), real_target)
            return
        self._put(real_target, lambda scratch: self._copy_into(real_source, scratch))

    def _copy_tree(self, source: str, target: str) -> None:
        """Copy the content of folder ``source`` into the existing folder ``target``; links,
        scratch files and anything but files and folders are left out."""
        for node in _visible(self.tree.list(source)):
            here, there = join(source, node.name), join(target, node.name)
            if node.kind == "folder":
                self.tree.make_folder(there)
                self._copy_tree(here, there)
            elif node.kind == "file":
                self._copy_into(here, there)

    def copy_folder(self, source: str, target: str, move: bool) -> None:
        real_source = self._locate(source, "GET")
        node = self.tree.stat(real_source)
        if node is None or node.kind != "folder":
            raise NotFound(f"Folder '{source}' does not exist.")
        if within(target, source):
            raise BadRequest(f"Folder '{source}/' cannot be copied into itself.")
        parent = parent_of(target)
        self.require_folder(parent, f"Folder '{parent}' does not exist.")
        real_target = self._locate_entry(target)
        if self.tree.stat(real_target) is not None:
            raise BadRequest(f"Folder '{folder_path(target)}' already exists.")
        if move:
            self.tree.rename(self._locate_entry(source, "DELETE"), real_target)
            return
        staging = self._scratch(parent_of(real_target), "copy")
        self.tree.make_folder(staging)
        try:
            self._copy_tree(real_source, staging)
            self.tree.rename(staging, real_target)
        except BaseException:
            self._remove_quietly(staging)
            raise

    # -- deleting ---------------------------------------------------------------------------

    def _remove_tree(self, real: str) -> None:
        for node in self.tree.list(real):
            child = join(real, node.name)
            if node.kind == "folder":
                self._remove_tree(child)
            else:
                self.tree.remove_file(child)
        self.tree.remove_folder(real)

    def _remove_quietly(self, real: str) -> None:
        with contextlib.suppress(Exception):
            self._remove_tree(real)

    def _clear(self, real: str, keep: str = "") -> None:
        """Remove the content of folder ``real`` but ``keep``: moved aside first, then deleted."""
        trash = self._scratch(real, "del")
        self.tree.make_folder(trash)
        for node in self.tree.list(real):
            child = join(real, node.name)
            if child not in (keep, trash):
                self.tree.rename(child, join(trash, node.name))
        self._remove_quietly(trash)

    def delete_file(self, path: str) -> None:
        real = self._locate_entry(path)
        node = self.tree.stat(real) if path else None
        if node is None or node.kind == "other":
            raise NotFound(f"File '{path}' does not exist in storage.")
        if node.kind == "folder":
            raise BadRequest(f"'{path}' is a folder; delete it as '{path}/'.")
        self.tree.remove_file(real)

    def delete_folder(self, path: str, force: bool, content_only: bool) -> None:
        if not path:
            self._require_root()
        real = self._locate_entry(path)
        node = self.tree.stat(real)
        if node is not None and node.kind == "link":
            if not content_only:
                self.tree.remove_file(real)
                return
            real = self._locate(path)
            node = self.tree.stat(real)
        if node is None or node.kind != "folder":
            raise NotFound(f"Folder '{folder_path(path)}' does not exist in storage.")
        if _visible(self.tree.list(real)) and not force:
            raise BadRequest("Directory not empty, can not delete without force option.")
        if content_only or not path:
            self._clear(real)
            return
        trash = self._scratch(parent_of(real), "del")
        self.tree.rename(real, trash)
        self._remove_quietly(trash)

    # -- unpacking --------------------------------------------------------------------------

    def unpack(self, folder: str, source: Any, options: Options) -> None:
        with tempfile.TemporaryFile() as spool:  # zipfile needs to seek
            for data in limited_chunks(source, options.chunk, options.max_size):
                spool.write(data)
            spool.seek(0)
            try:
                zipped = zipfile.ZipFile(spool)
            except (zipfile.BadZipFile, OSError, ValueError):
                raise BadRequest("The uploaded file is not a valid zip archive.") from None
            with zipped:
                entries = archive.check(zipped, options.max_size)
                with self._unpacking_folder(folder) as real:
                    self._extract(real, zipped, entries, options.clean)

    @contextlib.contextmanager
    def _unpacking_folder(self, folder: str) -> Iterator[str]:
        """The tree path of ``folder``, made with its missing parents when absent; the
        folders made here are removed again if the unpacking fails."""
        missing, above = [], folder
        while above and (found := self.kind(above)) is None:
            missing.append(above)
            above = parent_of(above)
        if above and found != "folder":
            raise BadRequest(f"'{above}' is a file; a zip cannot be unpacked into it.")
        if not above:
            self._require_root()
        made: list[str] = []
        try:
            for path in reversed(missing):
                made.append(self._locate_entry(path))
                self.tree.make_folder(made[-1])
            yield self._locate(folder)
        except BaseException:
            for real in reversed(made):  # deepest first; each is empty once unpacking cleaned up
                with contextlib.suppress(Exception):
                    self.tree.remove_folder(real)
            raise

    def _extract(self, real: str, zipped: zipfile.ZipFile, entries: list, clean: bool) -> None:
        """Unpack checked ``entries`` into a scratch folder in ``real``, then move them in."""
        staging = self._scratch(real, "zip")
        self.tree.make_folder(staging)
        try:
            folders: set[str] = set()
            files: set[str] = set()

            def make(parts: list[str]) -> None:
                for depth in range(1, len(parts) + 1):
                    name = "/".join(parts[:depth])
                    if name in files:
                        raise BadRequest(f"The zip archive holds '{name}' as a file and a folder.")
                    if name not in folders:
                        self.tree.make_folder(join(staging, name))
                        folders.add(name)

            for info, parts in entries:
                name = "/".join(parts)
                make(parts if info.is_dir() else parts[:-1])
                if info.is_dir():
                    continue
                if name in folders:
                    raise BadRequest(
                        f"The zip archive holds '{info.filename}' as a file and a folder."
                    )
                files.add(name)
                try:
                    with zipped.open(info) as member:
                        self.tree.write(join(staging, name), chunks_of(member, COPY_CHUNK))
                except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
                    raise BadRequest(f"The zip archive could not be unpacked: {exc}") from None
            if clean:
                self._clear(real, keep=staging)
            else:
                clash = self._conflict(staging, real)
                if clash is not None:
                    raise BadRequest(
                        f"Cannot unpack the zip: '{clash}' would change between file and folder."
                    )
            self._merge(staging, real)
        finally:
            self._remove_quietly(staging)

    def _conflict(self, staged: str, target: str) -> str | None:
        """A staged name that would replace a folder with a file or the other way round."""
        for node in self.tree.list(staged):
            there = join(target, node.name)
            found = self.tree.stat(there)
            if found is None:
                continue
            if node.kind == "folder":
                if found.kind != "folder":
                    return there
                clash = self._conflict(join(staged, node.name), there)
                if clash is not None:
                    return clash
            elif found.kind == "folder":
                return there
        return None

    def _merge(self, staged: str, target: str) -> None:
        """Move everything in ``staged`` into ``target``: new folders whole, files replacing."""
        for node in self.tree.list(staged):
            here, there = join(staged, node.name), join(target, node.name)
            if node.kind == "folder" and self.tree.stat(there) is not None:
                self._merge(here, there)
            else:
                self.tree.rename(here, there)

"""``LocalStorage``: a folder of this server as a ``storage.Storage``.

Every path goes through ``paths.Container`` (links leading outside the
container or beyond the caller's role refused), and the writes, copies,
deletes and unpacking of ``upload``, ``items``, ``delete`` and ``archive``
keep their guarantees: scratch names in the target's folder, renames into
place, links removed rather than followed, uploads spooled to disk linked or
copied by the kernel, whole files sent with ``sendfile``.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.services.files import archive, delete, download, items, listing, upload
from app.services.files.paths import Container, Reach, folder_path, kind
from app.services.files.storage import Opened, Stat, ZipEntry
from app.services.files.upload import Options


def _stat(st: os.stat_result) -> Stat:
    return Stat(
        size=st.st_size,
        mtime=st.st_mtime,
        etag=f"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}",
    )


@dataclass(frozen=True)
class LocalStorage:
    container: Container

    def with_reach(self, reach: Reach | None) -> LocalStorage:
        return LocalStorage(dataclasses.replace(self.container, reach=reach))

    def ensure(self) -> None:
        self.container.ensure()

    def kind(self, path: str) -> str | None:
        real = self.container.locate(path)
        if not path or os.path.isdir(real):
            return "folder"
        return "file" if os.path.isfile(real) else None

    def entry_kind(self, path: str) -> str | None:
        return kind(self.container.locate_entry(path))

    def resolve(self, path: str) -> str:
        return self.container.relative(self.container.locate(path))

    def folder_mtime(self, path: str) -> float:
        return os.stat(self.container.locate(path)).st_mtime

    def stat(self, path: str) -> Stat | None:
        try:
            st = os.stat(self.container.locate(path))
        except OSError:
            return None
        return _stat(st) if stat.S_ISREG(st.st_mode) else None

    def children(self, path: str, full_tree: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        listing.local_children(
            self.container, self.container.locate(path), folder_path(path), full_tree, out
        )
        return out

    def open(self, path: str) -> Opened:
        return self._open_real(self.container.locate(path), path)

    @staticmethod
    def _open_real(real: str, path: str) -> Opened:
        handle, st = download.open_file(real, path)
        return Opened(handle, _stat(st), local=True)

    def zip_entries(self, path: str) -> Iterator[ZipEntry]:
        real = self.container.locate(path)
        for member, arc in download.local_zip_members(self.container, real, folder_path(path)):
            if arc.endswith("/"):
                yield arc, None
            else:
                yield arc, lambda member=member, arc=arc: self._open_real(member, arc)

    def require_folder(self, path: str, message: str | None = None) -> None:
        self.container.require_folder(path, message)

    def prepare_target(self, path: str, check_exist: bool) -> None:
        upload.prepare_target(self.container, path, check_exist)

    def write_file(self, path: str, source: Any, options: Options) -> None:
        upload.write_file(self.container, path, source, options)

    def create_folder(self, path: str, check_exist: bool) -> None:
        items.create_folder(self.container, path, check_exist)

    def copy_file(self, source: str, target: str, move: bool, options: Options) -> None:
        items.copy_file(self.container, source, target, move, options)

    def copy_folder(self, source: str, target: str, move: bool) -> None:
        items.copy_folder(self.container, source, target, move)

    def delete_file(self, path: str) -> None:
        delete.delete_file(self.container, path)

    def delete_folder(self, path: str, force: bool, content_only: bool) -> None:
        delete.delete_folder(self.container, path, force, content_only)

    def unpack(self, folder: str, source: Any, options: Options) -> None:
        with (
            upload.unpacking_folder(self.container, folder) as real_folder,
            upload.seekable(source, real_folder, options) as handle,
        ):
            archive.extract(self.container, real_folder, handle, options.clean, options.max_size)

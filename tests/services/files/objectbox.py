"""A container of an object store seen as a ``Path``, so one file test checks every backend.

``ObjectBox`` gives the tests the few ``pathlib.Path`` methods they use on the
local container (``/``, read, write, ``mkdir``, ``exists``, ``iterdir``,
``rglob``...) over keys: a folder is a key prefix, or the zero-byte marker
``folder/`` the services write. A backend's box (``s3box.S3Box``,
``azurebox.AzureBox``) reads and writes its store directly with its own client.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Stat:
    st_size: int
    st_mtime: float


@dataclass(frozen=True)
class ObjectBox:
    """A path in a container, with the part of ``pathlib.Path`` the file tests use."""

    key: str = field(default="", kw_only=True)

    # -- what a backend provides ------------------------------------------------------------

    def _names(self, prefix: str) -> Iterator[str]:
        """Every key under ``prefix``."""
        raise NotImplementedError

    def _stat(self) -> Stat | None:
        """The object at this key, or None."""
        raise NotImplementedError

    def _get(self) -> bytes | None:
        """The content of the object at this key, or None."""
        raise NotImplementedError

    def _put(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def _delete(self, keys: list[str]) -> None:
        raise NotImplementedError

    # -- pathlib.Path -----------------------------------------------------------------------

    def __truediv__(self, name: str) -> ObjectBox:
        return dataclasses.replace(self, key=f"{self.key}/{name}".strip("/"))

    @property
    def name(self) -> str:
        return self.key.rpartition("/")[2]

    @property
    def parent(self) -> ObjectBox:
        return dataclasses.replace(self, key=self.key.rpartition("/")[0])

    def relative_to(self, other: ObjectBox) -> str:
        return self.key[len(other.key) :].lstrip("/")

    def is_file(self) -> bool:
        return bool(self.key) and self._stat() is not None

    def is_dir(self) -> bool:
        if not self.key:
            return True
        return next(self._names(self.key + "/"), None) is not None

    def exists(self) -> bool:
        return self.is_file() or self.is_dir()

    def read_bytes(self) -> bytes:
        data = self._get() if self.key else None
        if data is None:
            raise FileNotFoundError(str(self))
        return data

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def write_bytes(self, data: bytes) -> int:
        self._put(self.key, data)
        return len(data)

    def write_text(self, text: str) -> int:
        return self.write_bytes(text.encode("utf-8"))

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        if self.key:
            self._put(self.key + "/", b"")

    def rmtree(self) -> None:
        keys = list(self._names(f"{self.key}/"))
        if keys:
            self._delete(keys)

    def stat(self) -> Stat:
        found = self._stat() if self.key else None
        if found is None:
            raise FileNotFoundError(str(self))
        return found

    def _all(self) -> list[ObjectBox]:
        """Every file and folder under this folder (folders from markers and key prefixes)."""
        prefix = f"{self.key}/" if self.key else ""
        found: set[str] = set()
        for key in self._names(prefix):
            parts = key[len(prefix) :].split("/")
            for depth in range(1, len(parts) + 1):
                if parts[depth - 1]:
                    found.add("/".join(parts[:depth]))
        return [self / name for name in sorted(found)]

    def iterdir(self) -> Iterator[ObjectBox]:
        return iter([b for b in self._all() if "/" not in b.relative_to(self)])

    def rglob(self, pattern: str) -> Iterator[ObjectBox]:
        return iter([b for b in self._all() if fnmatch.fnmatch(b.name, pattern)])

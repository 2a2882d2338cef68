"""Paths inside a file service's container, and the rules that keep them there.

A client's path is always relative to the container. ``clean`` normalizes it
once: empty and ``.`` segments are dropped; ``..`` segments and NUL bytes are
refused (400) rather than interpreted; names starting with ``TMP_PREFIX`` are
reserved for the service's own scratch files (uploads in flight, zips being
unpacked, folders being deleted) and refused too.

``Container.locate`` then turns a clean path into a real one with
``os.path.realpath`` and refuses it (403) when the result leaves the
container: a symlink anywhere along the path (the last name or a folder in
the middle) pointing outside is never followed. ``locate_entry`` does the same
for the folder holding the last name and leaves the last name itself
unresolved, so writes and deletes act on a link rather than on what it points
to. Scratch files live in the folder they end up in, so every write is a
rename within one file system.

A container seen by a caller (``reach``, see ``files.reach``) also refuses
(403) a path that links lead somewhere the caller's role does not cover: the
access pipeline only saw the path as named. Where no link changed the path
there is nothing more to check.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Protocol

from app.vocabulary.errors import BadRequest, Forbidden, NotFound

TMP_PREFIX = ".~df-tmp-"
"""Names the service gives its scratch files; hidden from listings, refused from clients."""


def clean(path: str, what: str = "path") -> str:
    """``path`` as ``a/b/c`` (no leading or trailing slash); raises 400 for unsafe input."""
    if not isinstance(path, str):
        raise BadRequest(f"The {what} must be a string.")
    if "\x00" in path:
        raise BadRequest(f"Invalid {what}: NUL bytes are not allowed.")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise BadRequest(f"Invalid {what} '{path}': '..' segments are not allowed.")
    if any(p.startswith(TMP_PREFIX) for p in parts):
        raise BadRequest(
            f"Invalid {what} '{path}': names starting with '{TMP_PREFIX}' are reserved."
        )
    return "/".join(parts)


def clean_item_path(path: str, what: str = "path") -> str:
    """A path from a request body: like ``clean``, and an absolute path is refused (400)."""
    if isinstance(path, str) and path.startswith(("/", "\\")):
        raise BadRequest(f"Invalid {what} '{path}': absolute paths are not allowed.")
    return clean(path, what)


def clean_name(name: str, what: str = "name") -> str:
    """A file or folder name given on its own (``X-File-Name``...): a clean, non-empty path."""
    cleaned = clean_item_path(name, what)
    if not cleaned:
        raise BadRequest(f"Invalid {what}: it may not be empty.")
    return cleaned


def join(folder: str, name: str) -> str:
    """Two clean paths as one."""
    return f"{folder}/{name}" if folder and name else folder or name


def parent_of(path: str) -> str:
    """The clean folder holding ``path`` (``""`` for the container root)."""
    return path.rpartition("/")[0]


def base_name(path: str) -> str:
    return path.rpartition("/")[2]


def folder_path(path: str) -> str:
    """DreamFactory's spelling of a folder: ``a/b/`` (and ``""`` for the root)."""
    return f"{path}/" if path else ""


def within(path: str, folder: str) -> bool:
    """Whether clean ``path`` is ``folder`` itself or lies under it."""
    return not folder or path == folder or path.startswith(folder + "/")


class Reach(Protocol):
    """Whom a container serves: which resolved paths they may use, with which verb."""

    @property
    def verb(self) -> str:
        """The verb of the request (what a path is used for unless said otherwise)."""
        ...

    def allows(self, path: str, verb: str) -> bool: ...


def leads_outside(path: str) -> Forbidden:
    return Forbidden(f"Access to '{path}' is not allowed: it leads outside the container.")


def beyond_role(path: str) -> Forbidden:
    return Forbidden(
        f"Access Forbidden. '{path}' is a link, or lies behind one, to a path this "
        "user's role does not allow."
    )


@dataclass(frozen=True)
class Container:
    """The folder a service serves: its real path, and the checks paths inside it pass."""

    root: str
    """Absolute path of the container (may not exist until the first write)."""
    reach: Reach | None = None
    """The caller whose role must cover where links lead; None: anyone (admins, the public
    route, internal calls)."""

    @property
    def real_root(self) -> str:
        return os.path.realpath(self.root)

    def ensure(self) -> None:
        """Create the container folder (and its parents) if needed."""
        os.makedirs(self.root, exist_ok=True)

    def inside(self, real: str, real_root: str | None = None) -> bool:
        real_root = real_root or self.real_root
        return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)

    def reaches(self, path: str, real: str, verb: str | None = None) -> bool:
        """Whether the caller may ``verb`` (default: the request's) ``real``, where clean
        ``path`` leads; always when no link changed the path."""
        if self.reach is None:
            return True
        resolved = self.relative(real)
        return resolved == path or self.reach.allows(resolved, verb or self.reach.verb)

    def locate(self, path: str, verb: str | None = None) -> str:
        """The real absolute path of clean ``path``; 403 when it resolves outside the container
        or, through links, where the caller may not ``verb`` (default: the request's verb)."""
        real_root = self.real_root
        real = os.path.realpath(os.path.join(real_root, path)) if path else real_root
        if not self.inside(real, real_root):
            raise leads_outside(path)
        if not self.reaches(path, real, verb):
            raise beyond_role(path)
        return real

    def locate_entry(self, path: str, verb: str | None = None) -> str:
        """``path`` with its folder resolved (and checked) but its last name kept as it is."""
        if not path:
            return self.real_root
        return os.path.join(self.locate(parent_of(path), verb), base_name(path))

    def relative(self, real: str) -> str:
        """The clean container path of a real path inside the container."""
        rel = os.path.relpath(real, self.real_root)
        return "" if rel == "." else rel.replace(os.sep, "/")

    def require_folder(self, path: str, message: str | None = None) -> str:
        """The real path of an existing folder (the root is created on demand), else 404."""
        if not path:
            self.ensure()
            return self.real_root
        real = self.locate(path)
        if not os.path.isdir(real):
            raise NotFound(message or f"Folder '{path}' does not exist.")
        return real


def kind(real: str) -> str | None:
    """``"file"``, ``"folder"`` or None for what is at ``real`` (links not followed)."""
    try:
        mode = os.lstat(real).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "link"
    return "file"

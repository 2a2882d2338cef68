"""Folder listings and file properties in DreamFactory's shapes.

A folder entry is ``{"path": "f1/", "last_modified": ..., "name": "f1",
"type": "folder"}``, a file entry ``{"path", "content_type", "last_modified",
"content_length", "name", "type": "file"}`` (keys in that order, as
DreamFactory's ``LocalFileSystem::listTree`` builds them). Entries come sorted
by name; ``full_tree`` lists each folder's content right after the folder.
``name`` is relative to the folder listed. Scratch files (``TMP_PREFIX``) are
never listed; symlinks are listed as what they point to when that lies inside
the container and the caller's role may read it there (``files.reach``),
skipped otherwise, and never descended into.
"""

from __future__ import annotations

import base64
import functools
import mimetypes
import os
import stat
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from app.records.clauses import parse_int
from app.services.files.paths import TMP_PREFIX, Container, base_name, folder_path
from app.vocabulary.errors import BadRequest, NotFound
from app.vocabulary.flags import to_bool
from app.wrapping import AlwaysWrapped

if TYPE_CHECKING:
    from app.services.files.storage import Storage

INLINE_CONTENT_MAX = 16 * 1024 * 1024
"""Bytes: the largest file ``include_properties&content=true`` returns inside JSON."""

EXTRA_TYPES = {
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".md": "text/markdown",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webp": "image/webp",
    ".xhtml": "application/xhtml+xml",
    ".xht": "application/xhtml+xml",
    ".dfpkg": "application/zip",
}
"""Extensions whose type we pin (Python's built-in table lacks or differs on these)."""


@functools.lru_cache(maxsize=1)
def _types() -> mimetypes.MimeTypes:
    """Python's built-in table only: the host's /etc/mime.types does not change our answers."""
    return mimetypes.MimeTypes()


def content_type(name: str) -> str:
    """The content type DreamFactory would send for a file of this name (by extension)."""
    ext = os.path.splitext(name)[1].lower()
    if ext in EXTRA_TYPES:
        return EXTRA_TYPES[ext]
    guessed, _ = _types().guess_type("x" + ext, strict=False)
    return guessed or "application/octet-stream"


def http_time(seconds: float) -> str:
    """``Tue, 01 Jan 2026 10:00:00 GMT``."""
    return formatdate(int(seconds), usegmt=True)


def file_entry(path: str, size: int, mtime: float) -> dict[str, Any]:
    return {
        "path": path,
        "content_type": content_type(path),
        "last_modified": http_time(mtime),
        "content_length": size,
    }


def local_children(
    container: Container, real_dir: str, prefix: str, full_tree: bool, out: list
) -> None:
    """``LocalStorage.children``: entries of folder ``real_dir`` appended to ``out``."""
    try:
        entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    real_root = container.real_root
    for entry in entries:
        if entry.name.startswith(TMP_PREFIX):
            continue
        path = f"{prefix}{entry.name}"
        linked = entry.is_symlink()
        try:
            if linked:
                target = os.path.realpath(entry.path)
                if not container.inside(target, real_root):
                    continue
                if not container.reaches(path, target, "GET"):
                    continue
                st = os.stat(target)
            else:
                st = entry.stat(follow_symlinks=False)
        except OSError:  # vanished meanwhile, or a dangling link
            continue
        if stat.S_ISDIR(st.st_mode):
            out.append({"path": f"{path}/", "last_modified": http_time(st.st_mtime)})
            if full_tree and not linked:
                local_children(container, entry.path, f"{path}/", full_tree, out)
        elif stat.S_ISREG(st.st_mode):
            out.append(file_entry(path, st.st_size, st.st_mtime))


def list_folder(
    storage: Storage,
    path: str,
    include_files: bool = True,
    include_folders: bool = True,
    full_tree: bool = False,
) -> list[dict[str, Any]]:
    """The entries of folder ``path`` (``""``: the root, empty until the first write)."""
    if path:
        storage.require_folder(path, f"Folder '{folder_path(path)}' does not exist in storage.")
    try:
        raw = storage.children(path, full_tree)
    except (FileNotFoundError, NotADirectoryError):
        raw = []
    localizer = len(folder_path(path))
    resources = []
    for data in raw:
        data["name"] = data["path"][localizer:].rstrip("/")
        if data["path"].endswith("/"):
            if include_folders:
                data["type"] = "folder"
                resources.append(data)
        elif include_files:
            data["type"] = "file"
            resources.append(data)
    return resources


def search(entries: list[dict[str, Any]], term: str) -> list[dict[str, Any]]:
    """Entries whose own name contains ``term`` (case-insensitive), as DreamFactory's doSearch."""
    term = term.lower()
    return [e for e in entries if term in base_name(e["path"].rstrip("/")).lower()]


def page(
    entries: list[dict[str, Any]], params: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The entries ``offset`` and ``limit`` (absent or 0: all) keep, and the listing's ``meta``.

    Not in DreamFactory, which always lists a folder whole: the admin console pages
    large folders this way. ``meta`` has ``count`` (every entry) with ``include_count``
    and ``next`` (the offset of the next page) when more entries follow.
    """
    limit = parse_int(params.get("limit"), "limit") or 0
    offset = parse_int(params.get("offset"), "offset") or 0
    meta: dict[str, int] = {}
    if to_bool(params.get("include_count")):
        meta["count"] = len(entries)
    if limit and len(entries) > offset + limit:
        meta["next"] = offset + limit
    end = offset + limit if limit else None
    return entries[offset:end], meta


def clean_resources(entries: list[dict[str, Any]], params: dict[str, str]) -> dict[str, Any]:
    """A page of the entries (``page``), as ``as_list`` (values of ``id_field``, default
    ``path``) or cut to ``fields``; wrapped whatever the wrapping setting, as
    DreamFactory's folder listings are."""
    entries, meta = page(entries, params)
    extra: dict[str, Any] = {"meta": meta} if meta else {}
    if to_bool(params.get("as_list")):
        id_field = params.get("id_field") or "path"
        return AlwaysWrapped(resource=[e.get(id_field) for e in entries], **extra)
    fields = params.get("fields")
    if fields and fields != "*":
        wanted = {f.strip() for f in fields.split(",") if f.strip()}
        entries = [{k: v for k, v in e.items() if k in wanted} for e in entries]
    return AlwaysWrapped(resource=entries, **extra)


def folder_properties(storage: Storage, path: str) -> dict[str, Any]:
    if path:
        storage.require_folder(path, f"Folder '{folder_path(path)}' does not exist in storage.")
    else:
        storage.ensure()
    return {
        "name": base_name(path),
        "path": folder_path(path),
        "last_modified": http_time(storage.folder_mtime(path)),
    }


def file_properties(
    storage: Storage, path: str, include_content: bool = False, as_base64: bool = True
) -> dict[str, Any]:
    """``{path, name, content_type, last_modified, content_length}`` plus ``content`` if asked."""
    st = storage.stat(path)
    if st is None:
        raise NotFound(f"File '{path}' does not exist in storage.")
    data: dict[str, Any] = {
        "path": path,
        "name": base_name(path),
        "content_type": content_type(path),
        "last_modified": http_time(st.mtime),
        "content_length": st.size,
    }
    if include_content:
        if st.size > INLINE_CONTENT_MAX:
            raise BadRequest(
                f"File '{path}' is too large to return inline ({INLINE_CONTENT_MAX} bytes at "
                "most); download it instead."
            )
        raw = _read_whole(storage.open(path).handle, st.size)
        if as_base64:
            data["content"] = base64.b64encode(raw).decode("ascii")
        else:
            try:
                data["content"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest(
                    f"File '{path}' is not UTF-8 text; ask for its content as base64."
                ) from None
    return data


def _read_whole(handle: Any, size: int) -> bytes:
    """The first ``size`` bytes of ``handle`` (a file may be shorter), however few bytes each
    ``read`` answers: remote readers may answer less than asked."""
    pieces: list[bytes] = []
    left = size
    with handle:
        while left > 0 and (piece := handle.read(left)):
            pieces.append(piece)
            left -= len(piece)
    return b"".join(pieces)


def access_components(storage: Storage) -> list[str]:
    """Role components below the root: each folder and its ``*``."""
    items = []
    for entry in list_folder(storage, "", include_files=False, full_tree=True):
        items += [entry["path"], entry["path"] + "*"]
    return items

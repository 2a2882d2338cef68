"""Unpacking an uploaded zip into a folder, all or nothing.

Every entry name is checked before anything is written: a NUL byte, an
absolute name (``/x``, ``\\x``, ``C:x``), a ``..`` segment (also behind
backslashes or URL-encoded, as DreamFactory's ``zipEntryEscapesTarget``
refuses them), a reserved scratch name or a symbolic link refuses the whole
archive with a 400, as does an archive bigger unpacked than the upload limit
or with more than ``MAX_ENTRIES`` entries. The entries are then unpacked into
a scratch folder inside the target; only when all of them are written (CRCs
checked) are they moved into place, replacing files of the same name. With
``clean``, the target's previous content is removed first (DreamFactory's
``clean``), once the archive has unpacked. A file and a folder of the same
name on both sides is a conflict refused before anything moves.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
from typing import Any
from urllib.parse import unquote

from app.services.files.paths import TMP_PREFIX, Container
from app.vocabulary.errors import BadRequest, PayloadTooLarge

MAX_ENTRIES = 100_000
"""Entries one archive may hold."""

_DRIVE = re.compile(r"^[A-Za-z]:")


def entry_problem(name: str) -> str | None:
    """Why a zip entry name would write outside the target, or None."""
    if "\x00" in name:
        return "contains a NUL byte"
    for form in (name, unquote(name)):
        form = form.replace("\\", "/")
        if form.startswith("/") or _DRIVE.match(form):
            return "is an absolute path"
        if ".." in form.split("/"):
            return "contains '..'"
    if any(part.startswith(TMP_PREFIX) for part in name.split("/")):
        return "uses a reserved name"
    return None


def is_link(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def check(archive: zipfile.ZipFile, max_size: int) -> list[tuple[zipfile.ZipInfo, list[str]]]:
    """The entries with their path parts, once every one has passed the checks."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise BadRequest(f"The zip archive has more than {MAX_ENTRIES} entries.")
    entries, total = [], 0
    for info in infos:
        problem = entry_problem(info.filename)
        if problem is None and is_link(info):
            problem = "is a symbolic link"
        if problem:
            raise BadRequest(f"Unsafe zip entry '{info.filename}': it {problem}.")
        parts = [p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".")]
        if not parts:
            continue
        total += info.file_size
        if total > max_size:
            raise PayloadTooLarge(f"The zip archive unpacks to more than {max_size} bytes.")
        entries.append((info, parts))
    return entries


def _unpack(archive: zipfile.ZipFile, entries: list, staging: str) -> None:
    for info, parts in entries:
        target = os.path.join(staging, *parts)
        if info.is_dir():
            os.makedirs(target, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(target):
            raise BadRequest(f"The zip archive holds '{info.filename}' as a file and a folder.")
        with archive.open(info) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)


def _entries(real: str) -> list[os.DirEntry]:
    with os.scandir(real) as found:
        return list(found)


def _conflicts(staged: str, target: str) -> str | None:
    """A staged name that would replace a folder with a file or the other way round."""
    for entry in _entries(staged):
        there = os.path.join(target, entry.name)
        try:
            mode = os.lstat(there).st_mode
        except FileNotFoundError:
            continue
        if entry.is_dir(follow_symlinks=False):
            if not stat.S_ISDIR(mode):
                return there
            found = _conflicts(entry.path, there)
            if found:
                return found
        elif stat.S_ISDIR(mode):
            return there
    return None


def merge(staged: str, target: str) -> None:
    """Move everything in ``staged`` into ``target``: new folders whole, files replacing files."""
    for entry in _entries(staged):
        there = os.path.join(target, entry.name)
        if entry.is_dir(follow_symlinks=False) and os.path.lexists(there):
            merge(entry.path, there)
        else:
            os.replace(entry.path, there)


def remove_quietly(real: str) -> None:
    shutil.rmtree(real, ignore_errors=True)


def clear(real_folder: str, keep: str) -> None:
    """Remove the content of ``real_folder`` (except ``keep``): moved aside first, then deleted."""
    trash = tempfile.mkdtemp(prefix=TMP_PREFIX + "del-", dir=real_folder)
    for entry in _entries(real_folder):
        if entry.path not in (keep, trash):
            os.rename(entry.path, os.path.join(trash, entry.name))
    remove_quietly(trash)


def extract(
    container: Container, real_folder: str, handle: Any, clean: bool, max_size: int
) -> None:
    """Unpack the zip in ``handle`` into ``real_folder`` (see the module docstring)."""
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BadRequest("The uploaded file is not a valid zip archive.") from None
    with archive:
        entries = check(archive, max_size)
        staging = tempfile.mkdtemp(prefix=TMP_PREFIX + "zip-", dir=real_folder)
        try:
            try:
                _unpack(archive, entries, staging)
            except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
                raise BadRequest(f"The zip archive could not be unpacked: {exc}") from None
            if clean:
                clear(real_folder, keep=staging)
            else:
                clash = _conflicts(staging, real_folder)
                if clash:
                    shown = container.relative(clash)
                    raise BadRequest(
                        f"Cannot unpack the zip: '{shown}' would change between file and folder."
                    )
            merge(staging, real_folder)
        finally:
            with contextlib.suppress(OSError):
                remove_quietly(staging)

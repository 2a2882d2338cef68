"""Writing files: every upload streams into a scratch file beside its target, then is renamed.

A reader therefore sees the old file or the new one, never half of one, and a
failed or aborted upload (client gone, size limit, disk full) leaves nothing
behind. Sources are read a chunk at a time whatever they are: the request
stream, bytes from a JSON body, a download. A multipart part was already
spooled to an unnamed temporary file (``blueprints.multipart``): when that file
is on the target's file system it is linked into place rather than copied, else
the kernel copies it. Zips sent with ``extract=true`` are unpacked by
``archive`` instead (``LocalStorage.unpack``), into their folder, which they
create (with any missing parents) as DreamFactory's do; a zip that cannot be unpacked removes the
folders it created.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import FileStorage, MultiDict

from app.services.files.paths import (
    TMP_PREFIX,
    Container,
    base_name,
    clean_name,
    folder_path,
    join,
    kind,
    parent_of,
)
from app.vocabulary.errors import BadRequest, InternalServerError, PayloadTooLarge

if TYPE_CHECKING:
    from app.services.files.storage import Storage

NO_KERNEL_COPY = (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP)
"""``copy_file_range`` errors meaning "not between these files here": copy in Python instead."""

FILE_MODE = 0o644
"""Permissions of written files (scratch files start as 0600)."""

ZIP_TYPES = ("application/zip", "application/x-zip-compressed")


@dataclass(frozen=True)
class Options:
    """A write's flags (DreamFactory's query parameters) and this server's limits."""

    extract: bool = False
    clean: bool = False
    check_exist: bool = False
    chunk: int = 1024 * 1024
    max_size: int = 10 * 1024**3


def chunks_of(source: Any, chunk: int) -> Iterator[bytes]:
    """Bytes, a readable file or an iterable of bytes, as chunks."""
    if isinstance(source, bytes | bytearray):
        if source:
            yield bytes(source)
        return
    read = getattr(source, "read", None)
    if read is None:
        yield from source
        return
    while data := read(chunk):
        yield data


def too_large(max_size: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The file is larger than the limit of {max_size} bytes.")


def limited_chunks(source: Any, chunk: int, max_size: int) -> Iterator[bytes]:
    """``chunks_of(source, chunk)``, refused (413) once they add up to more than ``max_size``."""
    size = 0
    for data in chunks_of(source, chunk):
        size += len(data)
        if size > max_size:
            raise too_large(max_size)
        yield data


def uploaded_files(stream: Any) -> list[FileStorage] | None:
    """The parts of a multipart body's ``files`` field (or ``files[]``); None if not multipart."""
    if not isinstance(stream, MultiDict):
        return None
    return [f for key in ("files", "files[]") for f in stream.getlist(key)]


def upload_name(upload: FileStorage) -> str:
    """A multipart part's file name without any client folder (``C:\\x\\a.txt`` → ``a.txt``)."""
    name = (upload.filename or "").replace("\\", "/").rpartition("/")[2]
    if not name:
        raise BadRequest("An uploaded file has no file name.")
    return name


def _disk_file(source: Any) -> int | None:
    """The descriptor of ``source`` when it is a regular file on disk (copied in the kernel)."""
    if isinstance(source, bytes | bytearray) or not hasattr(source, "fileno"):
        return None
    try:
        fd = source.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None


def _copy_file(source: Any, fd: int, out: Any, max_size: int) -> int | None:
    """Copy the rest of disk file ``source`` (from its position) with ``copy_file_range``.

    None when the kernel cannot do it here (nothing written then).
    """
    offset = source.tell()
    size = os.fstat(fd).st_size - offset
    if size > max_size:
        raise too_large(max_size)
    out.flush()
    done = 0
    while done < size:
        try:
            step = os.copy_file_range(fd, out.fileno(), size - done, offset + done)
        except OSError as exc:
            if done == 0 and exc.errno in NO_KERNEL_COPY:
                return None
            raise
        if step == 0:
            break
        done += step
    return done


def _link_unnamed(source: Any, fd: int, real: str, max_size: int) -> int | None:
    """Give unnamed temporary file ``source`` (``O_TMPFILE``, read from its start) the name
    ``real``: linked under a scratch name in its folder, then renamed over it.

    Returns its size, or None when it cannot be linked there (a named file, another
    file system, no ``/proc``): then nothing was done and it is to be copied.
    """
    info = os.fstat(fd)
    if info.st_nlink != 0 or source.tell() != 0:
        return None
    if info.st_size > max_size:
        raise too_large(max_size)
    source.flush()
    folder = os.path.dirname(real)
    name = f"{TMP_PREFIX}up-{secrets.token_hex(8)}"
    scratch = os.path.join(folder, name)
    folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:  # with a folder descriptor, os.link is linkat(), which follows /proc's link
        os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=folder_fd, follow_symlinks=True)
    except OSError:
        return None
    finally:
        os.close(folder_fd)
    _put_in_place(scratch, real)
    return info.st_size


def _put_in_place(scratch: str, real: str) -> None:
    """Give a finished scratch file its mode and its name; remove it if that fails."""
    try:
        os.chmod(scratch, FILE_MODE)
        os.replace(scratch, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)
        raise


def write_atomic(real: str, source: Any, chunk: int, max_size: int) -> int:
    """Write ``source`` (see ``chunks_of``) to ``real`` through a scratch file in its folder.

    An unnamed temporary file (a spooled multipart part) is linked into place; a
    source that is another file on disk (a file being copied) is copied by the
    kernel; anything else a chunk at a time. Returns the size written.
    """
    source_fd = _disk_file(source)
    if source_fd is not None:
        linked = _link_unnamed(source, source_fd, real, max_size)
        if linked is not None:
            return linked
    fd, scratch = tempfile.mkstemp(prefix=TMP_PREFIX + "up-", dir=os.path.dirname(real))
    try:
        with os.fdopen(fd, "wb") as out:
            copied = None
            if source_fd is not None and hasattr(os, "copy_file_range"):
                copied = _copy_file(source, source_fd, out, max_size)
            size = copied or 0
            if copied is None:
                for data in limited_chunks(source, chunk, max_size):
                    size += len(data)
                    out.write(data)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)
        raise
    _put_in_place(scratch, real)
    return size


def prepare_target(container: Container, path: str, check_exist: bool) -> str:
    """Where to write file ``path``: its folder must exist and a folder is never replaced."""
    parent = parent_of(path)
    real_parent = container.require_folder(parent, f"Folder '{parent}' does not exist.")
    real = os.path.join(real_parent, base_name(path))
    existing = kind(real)
    if existing == "link":
        container.locate(path)  # a link may be replaced, unless it leads outside (403)
    if existing == "folder":
        raise BadRequest(f"'{path}' is a folder; a file cannot replace it.")
    if existing and check_exist:
        raise BadRequest(f"File '{path}' already exists.")
    return real


def write_file(container: Container, path: str, source: Any, options: Options) -> None:
    real = prepare_target(container, path, options.check_exist)
    try:
        write_atomic(real, source, options.chunk, options.max_size)
    except OSError as exc:
        raise InternalServerError(f"Failed to write file '{path}': {exc.strerror}.") from None


def is_zip(name: str, content_type: str | None) -> bool:
    return name.lower().endswith(".zip") or (content_type or "").lower() in ZIP_TYPES


@contextlib.contextmanager
def seekable(source: Any, real_folder: str, options: Options) -> Iterator[Any]:
    """``source`` as a seekable file (streams are first saved to a scratch file)."""
    if isinstance(source, bytes | bytearray):
        yield io.BytesIO(source)
        return
    if hasattr(source, "seek") and getattr(source, "seekable", lambda: False)():
        source.seek(0)
        yield source
        return
    fd, scratch = tempfile.mkstemp(prefix=TMP_PREFIX + "zip-", dir=real_folder)
    os.close(fd)
    try:
        write_atomic(scratch, source, options.chunk, options.max_size)
        with open(scratch, "rb") as handle:
            yield handle
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(scratch)


@contextlib.contextmanager
def unpacking_folder(container: Container, folder: str) -> Iterator[str]:
    """The real path of ``folder`` for a zip to unpack into, created with its missing parents
    when absent; the folders made here are removed again if the unpacking fails."""
    made: list[str] = []
    path = folder
    while path and not os.path.lexists(real := container.locate(path)):
        made.append(real)
        path = parent_of(path)
    if path and not os.path.isdir(container.locate(path)):
        raise BadRequest(f"'{path}' is a file; a zip cannot be unpacked into it.")
    if made:
        container.ensure()
        os.makedirs(made[0], exist_ok=True)
    try:
        yield container.require_folder(folder)
    except BaseException:
        for real in made:  # deepest first; each is empty once the unpacking cleaned up
            with contextlib.suppress(OSError):
                os.rmdir(real)
        raise


def store(
    storage: Storage,
    folder: str,
    name: str,
    source: Any,
    content_type: str | None,
    options: Options,
) -> dict[str, Any]:
    """Write ``name`` into ``folder`` from ``source``, or unpack it there (zip, ``extract``)."""
    if options.extract and is_zip(name, content_type):
        storage.unpack(folder, source, options)
        return {"name": folder, "path": folder_path(folder), "type": "folder"}
    path = join(folder, clean_name(name))
    storage.write_file(path, source, options)
    return {"name": base_name(path), "path": path, "type": "file"}


def store_uploads(
    storage: Storage, folder: str, uploads: list[FileStorage], options: Options
) -> list[dict[str, Any]]:
    """Multipart ``files`` into ``folder``: every name is checked before anything is written."""
    named = [(upload_name(u), u) for u in uploads]
    for name, upload in named:
        if not (options.extract and is_zip(name, upload.mimetype)):
            storage.prepare_target(join(folder, clean_name(name)), options.check_exist)
    return [store(storage, folder, name, u.stream, u.mimetype, options) for name, u in named]

"""Sending a file: DreamFactory's headers, conditional GETs, byte ranges, folders as zips.

Every file response carries ``Last-Modified``, ``Content-Type`` (by
extension), ``Content-Length``, ``Content-Disposition`` (``inline``, or
``attachment; filename="<name>";`` with ``download``; none for inline HTML),
``Cache-Control: private``, ``Expires: 0`` and ``Pragma: public`` as
DreamFactory's ``FileUtilities::sendFile`` does, plus an ``ETag`` and
``Accept-Ranges: bytes``. Through the API (as opposed to the public storage
route, which serves hosted apps as pages) every answer also says
``X-Content-Type-Options: nosniff`` and a type a browser would run as a page or
script of the API's origin (``is_active``: HTML, SVG, XML, JavaScript...) is
always an attachment, so a file someone uploaded cannot act with the rights of
whoever opens its link. ``If-None-Match`` (weak comparison), else
``If-Modified-Since``, answers 304. A single ``Range`` answers 206 (a range
past the end 416; ``If-Range`` that no longer matches, a malformed header or
several ranges get the whole file, as RFC 9110 allows).

A folder's zip is built while it is sent. Its first piece is made before the
headers go out (a folder gone by then is a 404); a file or folder that
vanishes later is logged and the body stops with ``IncompleteZipError``, which
the WSGI server turns into a broken transfer (a chunked body without its last
chunk): a zip that lacks something never arrives looking complete, and its
central directory, written last, is never sent.

The file is opened (``O_NOFOLLOW``) when the response is built, so its
headers and body describe one version of it even if it is replaced meanwhile.
A whole file goes to the WSGI server's ``wsgi.file_wrapper`` (gunicorn sends it
with ``sendfile``); a range and servers without a wrapper get chunks read on
demand. Memory stays at one chunk however large the file.
"""

from __future__ import annotations

import logging
import os
import stat
import time
import zipfile
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Response
from werkzeug.http import http_date, parse_date, parse_etags, parse_range_header

from app.services.files.listing import content_type
from app.services.files.paths import TMP_PREFIX, Container, base_name, folder_path
from app.vocabulary.errors import ApiError, NotFound

if TYPE_CHECKING:
    from app.services.files.storage import Storage

logger = logging.getLogger(__name__)

NO_CACHE = {"Cache-Control": "private", "Expires": "0", "Pragma": "public"}
"""DreamFactory's caching headers on every file it sends."""

NO_SNIFF = {"X-Content-Type-Options": "nosniff"}
"""On every file the API sends: browsers take its type as given, never guess an active one."""

ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "text/xml",
        "application/xml",
        "application/javascript",
        "text/javascript",
        "message/rfc822",
        "application/x-shockwave-flash",
        "text/xul",
    }
)
"""Types (besides any ``+xml`` one: SVG, XHTML...) a browser may run as a page or script."""


def is_active(content_type: str) -> bool:
    """Whether a browser opening a file of this type could run script in the site's origin."""
    return content_type in ACTIVE_TYPES or content_type.endswith("+xml")


class IncompleteZipError(Exception):
    """A folder's zip could not be finished after its headers went out (raised to the server)."""


class RangeNotSatisfiable(ApiError):
    status = 416
    default_message = "The requested range is not satisfiable."

    def __init__(self, size: int) -> None:
        super().__init__()
        self.headers = {"Content-Range": f"bytes */{size}"}


def disposition(name: str, download: bool) -> str | None:
    """``Content-Disposition`` as DreamFactory sends it (with RFC 6266 for non-ASCII names)."""
    if not download:
        return None if name.lower().endswith(".html") else "inline"
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        return f'attachment; filename="{name}";'
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _read(handle: Any, start: int, length: int | None, chunk: int) -> Iterator[bytes]:
    """``length`` bytes from ``start`` (to the end when None), then the file is closed."""
    try:
        handle.seek(start)
        while length is None or length > 0:
            data = handle.read(chunk if length is None else min(chunk, length))
            if not data:
                break
            if length is not None:
                length -= len(data)
            yield data
    finally:
        handle.close()


class FileResponse(Response):
    """A response whose body is an open file, handed to the server only when it is sent."""

    def __init__(
        self, handle: Any, start: int, length: int, whole: bool, chunk: int, **kwargs: Any
    ) -> None:
        """``whole``: the entire file, of this machine (handed to ``wsgi.file_wrapper``)."""
        super().__init__(_read(handle, start, length, chunk), **kwargs)
        self._handle, self._whole, self._chunk = handle, whole, chunk

    def get_app_iter(self, environ: dict[str, Any]):
        if environ.get("REQUEST_METHOD") == "HEAD":
            self._handle.close()
            return ()
        wrapper = environ.get("wsgi.file_wrapper")
        if self._whole and wrapper is not None:
            return wrapper(self._handle, self._chunk)
        return self.response

    def close(self) -> None:
        super().close()
        self._handle.close()


def open_file(real: str, path: str):
    """The open regular file at ``real`` and its stat, or 404 (links in the last name refused)."""
    missing = NotFound(f"The specified file '{path}' was not found in storage.")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        raise missing from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise missing
    return os.fdopen(fd, "rb"), st


def _not_modified(headers: dict[str, str], etag: str, mtime: int) -> bool:
    if "if-none-match" in headers:
        tags = parse_etags(headers["if-none-match"])
        return tags.star_tag or tags.contains_weak(etag)
    since = parse_date(headers.get("if-modified-since"))
    return since is not None and mtime <= since.timestamp()


def _byte_range(headers: dict[str, str], etag: str, mtime: int, size: int):
    """(start, stop) of the one range asked for; None for the whole file; 416 when past the end."""
    if "range" not in headers:
        return None
    if_range = headers.get("if-range")
    if if_range:
        if if_range.strip().startswith(('"', "W/")):
            if parse_etags(if_range).as_set(include_weak=False) != {etag}:
                return None
        else:
            date = parse_date(if_range)
            if date is None or int(date.timestamp()) != mtime:
                return None
    parsed = parse_range_header(headers["range"])
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return None
    span = parsed.range_for_length(size)
    if span is None:
        raise RangeNotSatisfiable(size)
    return span


def file_response(
    storage: Storage,
    path: str,
    headers: dict[str, str],
    download: bool,
    chunk: int,
    *,
    page: bool = False,
) -> Response:
    """The file at container path ``path`` for a GET with these request headers.

    ``page``: served as a web page (the public storage route), not through the API.
    """
    opened = storage.open(path)
    handle, st = opened.handle, opened.stat
    mtime, size, etag = int(st.mtime), st.size, st.etag
    common = {"Last-Modified": http_date(mtime), "ETag": f'"{etag}"', **NO_CACHE}
    if not page:
        common.update(NO_SNIFF)
    try:
        if _not_modified(headers, etag, mtime):
            handle.close()
            return Response(status=304, headers=common)
        span = _byte_range(headers, etag, mtime, size)
    except BaseException:
        handle.close()
        raise
    name = base_name(path)
    kind = content_type(name)
    out = {**common, "Content-Type": kind, "Accept-Ranges": "bytes"}
    shown = disposition(name, download or (not page and is_active(kind)))
    if shown:
        out["Content-Disposition"] = shown
    if span is None:
        out["Content-Length"] = str(size)
        return FileResponse(handle, 0, size, opened.local, chunk, status=200, headers=out)
    start, stop = span
    out["Content-Length"] = str(stop - start)
    out["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    return FileResponse(handle, start, stop - start, False, chunk, status=206, headers=out)


class _Sink:
    """A write-only, unseekable target for ``zipfile``: what was written, taken in pieces."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def local_zip_members(
    container: Container, real_dir: str, arc_dir: str
) -> Iterator[tuple[str, str]]:
    """(real path, archive name) of every file and empty folder, sorted, links not followed."""
    entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
    real_root = container.real_root
    shown = 0
    for entry in entries:
        if entry.name.startswith(TMP_PREFIX):
            continue
        arc = f"{arc_dir}{entry.name}"
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not container.inside(target, real_root) or not os.path.isfile(target):
                continue
            if not container.reaches(arc, target, "GET"):
                continue
            shown += 1
            yield target, arc
        elif entry.is_dir(follow_symlinks=False):
            shown += 1
            yield from local_zip_members(container, entry.path, f"{arc}/")
        elif entry.is_file(follow_symlinks=False):
            shown += 1
            yield entry.path, arc
    if not shown and arc_dir:
        yield real_dir, arc_dir


def _zip_stream(storage: Storage, path: str, chunk: int) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:  # type: ignore[arg-type]
        for arc, opener in storage.zip_entries(path):
            if opener is None:
                archive.writestr(zipfile.ZipInfo(arc), b"")
                continue
            opened = opener()
            stamp = time.localtime(opened.stat.mtime)[:6]
            info = zipfile.ZipInfo(arc, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            info.external_attr = 0o100644 << 16
            info.file_size = opened.stat.size
            info.compress_type = zipfile.ZIP_DEFLATED
            with opened.handle as source, archive.open(info, "w", force_zip64=True) as target:
                while data := source.read(chunk):
                    target.write(data)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


def _whole_or_broken(first: bytes, rest: Generator[bytes], path: str) -> Iterator[bytes]:
    """The zip's pieces; a file system error on the way is logged and breaks the transfer."""
    try:
        yield first
        yield from rest
    except (OSError, ApiError) as exc:
        logger.error("zip of folder '%s' stopped: %s", folder_path(path), exc)
        raise IncompleteZipError(f"zip of folder '{folder_path(path)}' stopped: {exc}") from exc
    finally:
        rest.close()


def zip_response(storage: Storage, path: str, chunk: int) -> Response:
    """Folder ``path`` (``""``: the whole container) as a zip, built while it is sent."""
    missing = f"Folder '{path}/' does not exist in storage."
    if path:
        storage.require_folder(path, missing)
    else:
        storage.ensure()
    name = (base_name(path) or "container") + ".zip"
    headers = {
        "Content-Type": "application/zip",
        "Content-Disposition": disposition(name, True) or "",
        **NO_CACHE,
        **NO_SNIFF,
    }
    pieces = (piece for piece in _zip_stream(storage, path, chunk) if piece)
    try:
        first = next(pieces, b"")
    except (FileNotFoundError, NotFound):
        pieces.close()
        raise NotFound(missing) from None
    body = _whole_or_broken(first, pieces, path)
    return Response(body, status=200, headers=headers)

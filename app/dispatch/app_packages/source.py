"""Where a package to import comes from: a multipart upload or ``import_url``.

As DreamFactory's ``POST system/app`` and ``POST system/package``: an uploaded file
(the resource's field, ``file`` for apps and ``files`` for config packages, or the
only file sent) or an ``import_url`` in the body or the query, whose name must end
with one of the resource's extensions. A URL is downloaded as the file services'
``url=`` imports are (``files.fetch``: http and https only, bounded in size and
time, private addresses refused unless ``FILE_URL_IMPORT_ALLOW_PRIVATE``) into a
temporary file.
"""

from __future__ import annotations

import contextlib
import posixpath
import tempfile
from collections.abc import Iterator
from typing import IO
from urllib.parse import unquote, urlsplit

from flask import current_app
from werkzeug.datastructures import FileStorage, MultiDict

from app.dispatch.app_packages.contents import EXTENSION
from app.services.files import fetch
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest


def wants_import(request: ServiceRequest) -> bool:
    """Whether a ``POST`` brings a package (uploaded or by URL) rather than JSON records."""
    return bool(_uploads(request)) or bool(request.option("import_url"))


def _uploads(request: ServiceRequest) -> list:
    if not isinstance(request.stream, MultiDict):
        return []
    return [f for key in request.stream for f in request.stream.getlist(key)]


def _upload(request: ServiceRequest, field: str) -> FileStorage | None:
    """The uploaded file (in ``field``, else the only one), or None when the URL is meant."""
    uploads = _uploads(request)
    if not uploads:
        return None
    chosen = request.stream.getlist(field) or uploads
    if len(chosen) > 1:
        raise BadRequest("Only a single application package file is allowed for import.")
    return chosen[0]


def package_name(request: ServiceRequest, field: str = "file") -> str:
    """The file name of the package sent (upload or URL), for its extension."""
    upload = _upload(request, field)
    if upload is not None:
        return (upload.filename or "").replace("\\", "/")
    url = request.option("import_url")
    if not isinstance(url, str):
        raise BadRequest("The import_url must be a string.")
    try:
        return unquote(urlsplit(url).path)
    except ValueError:
        raise BadRequest("The URL to import is not valid.") from None


def extension(name: str) -> str:
    return posixpath.splitext(name)[1].lower().lstrip(".")


@contextlib.contextmanager
def open_package(
    request: ServiceRequest, field: str = "file", extensions: tuple[str, ...] = (EXTENSION,)
) -> Iterator[IO[bytes]]:
    """The package of the request as a seekable binary file, closed after the block."""
    if extension(package_name(request, field)) not in extensions:
        allowed = "' or '".join(extensions)
        raise BadRequest(f"Only package files ending with '{allowed}' are allowed for import.")
    upload = _upload(request, field)
    if upload is not None:
        upload.stream.seek(0)
        yield upload.stream
        return
    settings = current_app.config
    with tempfile.TemporaryFile() as scratch:
        with fetch.download(
            request.option("import_url"),
            timeout=float(settings["FILE_URL_IMPORT_TIMEOUT"]),
            chunk=int(settings["FILE_CHUNK_SIZE"]),
            max_size=int(settings["FILE_MAX_UPLOAD_SIZE"]),
            allow_private=bool(settings["FILE_URL_IMPORT_ALLOW_PRIVATE"]),
        ) as found:
            for data in found.chunks:
                scratch.write(data)
        scratch.seek(0)
        yield scratch

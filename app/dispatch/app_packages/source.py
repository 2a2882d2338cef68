"""Where a package to import comes from: a multipart upload or ``import_url``.

As DreamFactory's ``POST system/app``: an uploaded file (field ``file``, or the
only file sent) or an ``import_url`` in the body or the query, either of which
must name a ``.dfpkg``. A URL is downloaded as the file services' ``url=``
imports are (``files.fetch``: http and https only, bounded in size and time,
private addresses refused unless ``FILE_URL_IMPORT_ALLOW_PRIVATE``) into a
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
from werkzeug.datastructures import MultiDict

from app.dispatch.app_packages.contents import EXTENSION
from app.services.files import fetch
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest

WRONG_EXTENSION = f"Only package files ending with '{EXTENSION}' are allowed for import."


def wants_import(request: ServiceRequest) -> bool:
    """Whether a ``POST system/app`` brings a package rather than app records."""
    return bool(_uploads(request)) or bool(request.option("import_url"))


def _uploads(request: ServiceRequest) -> list:
    if not isinstance(request.stream, MultiDict):
        return []
    return [f for key in request.stream for f in request.stream.getlist(key)]


def _check_name(name: str) -> None:
    if posixpath.splitext(name)[1].lower() != f".{EXTENSION}":
        raise BadRequest(WRONG_EXTENSION)


@contextlib.contextmanager
def open_package(request: ServiceRequest) -> Iterator[IO[bytes]]:
    """The package of the request as a seekable binary file, closed after the block."""
    uploads = _uploads(request)
    if uploads:
        chosen = request.stream.getlist("file") or uploads
        if len(chosen) > 1:
            raise BadRequest("Only a single application package file is allowed for import.")
        upload = chosen[0]
        _check_name((upload.filename or "").replace("\\", "/"))
        upload.stream.seek(0)
        yield upload.stream
        return
    url = request.option("import_url")
    if not isinstance(url, str):
        raise BadRequest("The import_url must be a string.")
    _check_name(unquote(urlsplit(url).path))
    settings = current_app.config
    with tempfile.TemporaryFile() as scratch:
        with fetch.download(
            url,
            timeout=float(settings["FILE_URL_IMPORT_TIMEOUT"]),
            chunk=int(settings["FILE_CHUNK_SIZE"]),
            max_size=int(settings["FILE_MAX_UPLOAD_SIZE"]),
            allow_private=bool(settings["FILE_URL_IMPORT_ALLOW_PRIVATE"]),
        ) as found:
            for data in found.chunks:
                scratch.write(data)
        scratch.seek(0)
        yield scratch

"""The app's request class: werkzeug's form machinery on ``MultipartParser``, file parts
spooled beside the storage, every body read whole or refused.

File parts go to unnamed temporary files (``O_TMPFILE``) on the storage path's
file system, so a file service can link one into its container instead of
copying it (``services.files.upload``); see ``app.blueprints.multipart``. The
body stream is a ``WholeBody``: one that ends before its announced length (or a
chunked one cut short) raises a 400 instead of ending (``app.blueprints.whole_body``).
"""

from __future__ import annotations

import os
import tempfile
from typing import IO, Any

from flask import Request, current_app, has_app_context
from werkzeug import formparser
from werkzeug.exceptions import BadRequest
from werkzeug.utils import cached_property
from werkzeug.wsgi import get_input_stream

from app.blueprints.multipart import MultipartParser
from app.blueprints.whole_body import WholeBody


class FormDataParser(formparser.FormDataParser):
    """werkzeug's form parser with ``MultipartParser`` for ``multipart/form-data``."""

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> Any:
        if mimetype != "multipart/form-data":
            return super().parse(stream, mimetype, content_length, options)
        boundary = (options or {}).get("boundary", "")
        try:
            encoded = boundary.encode("ascii")
        except UnicodeEncodeError:
            encoded = b""
        if not encoded:
            if not content_length and not stream.read(1):
                return stream, self.cls(), self.cls()
            raise BadRequest("The multipart body's Content-Type has no (ASCII) boundary.")
        fields, files = MultipartParser(
            stream.read,
            encoded,
            self.stream_factory,
            total_length=content_length,
            max_field=self.max_form_memory_size,
            max_parts=self.max_form_parts,
        ).parse()
        return stream, self.cls(fields), self.cls(files)


def spool_folder() -> str | None:
    """The storage path, where file parts are spooled (None outside an app context)."""
    return current_app.config.get("STORAGE_PATH") if has_app_context() else None


def spool_file(folder: str | None) -> IO[bytes]:
    """An unnamed temporary file on ``folder``'s file system that may later be given a name.

    ``tempfile.TemporaryFile`` opens its ``O_TMPFILE`` with ``O_EXCL``, which
    forbids linking it, hence the ``os.open`` here; without ``O_TMPFILE`` (another
    OS, an old file system) or without write access to ``folder``, a system
    temporary file is used.
    """
    if folder and hasattr(os, "O_TMPFILE"):
        try:
            fd = os.open(folder, os.O_RDWR | os.O_TMPFILE | os.O_CLOEXEC, 0o600)
        except OSError:
            pass
        else:
            return open(fd, "rb+")  # closed with the request's files (request.close())
    return tempfile.TemporaryFile("rb+")


class ApiRequest(Request):
    """Flask's request with the fast multipart parser, file parts spooled beside the storage,
    and a body stream that refuses to end before its announced length."""

    form_data_parser_class = FormDataParser

    @cached_property
    def stream(self) -> IO[bytes]:  # type: ignore[override]
        """werkzeug's guarded input stream (``Request.stream``), read through ``WholeBody``."""
        if self.shallow:
            raise RuntimeError("This request was created with 'shallow=True'; no body reads.")
        stream = get_input_stream(self.environ, max_content_length=self.max_content_length)
        return WholeBody(stream, self.content_length)

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        return spool_file(spool_folder())

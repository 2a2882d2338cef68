"""Multipart form bodies, parsed with big reads and ``bytes.find``, file parts straight to disk.

werkzeug's own parser runs a regular expression over a ``bytearray`` for every
64 KiB it reads, about a CPU second per GB: the bottleneck of multipart uploads.
This one reads ``READ_SIZE`` bytes at a time and looks for the boundary with one
``bytes.find`` (C) per buffer, so a file part costs little more than writing it.
The app's request class (``app.blueprints.api_request``) plugs it into werkzeug's
form machinery: ``request.form`` and ``request.files`` (the access pipeline's form
token, the REST controller's payload) use it, and ``request.close()`` closes every
part at the end of the request.

File parts go to unnamed temporary files (``O_TMPFILE``) on the storage path's
file system: a crash leaves nothing behind, and a file service can link one into
its container instead of copying it (``services.files.upload``). Where the storage
path cannot hold them, they are ordinary temporary files in the system's folder.

How a body is read (RFC 2046/7578, and as lenient as werkzeug where clients stray):

- A delimiter is a line break (CRLF, LF or a bare CR, which belongs to the
  delimiter), ``--`` and the boundary, then optional spaces or tabs and a line
  break, or ``--`` for the closing one. ``--`` and the boundary followed by
  anything else is part data.
- The first delimiter needs no line break before it; the preamble before it and
  the epilogue after the closing one are read and ignored. An empty body is an
  empty form.
- A part's headers end at its first blank line; a part without a
  ``Content-Disposition`` is refused; one with a ``filename`` is a file.
- Errors: a missing boundary, a body that is not multipart or ends before its
  closing delimiter, oversized part headers answer 400; more parts than
  ``MAX_FORM_PARTS`` or a text field over ``MAX_FORM_MEMORY_SIZE`` answer 413.
  Files already spooled for the request are closed (and so gone) on any error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import IO

from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.http import parse_options_header

READ_SIZE = 1024 * 1024
"""Bytes asked of the request stream per read."""

MAX_PREAMBLE = 64 * 1024
"""Bytes allowed before the first delimiter (clients send none)."""

MAX_HEADER_BYTES = 16 * 1024
"""Bytes allowed for one part's header lines."""

MAX_PADDING = 256
"""Spaces or tabs allowed after a delimiter before its line break."""

LINE_BREAK = re.compile(rb"\r\n|\n|\r")
BLANK_LINES = (b"\r\n\r\n", b"\n\n", b"\r\r")
PADDING = b" \t"
LINE_BREAKS = b"\r\n"
CR, LF, DASH = 13, 10, 45
TEXT_CHARSETS = ("ascii", "us-ascii", "utf-8", "iso-8859-1")
"""Charsets a text field may declare; anything else is read as UTF-8 (as werkzeug)."""

StreamFactory = Callable[..., IO[bytes]]


class _Part:
    """The part being read: its name and headers, and where its data goes."""

    def __init__(self, name: str, headers: Headers, file: IO[bytes] | None) -> None:
        self.name = name
        self.headers = headers
        self.file = file
        self.chunks: list[bytes] = []
        self.size = 0


TEXT_FIELDS_BUDGET = 4
"""All text fields of one body together may hold this many times ``MAX_FORM_MEMORY_SIZE``
(files are spooled to disk and limited by the upload size instead)."""


class MultipartParser:
    """One multipart body read from ``read`` into text fields and spooled file parts.

    ``stream_factory`` is werkzeug's (``Request._get_file_stream``); ``max_field``
    and ``max_parts`` are ``MAX_FORM_MEMORY_SIZE`` and ``MAX_FORM_PARTS`` (None: no limit).
    """

    def __init__(
        self,
        read: Callable[[int], bytes],
        boundary: bytes,
        stream_factory: StreamFactory,
        *,
        total_length: int | None = None,
        max_field: int | None = None,
        max_parts: int | None = None,
        read_size: int = READ_SIZE,
    ) -> None:
        self.read = read
        self.needle = b"--" + boundary
        self.stream_factory = stream_factory
        self.total_length = total_length
        self.max_field = max_field
        self.max_parts = max_parts
        self.read_size = read_size
        self.buf = b""
        self.eof = False
        self.text_size = 0
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.open_files: list[IO[bytes]] = []

    def parse(self) -> tuple[list[tuple[str, str]], list[tuple[str, FileStorage]]]:
        """Read the whole body; (name, text) fields and (name, FileStorage) files in order."""
        try:
            pos = self._opening()
            while pos is not None:
                part, pos = self._headers(pos)
                pos = self._data(part, pos)
            while not self.eof:  # the epilogue
                self._fill(drop=len(self.buf))
        except BaseException:
            for handle in self.open_files:
                handle.close()
            raise
        return self.fields, self.files

    # -- reading ------------------------------------------------------------------------------

    def _fill(self, drop: int) -> None:
        """Forget the first ``drop`` bytes of the buffer and append the next read (or see EOF)."""
        data = self.read(self.read_size)
        if data:
            self.buf = self.buf[drop:] + data
        else:
            self.buf = self.buf[drop:]
            self.eof = True

    def _truncated(self) -> BadRequest:
        return BadRequest("The multipart body ended before its closing boundary.")

    def _after_delimiter(self, end: int) -> int | bool | None:
        """What follows a ``--boundary`` that ends at ``end`` in the buffer.

        Where the next part's headers start; None after the closing delimiter;
        False when this is no delimiter (part data); True when the buffer ends
        too soon to tell.
        """
        buf = self.buf
        size = len(buf)
        if buf.startswith(b"--", end):
            return None
        pos = end
        while pos < size and buf[pos] in PADDING:
            pos += 1
        if pos - end > MAX_PADDING:
            return False
        if pos == size or (end + 1 == size and buf[end] == DASH):
            return True
        if buf[pos] == CR:
            if pos + 1 == size:
                return pos + 1 if self.eof else True
            return pos + 2 if buf[pos + 1] == LF else pos + 1
        return pos + 1 if buf[pos] == LF else False

    def _delimiter(self, found: int) -> int | bool | None:
        """``_after_delimiter``, raising 400 when the body ended too soon to tell."""
        after = self._after_delimiter(found + len(self.needle))
        if after is True and self.eof:
            raise self._truncated()
        return after

    # -- the three stages ---------------------------------------------------------------------

    def _opening(self) -> int | None:
        """Skip the preamble; where the first part's headers start (None: no parts at all)."""
        search = skipped = 0
        while True:
            found = self.buf.find(self.needle, search)
            if found == -1:
                drop = max(0, len(self.buf) - len(self.needle))
                skipped += drop
                if self.eof or skipped > MAX_PREAMBLE:
                    if self.eof and not skipped and not self.buf.strip():
                        return None  # an empty body: an empty form
                    raise BadRequest("The body is not multipart: its boundary was not found.")
                self._fill(drop)
                search = 0
                continue
            after = self._delimiter(found)
            if after is True:
                self._fill(found)
                search = 0
            elif after is False:
                search = found + 1
            else:
                return after

    def _headers(self, pos: int) -> tuple[_Part, int]:
        """Read one part's header lines from ``pos``; (the part, where its data starts)."""
        while True:
            limit = pos + MAX_HEADER_BYTES
            if LINE_BREAK.match(self.buf, pos):
                raise BadRequest("A multipart part has no Content-Disposition header.")
            ends = [(self.buf.find(blank, pos, limit), len(blank)) for blank in BLANK_LINES]
            found = [(at, size) for at, size in ends if at != -1]
            if found:
                at, size = min(found)
                if self.buf[at : at + 2] != b"\r\r":
                    break
                if self.buf.startswith(b"\r\r\n", at):  # a bare CR, then CRLF (as werkzeug)
                    size = 3
                if at + 2 < len(self.buf) or self.eof:
                    break
            if len(self.buf) - pos > MAX_HEADER_BYTES:
                raise BadRequest("The headers of a multipart part are too long.")
            if self.eof:
                raise self._truncated()
            self._fill(pos)
            pos = 0
        headers = parse_headers(self.buf[pos:at])
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise BadRequest("A multipart part has no Content-Disposition header.")
        if self.max_parts is not None and len(self.fields) + len(self.files) >= self.max_parts:
            raise RequestEntityTooLarge("The multipart body has too many parts.")
        _, options = parse_options_header(disposition)
        name = options.get("name") or ""
        filename = options.get("filename")
        file = None
        if filename is not None:
            file = self.stream_factory(
                total_content_length=self.total_length,
                content_type=headers.get("content-type"),
                filename=filename,
                content_length=0,
            )
            self.open_files.append(file)
            self.files.append((name, FileStorage(file, filename, name, headers=headers)))
        return _Part(name, headers, file), at + size

    def _data(self, part: _Part, start: int) -> int | None:
        """Copy a part's data to its file or text; where the next headers start (None: done).

        The byte before ``start`` (the end of the blank line) stays in the buffer:
        a delimiter right at ``start`` needs it as its line break. ``search`` is
        always at least 1, so the byte before a match is in the buffer.
        """
        needle = self.needle
        search = max(start, 1)
        while True:
            buf = self.buf
            found = buf.find(needle, search)
            if found == -1:
                # all but what could begin a delimiter (line break, "--", part of the boundary)
                keep = max(start - 1, len(buf) - len(needle) - 2, 0)
                self._write(part, buf, start, keep)
                if self.eof:
                    raise self._truncated()
                self._fill(keep)
                start = max(start - keep, 0)
                search = max(start, 1)
                continue
            after = self._delimiter(found) if buf[found - 1] in LINE_BREAKS else False
            if after is False:
                search = found + 1
            elif after is True:
                keep = max(start - 1, found - 2, 0)
                self._write(part, buf, start, keep)
                self._fill(keep)
                search = found - keep
                start = max(start - keep, 0)
            else:
                end = found - 1
                if buf[end] == LF and end > start and buf[end - 1] == CR:
                    end -= 1
                self._write(part, buf, start, end)
                self._finish(part)
                return after

    def _write(self, part: _Part, buf: bytes, start: int, end: int) -> None:
        if end <= start:
            return
        if part.file is not None:
            part.file.write(memoryview(buf)[start:end])
            return
        part.size += end - start
        self.text_size += end - start
        if self.max_field is not None and part.size > self.max_field:
            raise RequestEntityTooLarge(f"The form field '{part.name}' is too large.")
        if self.max_field is not None and self.text_size > TEXT_FIELDS_BUDGET * self.max_field:
            # per field alone, MAX_FORM_PARTS fields could hold hundreds of MB in memory
            raise RequestEntityTooLarge("The form's text fields are too large together.")
        part.chunks.append(buf[start:end])

    def _finish(self, part: _Part) -> None:
        if part.file is not None:
            part.file.seek(0)
            return
        charset = "utf-8"
        content_type = part.headers.get("content-type")
        if content_type:
            declared = parse_options_header(content_type)[1].get("charset", "").lower()
            if declared in TEXT_CHARSETS:
                charset = declared
        self.fields.append((part.name, b"".join(part.chunks).decode(charset, "replace")))


def parse_headers(block: bytes) -> Headers:
    """A part's header lines (folded lines joined) as ``Headers``; UTF-8, else Latin-1."""
    lines: list[str] = []
    for raw in LINE_BREAK.split(block):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("latin-1")
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += " " + line.strip(" \t")
        elif line.strip(" \t"):
            lines.append(line)
    headers = Headers()
    for line in lines:
        name, _, value = line.partition(":")
        headers.add(name.strip(" \t"), value.strip(" \t"))
    return headers

"""The request body as announced, or a 400: a body that ends early is never taken as whole.

gunicorn hands the app a body that simply stops where the client stopped: a
request announcing ``Content-Length: 1000`` whose client sends 5 bytes and
shuts its side down reads as a 5-byte body, and werkzeug, told by
``wsgi.input_terminated`` that the server ends the stream, does not hold it
to its length. So the app's request class reads every body through
``WholeBody``: it counts what arrives and, when the stream ends short of the
announced length, raises ``IncompleteBody`` (400). A read that fails (a
chunked body cut before its last chunk or malformed, the client gone) is the
same error. Whoever reads the body (an upload, a JSON or form parser, the
multipart parser, a proxied call) therefore fails before using it, and what
a client only half sent is never stored as if it were whole.
"""

from __future__ import annotations

import io
import logging
from typing import IO

from werkzeug.exceptions import ClientDisconnected, HTTPException

from app.vocabulary.errors import ApiError, BadRequest

logger = logging.getLogger(__name__)


class IncompleteBody(BadRequest):
    default_message = (
        "The request body could not be read to its end: the client sent an incomplete "
        "or malformed body."
    )


class WholeBody(io.RawIOBase):
    """A request body stream that raises ``IncompleteBody`` rather than end early."""

    def __init__(self, stream: IO[bytes], announced: int | None) -> None:
        super().__init__()
        self._stream = stream
        self._announced = announced
        self._seen = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._seen

    def _short(self) -> IncompleteBody:
        if self._announced is None:
            return IncompleteBody()
        return IncompleteBody(
            f"The request body is incomplete: {self._seen} of the {self._announced} bytes "
            "announced by Content-Length arrived."
        )

    def read(self, size: int | None = -1) -> bytes:
        whole = size is None or size < 0
        if size == 0:
            return b""
        try:
            data = self._stream.read() if whole else self._stream.read(size)
        except ClientDisconnected:  # werkzeug's own length check, where it makes one
            raise self._short() from None
        except (HTTPException, ApiError):  # 413 and the like: the client's real answer
            raise
        except Exception as exc:  # the server's reader: a cut or malformed chunked body
            logger.info("request body unreadable: %s", type(exc).__name__)
            raise self._short() from None
        self._seen += len(data)
        ended = whole or not data
        if ended and self._announced is not None and self._seen < self._announced:
            raise self._short()
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

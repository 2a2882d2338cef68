"""A read that met a database connection the server had dropped is run once more.

After a database restart every connection a pool kept is dead, and the pool
learns it only when one is used: the request using it fails with a 503. The
pool then replaces all of its connections (``app.pooling``), so the same
request run again gets fresh ones. That is safe for a GET or HEAD without a
body that committed nothing before the failure, and ``RetryReads`` does it
once, so clients reading see no error after a restart. Anything else gets the
503: a write may have done part of its work.

While a request runs, the app notes on its WSGI environ what the database
did: ``note_disconnect`` when a connection turned out dead (not: could not be
opened, which a second attempt would meet as well), ``note_commit`` when a
transaction committed. The wrapper runs each attempt on a copy of the
environ and reads the notes from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import has_request_context, request

logger = logging.getLogger(__name__)

DISCONNECTED = "df.db_disconnected"
COMMITTED = "df.db_committed"

SAFE_METHODS = frozenset({"GET", "HEAD"})
"""Methods whose requests may be run twice."""

RETRY_STATUS = "503"
"""Only an answer with this status is retried (the one a lost connection becomes)."""


def note_disconnect() -> None:
    """Record that a database connection of this request turned out to be dead."""
    if has_request_context():
        request.environ[DISCONNECTED] = True


def note_commit() -> None:
    """Record that this request committed a transaction (it may not run again)."""
    if has_request_context():
        request.environ[COMMITTED] = True


def _has_body(environ: dict[str, Any]) -> bool:
    if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return True
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


class RetryReads:
    """WSGI middleware: run a body-less GET/HEAD again when it failed on a dead connection.

    Flask calls ``start_response`` before returning the body, so the first
    attempt's status is known when the body comes back; it is held and only
    passed on when that answer stands.
    """

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("REQUEST_METHOD") not in SAFE_METHODS or _has_body(environ):
            return self.wsgi_app(environ, start_response)
        attempt = dict(environ)
        held: list[Any] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            held[:] = [status, headers, exc_info]
            return _refuse_write

        body = self.wsgi_app(attempt, hold)
        if (
            held
            and held[0].startswith(RETRY_STATUS)
            and attempt.get(DISCONNECTED)
            and not attempt.get(COMMITTED)
        ):
            close = getattr(body, "close", None)
            if close is not None:
                close()
            logger.info(
                "retrying %s %s after a lost database connection",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
            )
            return self.wsgi_app(dict(environ), start_response)
        start_response(*held)
        return body


def _refuse_write(data: bytes) -> None:
    raise RuntimeError("RetryReads does not support the WSGI write() callable")

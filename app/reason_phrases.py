"""HTTP status lines with the standard reason phrases: ``404 Not Found``, not ``404 NOT FOUND``.

werkzeug writes the phrase of a numeric status in upper case. Clients that show or compare
the status line (DreamFactory's console prints it in its error messages, proxies log it)
expect the phrase as the HTTP standard writes it. ``StandardReasons`` wraps the WSGI app and
rewrites the phrase of every response whose code the standard names, whichever part of the
app made it (views, error handlers, file downloads, routing errors); a code it does not know
keeps the phrase it came with.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
"""Status line (code and standard phrase) of every code Python's ``http`` module names."""


def standard_status(status: str) -> str:
    """``"404 NOT FOUND"`` → ``"404 Not Found"``; a status of an unknown code as it is."""
    code = status.split(" ", 1)[0]
    if not code.isdigit():
        return status
    return STATUS_LINES.get(int(code), status)


class StandardReasons:
    """WSGI middleware giving every response its standard reason phrase."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: Any, exc_info: Any = None) -> Any:
            return start_response(standard_status(status), headers, exc_info)

        return self.app(environ, start)

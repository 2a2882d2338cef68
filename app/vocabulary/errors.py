"""The one error family every client-visible failure belongs to.

Every error leaves the server in DreamFactory's envelope
``{"error": {"code", "context", "message", "status_code"}}``; messages are
HTML-entity encoded as DreamFactory does (``<``, ``>``, ``&`` and ``"``;
single quotes stay), so clients that match message text work unchanged.
Rendering them (and werkzeug's errors, and unexpected exceptions) as
responses is ``app.errors``'s part.
"""

from __future__ import annotations

import html
from typing import Any


class ApiError(Exception):
    """An error with an HTTP status, a DreamFactory code and an optional context."""

    status: int = 500
    code: int | None = None
    default_message: str = "An internal error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: int | None = None,
        context: Any = None,
        status: int | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.context = context
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The inner error object (without the ``error`` key)."""
        return error_dict(self.status, self.message, code=self.code, context=self.context)


class BadRequest(ApiError):
    status = 400
    default_message = "Bad request."


class InvalidJson(BadRequest):
    default_message = "Invalid or malformed JSON."


class ValidationFailed(BadRequest):
    """Record validation: ``Invalid data supplied.`` plus the messages, context field→list."""

    def __init__(
        self, errors: dict[str, list[str]], prefix: str = "Invalid data supplied."
    ) -> None:
        messages = " ".join(m for msgs in errors.values() for m in msgs)
        super().__init__(f"{prefix} {messages}".strip(), context=errors)


class BatchError(ApiError):
    """Some records of a batch failed; ``context`` holds per-record results."""

    status = 400
    code = 1000


class Unauthorized(ApiError):
    status = 401
    default_message = "Unauthorized."


class Forbidden(ApiError):
    status = 403
    default_message = "Forbidden."


class NotFound(ApiError):
    status = 404
    default_message = "Not found."


class MethodNotAllowed(ApiError):
    status = 405
    default_message = "Method not allowed."


class Conflict(ApiError):
    status = 409
    default_message = "Conflict."


class PayloadTooLarge(ApiError):
    status = 413
    default_message = "Request payload is too large."


class TooManyRequests(ApiError):
    status = 429
    default_message = "Too many requests."


class InternalServerError(ApiError):
    status = 500


class NotImplementedYet(ApiError):
    status = 501
    default_message = "Not implemented."


class BadGateway(ApiError):
    status = 502
    default_message = "Bad gateway."


class ServiceUnavailable(ApiError):
    status = 503
    default_message = "Service unavailable."


class StoreUnavailable(ServiceUnavailable):
    """The system store cannot be reached or dropped the connection (e.g. it is restarting)."""

    default_message = "The system database is unavailable. Try again in a few seconds."


class GatewayTimeout(ApiError):
    status = 504
    default_message = "Gateway timeout."


def error_dict(
    status: int, message: str, *, code: int | None = None, context: Any = None
) -> dict[str, Any]:
    """The inner error object, keys in DreamFactory's order."""
    return {
        "code": code if code is not None else status,
        "context": context,
        "message": html.escape(message, quote=False).replace('"', "&quot;"),
        "status_code": status,
    }


def error_body(error: ApiError) -> dict[str, Any]:
    return {"error": error.to_dict()}


STORE_BUSY = (
    "The system store is busy: another write kept it locked past the lock timeout. Try again later."
)


def store_busy() -> ServiceUnavailable:
    """The 503 for a write to the SQLite system store that waited for the lock in vain."""
    return ServiceUnavailable(STORE_BUSY)

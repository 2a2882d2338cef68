"""Every error as a response in DreamFactory's envelope: the handlers ``create_app`` registers.

Raised ``ApiError``s (``app.vocabulary.errors``), werkzeug's routing errors
and unexpected exceptions alike leave the server as
``{"error": {"code", "context", "message", "status_code"}}``.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, current_app
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.disconnects import is_unavailable
from app.extensions import db
from app.responses import render
from app.sqlite_locking import is_busy
from app.vocabulary.errors import (
    ApiError,
    InternalServerError,
    StoreUnavailable,
    error_body,
    store_busy,
)

logger = logging.getLogger(__name__)


def _render(error: ApiError, trace: list[str] | None = None):
    body = error_body(error)
    if trace is not None:
        inner = body["error"]
        body["error"] = {
            "code": inner["code"],
            "context": inner["context"],
            "message": inner["message"],
            "trace": trace,
            "status_code": inner["status_code"],
        }
    return render(body, error.status, getattr(error, "headers", None))


def render_api_error(error: ApiError):
    return _render(error)


def render_http_exception(error: HTTPException):
    status = error.code or 500
    if status == 404:
        message = "Resource not found."
    elif status == 405:
        message = "Method not allowed."
    elif status == 413:
        message = "Request payload is too large."
    else:
        message = error.description or error.name
    response = _render(ApiError(message, status=status))
    if status == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def render_store_error(error: OperationalError):
    """A store lock that stayed taken past ``SQLITE_BUSY_TIMEOUT`` is a 503; else a 500."""
    if not is_busy(error):
        return render_unexpected(error)

    try:
        db.session.rollback()
    except Exception:  # the 503 must still go out
        logger.exception("rollback after a busy system store failed")
    logger.warning("system store busy: %s", error.orig)
    return _render(store_busy())


def render_unexpected(error: Exception):
    """Log the traceback, roll the session back and answer a 500 without leaking it.

    A database that is away (restarting, unreachable: ``app.disconnects``) is
    no bug but a 503, logged in one line.
    """
    try:
        db.session.rollback()
    except Exception:  # the session may be unusable; the answer must still go out
        logger.exception("rollback after an unexpected error failed")
    if is_unavailable(error):
        cause = " ".join(str(getattr(error, "orig", None) or error).split())[:300]
        logger.warning("system database unavailable: %s", cause)
        return _render(StoreUnavailable())
    logger.error("unexpected error: %s", error, exc_info=error)
    trace = None
    if current_app.config.get("DEBUG"):
        trace = traceback.format_exception(error)
    return _render(InternalServerError(), trace)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, render_api_error)
    app.register_error_handler(HTTPException, render_http_exception)
    app.register_error_handler(OperationalError, render_store_error)
    app.register_error_handler(Exception, render_unexpected)

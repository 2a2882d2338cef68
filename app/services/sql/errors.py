"""Database failures as client errors: 503 when the server is away, 504 on a timeout, else 400.

A failure to connect, or a connection lost mid-statement, is the service
being unavailable (503, naming the service, never the connection URL): the
pool has then been renewed (``app.pooling``), and a read is run once more
(``app.read_retry``). So is an SQLite database that another writer kept
locked past the busy timeout (``app.sqlite_locking``). A statement cancelled
by the service's ``statement_timeout`` is a 504. Anything else the database
refuses (constraints, types, values) is the client's request: a 400 carrying
the driver's message, as DreamFactory does, with unique violations always
saying "duplicate".
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.disconnects import is_unavailable, mysql_code
from app.sqlite_locking import is_busy
from app.vocabulary.errors import ApiError, BadRequest, GatewayTimeout, ServiceUnavailable

logger = logging.getLogger(__name__)

MAX_MESSAGE = 500
"""Characters of a driver message passed on to the client."""

MYSQL_TIMEOUTS = frozenset({1317, 1969, 3024})
"""Interrupted, MariaDB ``max_statement_time`` exceeded, MySQL ``max_execution_time`` exceeded."""


def is_timeout(exc: DBAPIError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "57014":  # PostgreSQL query_canceled
        return True
    if isinstance(orig, sqlite3.OperationalError) and "interrupted" in str(orig):
        return True
    return mysql_code(exc.orig) in MYSQL_TIMEOUTS


def driver_message(exc: DBAPIError) -> str:
    """The driver's own words, on one line and of bounded length."""
    text = " ".join(line.strip() for line in str(exc.orig).splitlines() if line.strip())
    return text[:MAX_MESSAGE] or "The database refused the request."


def unavailable(service_name: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"Database service '{service_name}' is unavailable: could not connect to its database."
    )


def busy(service_name: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"Database service '{service_name}' is busy: another write kept its database locked "
        "past the lock timeout. Try again later."
    )


def timed_out(service_name: str) -> GatewayTimeout:
    return GatewayTimeout(
        f"Database service '{service_name}' did not answer within its statement timeout."
    )


def translate(exc: Exception, service_name: str) -> ApiError:
    """The client error for a database failure (re-raises what is not a database failure)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, PoolTimeout):
        return unavailable(service_name)
    if isinstance(exc, DBAPIError):
        if is_timeout(exc):
            return timed_out(service_name)
        if is_busy(exc):
            logger.warning("service=%s database locked past the busy timeout", service_name)
            return busy(service_name)
        if is_unavailable(exc):
            logger.warning("service=%s database connection lost: %s", service_name, exc.orig)
            return unavailable(service_name)
        message = driver_message(exc)
        if isinstance(exc, IntegrityError) and _is_unique_violation(message):
            if "duplicate" not in message.lower():
                message = f"Duplicate value: {message}"
        return BadRequest(message)
    if isinstance(exc, SQLAlchemyError):
        logger.exception("service=%s database error", service_name)
        return BadRequest(f"The database refused the request: {type(exc).__name__}.")
    raise exc


def _is_unique_violation(message: str) -> bool:
    lowered = message.lower()
    return "unique" in lowered or "duplicate" in lowered


@contextmanager
def connect(engine: sa.Engine, service_name: str) -> Iterator[sa.Connection]:
    """A pooled connection; failures come out as client errors (503/504/400)."""
    try:
        connection = engine.connect()
    except (DBAPIError, PoolTimeout) as exc:
        logger.warning(
            "service=%s cannot connect: %s", service_name, getattr(exc, "orig", exc) or exc
        )
        raise unavailable(service_name) from None
    try:
        with connection:
            yield connection
    except SQLAlchemyError as exc:
        raise translate(exc, service_name) from exc

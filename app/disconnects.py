"""Telling a database that went away from one that refused a statement.

Shared by the system store and the SQL services: a failure that means the
server cannot be reached, or dropped the connection (restarted, shut down,
crashed, network gone), is answered 503 and makes the pool replace its
connections (``app.pooling``); anything else is the statement's own failure.

SQLAlchemy's own test misses some of the ways a restart shows: psycopg's
``the connection is closed`` on a connection whose server left, PostgreSQL's
``terminating connection due to administrator command`` (57P01) arriving
before libpq marks the connection bad, MariaDB's ``Server shutdown in
progress`` (1053). The drivers are looked up among the loaded modules only: an
error of a driver can exist only once that driver was imported.
"""

from __future__ import annotations

import sys

import sqlalchemy as sa

PG_GONE = ("08", "57P01", "57P02", "57P03")
"""SQLSTATE prefixes: connection exceptions, admin and crash shutdown, cannot connect now."""

PG_MISCONFIGURED = ("does not exist", "authentication failed", "pg_hba.conf", "no password")
"""Words of libpq's connection failures that are the configuration's fault (a missing
database or role, a refused login): an operator must act, so these stay 500s."""

MYSQL_GONE = frozenset({1053, 1927, 2002, 2003, 2006, 2013, 2055, 4031})
"""MySQL/MariaDB codes: shutdown in progress, connection killed, cannot connect, server gone
away, lost during query or reading, disconnected as idle."""


def mysql_code(error: BaseException) -> int | None:
    """The error number of a MySQL/MariaDB driver error (None for other errors)."""
    args = getattr(error, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def driver_lost(error: BaseException) -> bool:
    """Whether a DB-API error means the server is unreachable or dropped the connection."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(PG_GONE)
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(error, psycopg.Error):
        # No SQLSTATE: libpq's own failure (refused, closed, consuming input), or the server
        # refusing the connection, which libpq reports as text only.
        message = str(error)
        return isinstance(error, psycopg.OperationalError) and not any(
            problem in message for problem in PG_MISCONFIGURED
        )
    pymysql = sys.modules.get("pymysql")
    if pymysql is not None and isinstance(error, pymysql.err.Error):
        if isinstance(error, pymysql.err.InterfaceError) and mysql_code(error) == 0:
            return True  # pymysql's "(0, '')": the connection is closed
        return mysql_code(error) in MYSQL_GONE
    return False


def is_unavailable(error: BaseException) -> bool:
    """Whether a failure (SQLAlchemy's or a driver's) means the database is away, not the query."""
    if isinstance(error, sa.exc.TimeoutError | sa.exc.DisconnectionError):
        return True
    if isinstance(error, sa.exc.DBAPIError):
        return error.connection_invalidated or driver_lost(error.orig)
    return driver_lost(error)

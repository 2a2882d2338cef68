"""Which database failures mean "the server is away" (503), with errors the real drivers raise."""

from __future__ import annotations

import psycopg
import pymysql
import pytest
import sqlalchemy as sa

from app.disconnects import driver_lost, is_unavailable
from app.services.system.records.batch import as_api_error
from app.vocabulary.errors import StoreUnavailable
from tests.dbservers import SERVER_URLS, unavailable
from tests.private_servers import free_port


def _psycopg_connect(port: int) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=port, user="postgres", connect_timeout=5)


def _pymysql_connect(port: int) -> pymysql.Connection:
    return pymysql.connect(host="127.0.0.1", port=port, user="root", connect_timeout=5)


def _raised(action) -> BaseException:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the driver's own error is the point
        action()
    return caught.value


def _server_port(kind: str) -> int:
    return sa.make_url(SERVER_URLS[kind]).port or (5432 if kind == "postgresql" else 3306)


def _connected(kind: str):
    """A driver connection to the machine's server of ``kind`` (read-only use)."""
    connect = _psycopg_connect if kind == "postgresql" else _pymysql_connect
    try:
        return connect(_server_port(kind))
    except (psycopg.OperationalError, pymysql.err.OperationalError) as exc:
        unavailable(kind, str(exc))


def _closed_connection_error(kind: str) -> BaseException:
    connection = _connected(kind)
    connection.close()
    return _raised(lambda: connection.cursor().execute("SELECT 1"))


def _syntax_error(kind: str) -> BaseException:
    connection = _connected(kind)
    try:
        return _raised(lambda: connection.cursor().execute("SELEC 1"))
    finally:
        connection.close()


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_refused_and_closed_connections_are_lost(kind):
    connect = _psycopg_connect if kind == "postgresql" else _pymysql_connect
    port = free_port()
    assert driver_lost(_raised(lambda: connect(port)))
    assert driver_lost(_closed_connection_error(kind))


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_a_refused_statement_is_not_lost(kind):
    error = _syntax_error(kind)
    assert not driver_lost(error)
    assert not is_unavailable(sa.exc.ProgrammingError("SELEC 1", {}, error))


def test_postgresql_shutdown_states_are_lost():
    assert driver_lost(psycopg.errors.AdminShutdown("terminating connection"))
    assert driver_lost(psycopg.errors.CannotConnectNow("the database system is starting up"))
    assert not driver_lost(psycopg.errors.QueryCanceled("canceling statement"))


def test_pool_exhaustion_and_wrapped_losses_are_unavailable():
    assert is_unavailable(sa.exc.TimeoutError("QueuePool limit reached"))
    closed = psycopg.OperationalError("the connection is closed")
    assert is_unavailable(sa.exc.OperationalError("SELECT 1", {}, closed))
    assert not is_unavailable(ValueError("no database here"))


def test_a_batch_record_meeting_a_lost_store_fails_the_whole_request():
    closed = psycopg.OperationalError("the connection is closed")
    with pytest.raises(StoreUnavailable):
        as_api_error(sa.exc.OperationalError("INSERT", {}, closed))


def test_a_misconfigured_postgresql_store_is_not_an_outage():
    refused = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        'FATAL:  database "nope" does not exist'
    )
    assert not driver_lost(refused)
    shutting_down = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        "FATAL:  the database system is shutting down"
    )
    assert driver_lost(shutting_down)

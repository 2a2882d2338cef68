"""Extensions, created unbound here and bound to the app in ``create_app``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event

from app import pooling, sendable
from app.disconnects import is_unavailable
from app.sqlite_locking import use_wal

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Stable constraint names, so migrations can drop them on every backend."""

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()


def release_failed_flush() -> None:
    """Roll back a session that a failed flush left inactive, so it can be used again.

    A statement refused while flushing (``app.sendable``) rolls the transaction
    back but leaves the session unusable until ``rollback()``; whatever runs
    after the refusal in the same request needs it usable.
    """
    if not db.session.is_active:
        db.session.rollback()


def release_sessions_safely(app: Flask) -> None:
    """End each request's session even when its connection died with the store.

    Flask-SQLAlchemy's own teardown closes the session, which rolls back on
    the connection; if the server went away since the request's last
    statement, that rollback fails after the answer was made, and an error in
    a teardown reaches the WSGI server as a bare 500. Registered after
    ``db.init_app``, this teardown runs first: a lost connection is dropped
    with its session (SQLAlchemy has already given it back to the pool,
    invalidated), anything else still raises.
    """

    @app.teardown_appcontext
    def release_session(_exc: BaseException | None) -> None:
        try:
            db.session.remove()
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            db.session.registry.clear()


def _sqlite_setup(dbapi_connection, connection_record) -> None:
    """Foreign keys on, like the servers; the WAL journal for concurrent workers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    use_wal(dbapi_connection)


def tune_system_engine(app: Flask) -> None:
    """The store's pool hygiene (``app.pooling``); SQLite set up for several writers
    (``app.sqlite_locking``, with the IMMEDIATE writes ``create_app`` configures); text
    PostgreSQL cannot store refused before it is sent (``app.sendable``)."""
    with app.app_context():
        engine: sa.Engine = db.engine
        pooling.install(engine)
        sendable.install(engine)
        if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_setup):
            event.listen(engine, "connect", _sqlite_setup)

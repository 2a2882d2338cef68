"""One setup at a time per system store, across processes and machines.

``flask setup`` (migrations, seeding, the first admin) may start on every
node of a deployment at once. Two migrations creating the same tables, or
two seedings inserting the same rows, fail with duplicate errors; so a setup
holds the store's own lock from before its first query to its end:

- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) of this
  database, on a connection of its own;
- MariaDB/MySQL: ``GET_LOCK`` on a connection of its own, named after the
  database (these locks are server-wide);
- SQLite: ``fcntl.flock`` on ``<store file>.setup-lock`` next to the store.

A setup that finds the lock taken waits for it (polling, up to
``SETUP_LOCK_TIMEOUT`` seconds) and then finds the work done. The lock
connections run in autocommit, so the waiting ones hold no transaction that
the running migration could wait for. A process that dies releases its lock
with its connection or file.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

logger = logging.getLogger(__name__)

SETUP_LOCK_TIMEOUT = 600
"""Seconds a setup waits for another setup of the same store to finish."""

POLL_INTERVAL = 0.2
"""Seconds between two attempts at a taken lock."""

ADVISORY_KEY = 0x6466_7365_7475_70
"""PostgreSQL advisory lock key of the setup ("dfsetup"); advisory keys are per database."""

MAX_LOCK_NAME = 64
"""Characters MySQL allows in a ``GET_LOCK`` name."""


class SetupLockTimeout(Exception):
    """Another setup held the store's lock for longer than the wait allows."""


@contextmanager
def setup_lock(engine: sa.Engine, timeout: float | None = None) -> Iterator[None]:
    """Hold the store's setup lock for the duration of the block (wait ``timeout`` seconds,
    default ``SETUP_LOCK_TIMEOUT``, for another holder; then ``SetupLockTimeout``)."""
    timeout = SETUP_LOCK_TIMEOUT if timeout is None else timeout
    kind = engine.dialect.name
    if kind == "sqlite":
        with _file_lock(engine.url.database, timeout):
            yield
        return
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if kind == "postgresql":
            take = sa.text("SELECT pg_try_advisory_lock(:key)").bindparams(key=ADVISORY_KEY)
            release = sa.text("SELECT pg_advisory_unlock(:key)").bindparams(key=ADVISORY_KEY)
        else:
            name = lock_name(connection.execute(sa.text("SELECT DATABASE()")).scalar() or "")
            take = sa.text("SELECT GET_LOCK(:name, 0)").bindparams(name=name)
            release = sa.text("SELECT RELEASE_LOCK(:name)").bindparams(name=name)
        _wait(lambda: bool(connection.execute(take).scalar()), timeout)
        try:
            yield
        finally:
            try:
                connection.execute(release)
            except sa.exc.DBAPIError:  # a connection that cannot unlock must not be reused
                logger.warning("could not release the setup lock; dropping its connection")
                connection.invalidate()


def lock_name(database: str) -> str:
    """The MySQL ``GET_LOCK`` name of a database's setup (hashed when too long)."""
    name = f"df_setup:{database}"
    if len(name) > MAX_LOCK_NAME:
        name = "df_setup:" + hashlib.sha256(database.encode()).hexdigest()[:40]
    return name


@contextmanager
def _file_lock(path: str | None, timeout: float) -> Iterator[None]:
    if not path or path == ":memory:" or path.startswith("file:"):
        yield  # an in-memory store is this process's own
        return
    fd = os.open(f"{path}.setup-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:

        def take() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait(take, timeout)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def _wait(take: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    announced = False
    while not take():
        if time.monotonic() >= deadline:
            raise SetupLockTimeout(
                f"another setup of this system store held its lock for over {timeout:g} s"
            )
        if not announced:
            logger.info("another setup of this system store is running; waiting for it")
            announced = True
        time.sleep(POLL_INTERVAL)

"""Saying what went wrong with Redis, and where, without ever showing its password.

``DF_REDIS_URL`` may carry a password (``redis://:<password>@host:port/db``);
messages name the server as ``host:port/db`` only. A refused password and a
missing one (Redis requires one, the URL has none) get their own sentences,
since "cannot be reached" would send an admin looking at the wrong thing.
"""

from __future__ import annotations

import redis


def where(target: redis.Redis | str) -> str:
    """``host:port/db`` (or ``socket/db``) of a client or URL, never its password."""
    if isinstance(target, str):
        kwargs = redis.ConnectionPool.from_url(target).connection_kwargs
    else:
        kwargs = target.connection_pool.connection_kwargs
    place = kwargs.get("path") or f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
    return f"{place}/{kwargs.get('db', 0)}"


def has_password(target: redis.Redis | str) -> bool:
    if isinstance(target, str):
        return bool(redis.ConnectionPool.from_url(target).connection_kwargs.get("password"))
    return bool(target.connection_pool.connection_kwargs.get("password"))


def describe(
    what: str, target: redis.Redis | str, exc: Exception, setting: str = "DF_REDIS_URL"
) -> str:
    """A message for ``exc``, met by ``what`` ("The job queue") on the Redis of ``target``."""
    place = where(target)
    if isinstance(exc, redis.AuthenticationError):
        if has_password(target):
            return f"{what} cannot use Redis at {place}: Redis refused the password in {setting}."
        return (
            f"{what} cannot use Redis at {place}: Redis requires a password: put it in "
            f"{setting} (redis://:<password>@host:port/db)."
        )
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        return (
            f"{what} cannot be reached (Redis at {place}); "
            f"check that Redis is running and {setting} is right."
        )
    return f"{what} failed on Redis at {place} ({type(exc).__name__})."

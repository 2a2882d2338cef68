"""Idle connections of remote file servers (SFTP, FTP), kept per set of settings and reused.

A request should not pay a login (a TCP connection, a TLS or SSH handshake,
the credentials) for every file: ``Pools.get(settings)`` gives the pool of
each distinct set of settings, and a pooled connection serves one thread at a
time (gunicorn's ``gthread`` workers share the pools of their process). A
connection is asked whether it still works (``usable``: each protocol has its
own cheap check) before it is reused; one idle for ``IDLE_LIMIT`` seconds is
closed, and no more than ``MAX_IDLE`` are kept. A connection whose call failed
on the connection itself is closed by its tree rather than given back. Pools
are per process: a forked worker starts empty (its parent's sockets are not
its own).
"""

from __future__ import annotations

import abc
import collections
import os
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

IDLE_LIMIT = 300.0
"""Seconds after which an unused pooled connection is closed."""

MAX_IDLE = 4
"""Idle connections kept per set of settings."""

MAX_POOLS = 32
"""Sets of settings whose pools are kept (the least recently used one is closed)."""


class Connection(Protocol):
    used: float
    """When it was last given back (``time.monotonic``)."""

    def usable(self) -> bool:
        """Whether the connection still works (checked before each reuse)."""
        ...

    def close(self) -> None:
        """Close it, quietly: it may be broken already."""
        ...


C = TypeVar("C", bound=Connection)
K = TypeVar("K", bound=Hashable)


class Pool(abc.ABC, Generic[C]):
    """The idle connections of one set of settings; each protocol's ``connect`` makes more."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[C] = []
        self.pid = os.getpid()

    @abc.abstractmethod
    def connect(self) -> C:
        """A new connection, logged in; its failures as the client's errors (``ApiError``)."""

    def take(self) -> C:
        """An idle connection that still works, or a new one."""
        while True:
            with self.lock:
                if self.pid != os.getpid():  # forked: the parent's connections are not ours
                    self.idle, self.pid = [], os.getpid()
                connection = self.idle.pop() if self.idle else None
            if connection is None:
                return self.connect()
            if connection.usable():
                return connection
            connection.close()

    def give(self, connection: C) -> None:
        """Keep ``connection`` for reuse (closing any beyond ``MAX_IDLE`` or too old)."""
        now = time.monotonic()
        connection.used = now
        with self.lock:
            self.idle.append(connection)
            stale = [c for c in self.idle if now - c.used > IDLE_LIMIT]
            stale += self.idle[: max(0, len(self.idle) - len(stale) - MAX_IDLE)]
            self.idle = [c for c in self.idle if c not in stale]
        for old in stale:
            old.close()

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for connection in idle:
            connection.close()


P = TypeVar("P", bound=Pool)


class Pools(Generic[K, P]):
    """The pools of one protocol, one per set of settings (``make`` builds a new one)."""

    def __init__(self, make: Callable[[K], P]) -> None:
        self.make = make
        self.pools: collections.OrderedDict[K, P] = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, settings: K) -> P:
        """The pool of these settings (made on first use)."""
        with self.lock:
            pool = self.pools.get(settings)
            if pool is None:
                pool = self.pools[settings] = self.make(settings)
            self.pools.move_to_end(settings)
            evicted = self.pools.popitem(last=False)[1] if len(self.pools) > MAX_POOLS else None
        if evicted is not None:
            evicted.close()
        return pool

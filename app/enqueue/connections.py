"""Redis connections of the job queue, by name.

``default`` is ``DF_REDIS_URL`` (or a ``default`` entry of
``DF_QUEUE_CONNECTIONS``); ``DF_QUEUE_CONNECTIONS`` names more, as a JSON
object ``{"reports": "redis://reports-host:6379/0"}``, and a script's
``connection`` option picks one. Clients are made on first use and kept per
app (``app.extensions``); making one does not connect, so an app whose Redis
is down still starts and serves every call that does not need the queue.

redis-py reconnects by itself after a Redis restart: a command on a dropped
connection is retried on a fresh one (``retry_on_error``), and idle pooled
connections are checked before use (``health_check_interval``).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import orjson
import redis
from flask import current_app
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from app import redis_errors
from app.vocabulary.errors import ServiceUnavailable

if TYPE_CHECKING:
    from flask import Flask

EXTENSION_KEY = "df_queue_connections"
DEFAULT = "default"
"""Name of the connection that ``DF_REDIS_URL`` configures."""

CONNECT_TIMEOUT = 2.0
"""Seconds to wait for a TCP connection to Redis before the queue counts as unreachable."""

COMMAND_TIMEOUT = 5.0
"""Seconds one Redis command of a producer (an enqueue, a listing) may take."""

HEALTH_CHECK_INTERVAL = 15
"""Seconds a pooled connection may sit idle before it is pinged before use."""

NO_REDIS = (
    "Queued scripts and scheduled tasks need Redis, which is not configured for this "
    "instance: set DF_REDIS_URL (e.g. redis://127.0.0.1:6379/0) on every app server and "
    "worker, and run a worker with `flask queue work`."
)


def configured_urls(config: dict[str, Any] | Any) -> dict[str, str]:
    """Connection name → Redis URL, from ``REDIS_URL`` and ``QUEUE_CONNECTIONS``."""
    extra = config.get("QUEUE_CONNECTIONS") or {}
    if isinstance(extra, str | bytes):
        try:
            extra = orjson.loads(extra)
        except orjson.JSONDecodeError:
            raise RuntimeError(
                'DF_QUEUE_CONNECTIONS must be a JSON object such as {"reports": "redis://..."}'
            ) from None
    if not isinstance(extra, dict):
        raise RuntimeError("DF_QUEUE_CONNECTIONS must be a JSON object of name → Redis URL")
    urls = {str(name): str(url) for name, url in extra.items() if url}
    if config.get("REDIS_URL") and DEFAULT not in urls:
        urls[DEFAULT] = str(config["REDIS_URL"])
    return urls


class Connections:
    """The Redis clients of one app, made on first use (one pool per connection name)."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls
        self._clients: dict[str, redis.Redis] = {}
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return DEFAULT in self.urls

    def names(self) -> list[str]:
        return sorted(self.urls, key=lambda n: (n != DEFAULT, n))

    def get(self, name: str | None = None) -> redis.Redis:
        """The client of connection ``name`` (default: ``default``); 503 when not configured."""
        name = name or DEFAULT
        client = self._clients.get(name)
        if client is not None:
            return client
        url = self.urls.get(name)
        if url is None:
            if not self.available:
                raise ServiceUnavailable(NO_REDIS)
            raise ServiceUnavailable(
                f"The queue connection '{name}' is not configured "
                f"(DF_QUEUE_CONNECTIONS names: {', '.join(self.names())})."
            )
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                client = make_client(url)
                self._clients[name] = client
        return client

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


def make_client(url: str, **overrides: Any) -> redis.Redis:
    """A client that reconnects on its own (see the module docstring)."""
    options: dict[str, Any] = {
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "socket_timeout": COMMAND_TIMEOUT,
        "health_check_interval": HEALTH_CHECK_INTERVAL,
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.1), 3),
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
    }
    options.update(overrides)
    return redis.Redis.from_url(url, **options)


def init_app(app: Flask) -> Connections:
    connections = Connections(configured_urls(app.config))
    app.extensions[EXTENSION_KEY] = connections
    return connections


def get_connections() -> Connections:
    connections = current_app.extensions.get(EXTENSION_KEY)
    if connections is None:
        connections = init_app(current_app._get_current_object())  # type: ignore[attr-defined]
    return connections


def get_connection(name: str | None = None) -> redis.Redis:
    return get_connections().get(name)


def setting_of(name: str | None) -> str:
    """The setting that holds connection ``name``'s URL, for messages."""
    if (name or DEFAULT) == DEFAULT:
        return "DF_REDIS_URL"
    return f"DF_QUEUE_CONNECTIONS ({name})"


def problem(name: str | None, exc: Exception) -> str:
    """What ``exc`` means for the queue on connection ``name`` (never its password)."""
    registry = get_connections()
    return redis_errors.describe("The job queue", registry.get(name), exc, setting=setting_of(name))

"""Cached record reads for services with ``cache_enabled`` (reference 4.7).

A GET on a table is kept for ``cache_ttl`` seconds under everything that can
change its answer: the service, the table, the query, the body, and the
caller's row filters. Writes through the API do not invalidate entries, as
in DreamFactory; ``refresh=true`` bypasses the cache and ``DELETE
system/cache/{service}`` (or any change of the service) empties it in every
process, because the key carries the version stamps of those namespaces.
Entries are stored as JSON bytes and decoded per hit, so no caller can
mutate what the next one receives; the least recently used go first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson
from flask import current_app

from app import cache
from app.responses import dumps

MAX_ENTRIES = 512
"""Cached answers kept per process, across all services."""


class ResultCache:
    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._size = size
        self._entries: OrderedDict[bytes, tuple[float, bytes]] = OrderedDict()

    def get(self, key: bytes, ttl: float, loader: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > now:
                self._entries.move_to_end(key)
                return orjson.loads(hit[1])
        value = loader()
        encoded = dumps(value)
        with self._lock:
            self._entries[key] = (now + ttl, encoded)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return orjson.loads(encoded)


def get_result_cache() -> ResultCache:
    return current_app.extensions.setdefault("df_sql_results", ResultCache())


def cache_key(service_id: int, table: str, params: dict, payload: Any, filters: Any) -> bytes:
    """Everything the answer depends on, including the stamps that flush it."""
    stamps = cache.read_stamps()
    versions = [stamps.get(n, 0) for n in (cache.ALL, "service", f"service:{service_id}")]
    return orjson.dumps(
        [service_id, versions, table, params, payload, filters],
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
        default=str,
    )

"""Counters in Redis, shared by every app server pointed at the same ``REDIS_URL``.

A counter is the string key ``<prefix>rl:<key>:<window_start>``; one Lua
script increments it and, on the first hit of the window, gives it a TTL
running to the end of the window (plus a little), so Redis forgets it on its
own. The TTL is relative, computed from our clock, so a skew between app
servers and Redis cannot expire a live counter early.

When Redis cannot be reached, ``hit`` and ``peek`` answer 0 — the limit
fails open — and log an error at most once a minute per process; admin
operations (listing, resetting) raise ``ServiceUnavailable`` instead, and
``take`` raises ``CounterStoreDown`` (its caller falls back to the system
store: slots never fail open).

``take`` and ``give_back`` are one Lua script each, so checking every counter
and counting in all of them is one atomic step however many workers race.
"""

from __future__ import annotations

import logging
import re
import threading
import time

import redis

from app import redis_errors
from app.counters import windows
from app.counters.protocol import Counter, CounterStoreDown
from app.vocabulary.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

HIT_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""

TAKE_SCRIPT = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then return false end
end
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts
"""
"""KEYS: the counters; ARGV[1]: their TTL; ARGV[i + 1]: the limit of KEYS[i]. Nil when one
is full (nothing counted), else the counts after taking."""

GIVE_BACK_SCRIPT = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""
"""Never below zero, and never creates a key (a counter that is gone stays gone)."""

TTL_GRACE = 5
"""Seconds a counter outlives its window in Redis."""

ERROR_LOG_INTERVAL = 60
"""Seconds between two "Redis is down" log lines of one process."""

SOCKET_TIMEOUT = 0.5
"""Seconds to wait on Redis before failing open (connect and each command)."""

_GLOB = re.compile(r"([*?\[\]\\])")


class RedisCounterStore:
    """``CounterStore`` on Redis (see the module docstring)."""

    def __init__(self, client: redis.Redis, prefix: str = "df:") -> None:
        self.client = client
        self.prefix = f"{prefix}rl:"
        self._hit = client.register_script(HIT_SCRIPT)
        self._take = client.register_script(TAKE_SCRIPT)
        self._give_back = client.register_script(GIVE_BACK_SCRIPT)
        self._lock = threading.Lock()
        self._last_error_log = 0.0

    @classmethod
    def from_url(cls, url: str, prefix: str = "df:") -> RedisCounterStore:
        client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT, socket_connect_timeout=SOCKET_TIMEOUT
        )
        return cls(client, prefix)

    def name(self, key: str, window_start: int) -> str:
        return f"{self.prefix}{key}:{window_start}"

    def hit(self, key: str, window_start: int, expires_at: int, limit_id: int | None = None) -> int:
        ttl = max(1, expires_at - windows.now()) + TTL_GRACE
        try:
            return int(self._hit(keys=[self.name(key, window_start)], args=[ttl]))
        except redis.RedisError as exc:
            self._log_down(exc)
            return 0

    def take(
        self, keys: list[str], limits: list[int], window_start: int, expires_at: int
    ) -> list[int] | None:
        ttl = max(1, expires_at - windows.now()) + TTL_GRACE
        names = [self.name(key, window_start) for key in keys]
        try:
            counts = self._take(keys=names, args=[ttl, *limits])
        except redis.RedisError as exc:
            raise CounterStoreDown(str(exc)) from exc
        return None if counts is None else [int(count) for count in counts]

    def give_back(self, keys: list[str], window_start: int) -> None:
        try:
            self._give_back(keys=[self.name(key, window_start) for key in keys])
        except redis.RedisError as exc:
            raise CounterStoreDown(str(exc)) from exc

    def peek(self, key: str, window_start: int) -> int:
        try:
            value = self.client.get(self.name(key, window_start))
        except redis.RedisError as exc:
            self._log_down(exc)
            return 0
        return int(value or 0)

    def reset(self, key: str, window_start: int) -> None:
        try:
            self.client.delete(self.name(key, window_start))
        except redis.RedisError as exc:
            raise ServiceUnavailable(self._problem(exc)) from None

    def reset_prefix(self, prefix: str) -> None:
        try:
            names = list(self._scan(prefix))
            for start in range(0, len(names), 500):
                self.client.delete(*names[start : start + 500])
        except redis.RedisError as exc:
            raise ServiceUnavailable(self._problem(exc)) from None

    def counters(self, prefix: str) -> list[Counter]:
        try:
            names = sorted(self._scan(prefix))
            values = self.client.mget(names) if names else []
        except redis.RedisError as exc:
            raise ServiceUnavailable(self._problem(exc)) from None
        found = []
        for name, value in zip(names, values, strict=True):
            if value is None:
                continue  # expired between the scan and the read
            key, _, window = name[len(self.prefix) :].rpartition(":")
            found.append(Counter(key, int(window), int(value)))
        return found

    def _scan(self, prefix: str):
        pattern = _GLOB.sub(r"\\\1", self.prefix + prefix) + "*"
        for name in self.client.scan_iter(match=pattern, count=1000):
            yield name.decode() if isinstance(name, bytes) else name

    def _log_down(self, exc: Exception) -> None:
        at = time.monotonic()
        with self._lock:
            if at - self._last_error_log < ERROR_LOG_INTERVAL and self._last_error_log:
                return
            self._last_error_log = at
        logger.error(
            "Redis counters unusable, limits are not enforced (failing open): %s",
            self._problem(exc),
        )

    def _problem(self, exc: Exception) -> str:
        return redis_errors.describe("The counter store", self.client, exc)

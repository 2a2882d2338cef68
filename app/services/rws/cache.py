"""Cached GET answers of ``rws`` services with ``cache_enabled`` and a ``cache_ttl``.

An answer is cached under a hash of everything the remote saw that counts:
the URL with the parameters that are part of the cache key (DreamFactory's
``cache_key`` flags) and every header sent, lookups already substituted — so
callers whose lookups differ never share an entry — together with the
version stamps of the service (``app.cache``). Changing the service (or
``DELETE system/cache/{service}``) moves the stamps, so old entries are never
read again and expire on their own.

Only successful answers (2xx) no bigger than ``MAX_CACHED_BYTES`` and not
marked ``Cache-Control: no-store`` are kept; a bigger body is relayed as it
streams and not cached. Entries live in the shared key/value store
(``kv``: Redis, else the system store), so every worker sees them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import orjson
from urllib3 import exceptions as ux

from app import cache
from app.services.rws import kv, transport
from app.vocabulary.calls import ServiceResponse

if TYPE_CHECKING:
    import urllib3

    from app.services.rws.outbound import Outbound

MAX_CACHED_BYTES = 1024 * 1024
"""Bytes of body an answer may have to be cached."""


def cache_key(service_id: int, call: Outbound) -> str:
    stamps = cache.read_stamps()
    versions = [stamps.get(n, 0) for n in (cache.ALL, "service", f"service:{service_id}")]
    material = orjson.dumps([versions, call.method, call.key_url, call.key_headers])
    return f"rws:{service_id}:{hashlib.sha256(material).hexdigest()}"


def encode(answer: ServiceResponse, body: bytes) -> bytes:
    meta = {"status": answer.status, "content_type": answer.content_type, "headers": answer.headers}
    return orjson.dumps(meta) + b"\n" + body


def decode(value: bytes) -> ServiceResponse | None:
    meta, sep, body = value.partition(b"\n")
    if not sep:
        return None
    try:
        data = orjson.loads(meta)
    except orjson.JSONDecodeError:
        return None
    return ServiceResponse(
        content=body,
        status=int(data["status"]),
        content_type=data.get("content_type"),
        headers=dict(data.get("headers") or {}),
    )


def lookup(key: str) -> ServiceResponse | None:
    value = kv.get_store().get(key)
    return decode(value) if value is not None else None


def cacheable(response: urllib3.BaseHTTPResponse) -> bool:
    if not 200 <= response.status < 300:
        return False
    control = response.headers.get("cache-control", "").lower()
    return "no-store" not in control


def keep(
    key: str,
    ttl: int,
    response: urllib3.BaseHTTPResponse,
    answer: ServiceResponse,
    service: str,
    remote: str,
    timeout: float,
) -> ServiceResponse:
    """``answer`` with its body: read and cached when small enough, else relayed as it streams."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_CACHED_BYTES:
            chunk = response.read(transport.CHUNK, decode_content=False)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except (ux.HTTPError, OSError) as exc:
        transport.discard(response)
        raise transport.failure(exc, remote, service, timeout) from None
    if size > MAX_CACHED_BYTES:
        answer.content = transport.RemoteBody(response, service, chunks)
        return answer
    transport.discard(response, complete=True)
    body = b"".join(chunks)
    answer.content = body
    kv.get_store().put(key, encode(answer, body), ttl)
    return answer

"""Scripts' ``platform.api`` calls to absolute ``http(s)://`` URLs.

Requests are made with ``requests`` under ``SCRIPT_HTTP_TIMEOUT`` (connect
and each read) and read up to ``SCRIPT_HTTP_MAX_BYTES``. Unless
``SCRIPT_ALLOW_PRIVATE_URLS`` is set, a URL whose host resolves to a
loopback, private, link-local (``169.254.169.254``), multicast, reserved or
unspecified address is refused with a 403 before anything is sent. The check
is made again on the address each connection actually uses (redirects
included), so a name that resolves differently the second time (DNS
rebinding) cannot slip through; proxies from the environment are ignored.

Options follow DreamFactory: ``headers`` (a map), ``parameters`` (query
values), and the cURL spellings ``CURLOPT_HTTPHEADER`` (``["Name: value"]``)
and ``CURLOPT_USERNAME``/``CURLOPT_PASSWORD``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import urllib.parse
from typing import Any

import orjson
import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3 import connection as u3_connection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from app.errors import ApiError, BadGateway, BadRequest, Forbidden, GatewayTimeout

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5


class RefusedAddressError(OSError):
    """A connection to an address scripts may not reach."""


def refused_reason(address: str) -> str | None:
    """Why scripts may not reach this IP address, or None when they may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, label in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_private, "private"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
    ):
        if test:
            return f"{label} address {ip}"
    return None


def vetted_addresses(host: str, port: int) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` results for host, or RefusedAddressError when any is off limits."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        reason = refused_reason(str(info[4][0]))
        if reason is not None:
            raise RefusedAddressError(f"'{host}' resolves to a {reason}")
    return infos


class _GuardedConnectionMixin:
    def _new_conn(self) -> socket.socket:  # type: ignore[override]
        host, port = self._dns_host, self.port  # type: ignore[attr-defined]
        infos = vetted_addresses(host, port)
        last: OSError | None = None
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self.timeout)  # type: ignore[attr-defined]
                sock.connect(address)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise u3_connection.NewConnectionError(self, f"cannot connect to {host}: {last}")  # type: ignore[arg-type]


class GuardedHTTPConnection(_GuardedConnectionMixin, u3_connection.HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, u3_connection.HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """An adapter whose connections refuse addresses scripts may not reach."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GuardedHTTPPool,
            "https": GuardedHTTPSPool,
        }


def _session(allow_private: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    if not allow_private:
        adapter = GuardedAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def _headers(options: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    curl = options.get("CURLOPT_HTTPHEADER")
    if isinstance(curl, list):
        for line in curl:
            name, sep, value = str(line).partition(":")
            if sep and name.strip():
                headers[name.strip()] = value.strip()
    given = options.get("headers")
    if isinstance(given, dict):
        headers.update({str(k): str(v) for k, v in given.items()})
    for name, value in headers.items():
        if any(c in name + value for c in "\r\n"):
            raise BadRequest(f"platform.api header '{name.strip()}' contains a line break.")
    return headers


def call(method: str, url: str, payload: Any, options: dict[str, Any]) -> dict[str, Any]:
    """Send one request for a script; the answer in ``platform.api``'s result shape."""
    config = current_app.config
    allow_private = bool(config.get("SCRIPT_ALLOW_PRIVATE_URLS"))
    timeout = float(config.get("SCRIPT_HTTP_TIMEOUT", 10))
    limit = int(config.get("SCRIPT_HTTP_MAX_BYTES", 10 * 1024 * 1024))
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest(f"platform.api cannot call '{url}'.")
    if not allow_private:
        try:
            vetted_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        except RefusedAddressError as exc:
            raise Forbidden(f"platform.api may not call {parts.hostname}: {exc}.") from None
        except OSError:
            raise BadGateway(f"platform.api cannot resolve '{parts.hostname}'.") from None
    params = options.get("parameters")
    kwargs: dict[str, Any] = {
        "headers": _headers(options),
        "params": {str(k): v for k, v in params.items()} if isinstance(params, dict) else None,
        "timeout": (timeout, timeout),
        "stream": True,
    }
    if isinstance(options.get("CURLOPT_USERNAME"), str):
        kwargs["auth"] = (options["CURLOPT_USERNAME"], str(options.get("CURLOPT_PASSWORD") or ""))
    if isinstance(payload, dict | list):
        kwargs["json"] = payload
    elif payload not in (None, ""):
        kwargs["data"] = payload if isinstance(payload, bytes) else str(payload).encode()
    with _session(allow_private) as session:
        try:
            with session.request(method, url, **kwargs) as response:
                body = _read(response, limit)
                return _result(response, body)
        except ApiError:
            raise
        except requests.Timeout:
            raise GatewayTimeout(f"platform.api call to {parts.hostname} timed out.") from None
        except requests.TooManyRedirects:
            raise BadGateway(
                f"platform.api call to {parts.hostname}: too many redirects."
            ) from None
        except requests.RequestException as exc:
            refused = _refusal(exc)
            if refused is not None:
                raise Forbidden(f"platform.api may not call {refused}.") from None
            logger.info("platform.api %s %s failed: %s", method, parts.hostname, exc)
            raise BadGateway(f"platform.api cannot reach {parts.hostname}.") from None


def _refusal(exc: BaseException) -> str | None:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, RefusedAddressError):
            return str(item)
        stack.extend([item.__cause__, item.__context__])
        stack.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))
        stack.append(getattr(item, "reason", None))
    return None


def _read(response: requests.Response, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BadGateway(f"platform.api answer is larger than {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-encoding", "content-length"}
)


def _result(response: requests.Response, body: bytes) -> dict[str, Any]:
    content_type = response.headers.get("Content-Type")
    content: Any = body.decode(response.encoding or "utf-8", "replace")
    if content_type and "json" in content_type.lower() and body:
        try:
            content = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return {
        "status_code": response.status_code,
        "content": content,
        "content_type": content_type,
        "headers": {k: v for k, v in response.headers.items() if k.lower() not in HOP_HEADERS},
    }

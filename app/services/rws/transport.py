"""Sending an ``Outbound`` call and relaying the answer without holding it in memory.

Connections come from urllib3 pools kept per process (one pool manager per
combination of TLS verification and proxy), so calls reuse connections and no
cookie jar is shared between callers. Errors become envelopes: a remote that
cannot be reached (refused, unknown host, TLS failure, broken connection) is a
502; one that does not connect or answer within the service's ``timeout`` is a
504 (the timeout bounds the connect and each read, not the whole transfer).
Messages name the remote's origin only, never its path, query or credentials.

Redirects are followed only within the remote's origin (scheme, host and
port), at most ``MAX_REDIRECTS`` times, and not when the body was a stream
that cannot be sent again; any other redirect goes back to the client as the
remote sent it, so a call never moves to another host unseen, carrying the
service's headers with it.
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse
import warnings
from collections.abc import Iterator
from typing import Any

import urllib3
from urllib3 import exceptions as ux

from app.services.rws.outbound import Outbound
from app.vocabulary.errors import ApiError, BadGateway, GatewayTimeout

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
"""Bytes read from the remote at a time while relaying a body."""

MAX_REDIRECTS = 5
"""Same-origin redirects followed for one call."""

POOLS_PER_MANAGER = 32
"""Remote hosts whose connections one pool manager keeps (least recently used go first)."""

CONNECTIONS_PER_HOST = 16
"""Idle connections kept per remote host."""

REDIRECTS = frozenset({301, 302, 303, 307, 308})

DROPPED_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "set-cookie",
        "set-cookie2",
        "server",
        "date",
        "strict-transport-security",
        "alt-svc",
        "www-authenticate",
        "content-type",
    }
)
"""Remote response headers not relayed: hop-by-hop ones, cookies (they would be set on our
origin), headers about the remote's own server and TLS policy, and the content type, which
is relayed separately. ``Access-Control-*`` headers are dropped too: CORS is ours to answer."""

_pools: dict[tuple[bool, str | None, str | None], urllib3.PoolManager] = {}
_pools_lock = threading.Lock()


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url``: what messages and logs may show of a remote."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def pool_for(options: dict[str, Any]) -> urllib3.PoolManager:
    """The process's pool manager for these transport options, made on first use."""
    verify = bool(options.get("verify_ssl", True))
    proxy = options.get("proxy") or None
    proxy_auth = options.get("proxy_auth") or None
    key = (verify, proxy, proxy_auth)
    with _pools_lock:
        manager = _pools.get(key)
        if manager is None:
            common: dict[str, Any] = {
                "num_pools": POOLS_PER_MANAGER,
                "maxsize": CONNECTIONS_PER_HOST,
                "cert_reqs": "CERT_REQUIRED" if verify else "CERT_NONE",
                "retries": False,
            }
            if proxy:
                parts = urllib.parse.urlsplit(proxy)
                if parts.username is not None and not proxy_auth:
                    proxy_auth = (
                        urllib.parse.unquote(parts.username)
                        + ":"
                        + (urllib.parse.unquote(parts.password or ""))
                    )
                netloc = parts.netloc.rpartition("@")[2]
                bare = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
                headers = urllib3.make_headers(proxy_basic_auth=proxy_auth) if proxy_auth else None
                manager = urllib3.ProxyManager(bare, proxy_headers=headers, **common)
            else:
                manager = urllib3.PoolManager(**common)
            _pools[key] = manager
    return manager


def failure(exc: Exception, target: str, service: str, timeout: float) -> ApiError:
    """The envelope for a transport failure (the module docstring says which is which)."""
    if isinstance(exc, ux.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    where = f"the remote of service '{service}' at {target}"
    if isinstance(exc, ux.ProxyError):
        return BadGateway(f"Could not reach {where} through the configured proxy.")
    if isinstance(exc, ux.NewConnectionError):
        return BadGateway(f"Could not connect to {where}.")
    if isinstance(exc, ux.ConnectTimeoutError):
        return GatewayTimeout(f"Timed out connecting to {where} after {timeout:g} seconds.")
    if isinstance(exc, ux.ReadTimeoutError):
        return GatewayTimeout(f"No answer from {where} within {timeout:g} seconds.")
    if isinstance(exc, ux.SSLError):
        return BadGateway(f"The TLS connection to {where} failed.")
    return BadGateway(f"The connection to {where} failed.")


def _open(
    manager: urllib3.PoolManager,
    method: str,
    url: str,
    body: Any,
    headers: dict[str, str],
    timeout: urllib3.Timeout,
) -> urllib3.BaseHTTPResponse:
    if manager.connection_pool_kw.get("cert_reqs") == "CERT_NONE":
        host = urllib.parse.urlsplit(url).hostname or ""
        warnings.filterwarnings(
            "ignore",
            message=f"Unverified HTTPS request is being made to host '{re.escape(host)}'",
            category=ux.InsecureRequestWarning,
        )
    return manager.urlopen(
        method,
        url,
        body=body,
        headers=headers,
        redirect=False,
        retries=False,
        preload_content=False,
        timeout=timeout,
    )


def discard(response: urllib3.BaseHTTPResponse, complete: bool = False) -> None:
    """Give the connection back: to the pool when the body was read to its end, else closed."""
    if not complete:
        response.close()
    response.release_conn()


def send(
    call: Outbound, options: dict[str, Any], timeout: float, service: str
) -> urllib3.BaseHTTPResponse:
    """The remote's response (body unread), after same-origin redirects; raises 502/504."""
    manager = pool_for(options)
    limits = urllib3.Timeout(connect=options.get("connect_timeout") or timeout, read=timeout)
    method, url, body, headers = call.method, call.url, call.body, dict(call.headers)
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            response = _open(manager, method, url, body, headers, limits)
        except (ux.HTTPError, OSError) as exc:
            error = failure(exc, origin(url), service, timeout)
            logger.warning(
                "rws call failed service=%s method=%s remote=%s status=%s error=%s",
                service,
                method,
                origin(url),
                error.status,
                type(exc).__name__,
            )
            raise error from None
        location = response.headers.get("location")
        if response.status not in REDIRECTS or not location:
            return response
        if not options.get("follow_redirects", True):
            return response
        target = urllib.parse.urljoin(url, location)
        if origin(target) != origin(url) or urllib.parse.urlsplit(target).scheme not in (
            "http",
            "https",
        ):
            return response
        if response.status in (307, 308):
            if not call.replayable:
                return response
        elif method != "HEAD" and (response.status != 301 or method == "POST"):
            method, body = "GET", None
            dropped = ("content-type", "content-length")
            headers = {k: v for k, v in headers.items() if k.lower() not in dropped}
        discard(response)
        url = target
    raise BadGateway(
        f"The remote of service '{service}' at {origin(url)} redirected more than "
        f"{MAX_REDIRECTS} times."
    )


def relayed_headers(response: urllib3.BaseHTTPResponse) -> dict[str, str]:
    """The remote's headers a client may see (see ``DROPPED_HEADERS``), repeats joined."""
    named = {token.strip().lower() for token in response.headers.get("connection", "").split(",")}
    out: dict[str, str] = {}
    for name in response.headers:
        lower = name.lower()
        if lower in DROPPED_HEADERS or lower in named or lower.startswith("access-control-"):
            continue
        out[name] = ", ".join(response.headers.getlist(name))
    return out


class RemoteBodyError(Exception):
    """The remote's body broke off while it was being relayed (the status was already sent)."""


class RemoteBody:
    """The remote's body as a WSGI iterable, read in chunks as the client takes them.

    The server calls ``close`` when the response is done (or the client went
    away), which hands the connection back or closes it. ``prefix`` holds
    chunks already read (by the response cache, when the body was too big to keep).
    """

    def __init__(
        self, response: urllib3.BaseHTTPResponse, service: str, prefix: list[bytes] | None = None
    ) -> None:
        self.response = response
        self.service = service
        self.prefix = prefix or []
        self.complete = False
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.prefix
        self.prefix = []
        try:
            for chunk in self.response.stream(CHUNK, decode_content=False):
                if chunk:
                    yield chunk
        except (ux.HTTPError, OSError) as exc:
            logger.warning(
                "rws body broke off service=%s error=%s", self.service, type(exc).__name__
            )
            raise RemoteBodyError(
                f"The remote of service '{self.service}' stopped sending its answer."
            ) from None
        self.complete = True

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            discard(self.response, self.complete)

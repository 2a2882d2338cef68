"""Outgoing HTTP that may not reach this machine's neighbours (SSRF guard).

Used where a client or a script names the URL: file services' ``url=``
imports and scripts' ``platform.api`` calls to absolute URLs. A guarded
``requests`` session resolves the host itself for every connection it opens
(redirects included) and refuses, before connecting, any address that is not
public: loopback, private, link-local (``169.254.169.254``), shared,
multicast, reserved or unspecified. A name that resolves differently on a
second lookup (DNS rebinding) therefore cannot slip through, and the
environment's proxies are ignored.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import connection as u3_connection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_REDIRECTS = 5
"""Redirects one guarded request may follow."""


class RefusedAddressError(OSError):
    """A connection to an address the guard refuses."""


def refused_reason(address: str) -> str | None:
    """Why this IP address may not be reached, or None when it is public."""
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
        (not ip.is_global, "non-public"),
    ):
        if test:
            return f"{label} address {ip}"
    return None


def is_public_address(address: str) -> bool:
    return refused_reason(address) is None


def vetted_addresses(host: str, port: int) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` results for host, or RefusedAddressError when any is off limits."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        reason = refused_reason(str(info[4][0]))
        if reason is not None:
            raise RefusedAddressError(f"'{host}' resolves to a {reason}")
    return infos


def refusal_in(exc: BaseException) -> str | None:
    """The guard's refusal somewhere in the chain requests/urllib3 wrapped it in, if any."""
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


class _GuardedConnectionMixin:
    def _new_conn(self) -> socket.socket:  # type: ignore[override]
        host, port = self._dns_host, self.port  # type: ignore[attr-defined]
        last: OSError | None = None
        for family, kind, proto, _, address in vetted_addresses(host, port):
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


class _GuardedHTTPConnection(_GuardedConnectionMixin, u3_connection.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, u3_connection.HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


def session(allow_private: bool = False) -> requests.Session:
    """A session without the environment's proxies, following at most ``MAX_REDIRECTS``
    redirects, whose connections refuse non-public addresses unless ``allow_private``."""
    made = requests.Session()
    made.trust_env = False
    made.max_redirects = MAX_REDIRECTS
    if not allow_private:
        adapter = _GuardedAdapter()
        made.mount("http://", adapter)
        made.mount("https://", adapter)
    return made

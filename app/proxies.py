"""``X-Forwarded-*`` headers honoured only from trusted peers (the local nginx by default).

werkzeug's ``ProxyFix`` believes the last ``PROXY_FIX_HOPS`` values of each
header from whoever sent them. When a client reaches gunicorn directly (a
second app server addressed without its proxy, a firewall left open) it could
then pick its own address, which is what the login throttle counts by, and
the scheme and host the app builds links with. ``TrustedProxyFix`` applies
``ProxyFix`` only when the connection's peer is in ``FORWARDED_ALLOW_IPS``,
read like gunicorn's setting of that name: addresses and networks separated
by commas (``127.0.0.1,::1``, the default, or ``10.0.0.0/8``), or ``*`` for
every peer. A peer without an IP address (a unix socket) is trusted, as
gunicorn does. Other peers' requests pass through unchanged: their own
address is the client's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allowed(value: Any) -> tuple[Network, ...] | None:
    """The trusted networks of a ``FORWARDED_ALLOW_IPS`` value; None means every peer.

    Raises ``ValueError`` naming the entry that is not an address or network.
    """
    entries: Iterable[Any] = value.split(",") if isinstance(value, str) else value or ()
    networks = []
    for entry in entries:
        text = str(entry).strip()
        if not text:
            continue
        if text == "*":
            return None
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {text!r}") from None
    return tuple(networks)


class TrustedProxyFix:
    """``ProxyFix`` for requests whose peer is trusted; other requests untouched."""

    def __init__(self, app: WSGIApplication, allowed: Any, hops: int) -> None:
        self.app = app
        self.allowed = parse_allowed(allowed)
        self.fixed = ProxyFix(
            app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )

    def trusts(self, peer: str | None) -> bool:
        if self.allowed is None:
            return True
        try:
            address = ipaddress.ip_address((peer or "").split("%", 1)[0])
        except ValueError:
            return True  # a unix socket: no address, only local processes reach it
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return any(address in network for network in self.allowed)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.trusts(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)

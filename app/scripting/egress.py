"""The scripts' only way out to the network: an HTTP(S) forward proxy inside the app process.

A network-isolated worker (``launcher/netns.py``) has nothing but its own
loopback; the launcher listens there on ``127.0.0.1:3128`` and hands the
listening socket to the app, which accepts on it here, in its own network
namespace. Workers get ``HTTP_PROXY``/``HTTPS_PROXY`` pointing at it, so
libraries that honour them (Python's ``requests`` and ``urllib``, PHP's curl,
the Node.js agent our worker installs) reach public web APIs as before. It
speaks the two forms of a forward proxy:

- ``CONNECT host:port`` (HTTPS, or any TCP protocol): a tunnel, the bytes pass
  untouched (TLS is end to end);
- ``GET http://host/path`` (plain HTTP): one request, sent on with
  ``Connection: close`` and its answer streamed back; ``GET https://...`` the
  same over TLS the proxy speaks for the client, the certificate verified
  (some libraries, axios among them, send HTTPS to a proxy this way).

The same guard as ``platform.api`` (``app.outbound_http``): the host is
resolved here, every address it resolves to must be public (not loopback,
private, link-local with the cloud metadata address, shared, multicast,
reserved or unspecified) unless ``DF_SCRIPT_ALLOW_PRIVATE_URLS`` is set, and
the connection goes to a vetted address (no second lookup to rebind). A
refusal is answered ``403`` with the reason. Every connection gives up after
``DF_SCRIPT_HTTP_TIMEOUT`` seconds without traffic, and one that brings back
more than ``DF_SCRIPT_HTTP_MAX_BYTES`` is cut. At most ``MAX_CONNECTIONS``
are served at once per app process; more are refused with ``503``.
"""

from __future__ import annotations

import logging
import os
import selectors
import socket
import ssl
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app import outbound_http

logger = logging.getLogger(__name__)

MAX_CONNECTIONS = 64
"""Proxy connections served at once by one app process (every worker of every pool)."""

MAX_HEAD_BYTES = 16 * 1024
"""Largest request line plus headers a script's client may send the proxy."""

CHUNK = 64 * 1024

HOP_HEADERS = frozenset(
    {"proxy-connection", "proxy-authorization", "connection", "keep-alive", "te", "upgrade"}
)


@dataclass(frozen=True)
class EgressPolicy:
    """What the proxy lets a pool's scripts reach (from the ``DF_SCRIPT_*`` settings)."""

    allow_private: bool = False
    timeout: float = 10.0
    max_bytes: int = 10 * 1024 * 1024
    treat_as_public: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    """``(address, port)`` pairs taken as public: for the test suite only
    (``DF_SCRIPT_EGRESS_TEST_PUBLIC``, ``127.0.0.1:8080,...``), so a local test server can
    stand in for an outside web API while every other local port stays refused."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EgressPolicy:
        pairs = set()
        for item in str(config.get("SCRIPT_EGRESS_TEST_PUBLIC") or "").split(","):
            host, _, port = item.strip().rpartition(":")
            if host and port.isdigit():
                pairs.add((host.strip("[]"), int(port)))
        return cls(
            allow_private=bool(config.get("SCRIPT_ALLOW_PRIVATE_URLS")),
            timeout=float(config.get("SCRIPT_HTTP_TIMEOUT", 10)),
            max_bytes=int(config.get("SCRIPT_HTTP_MAX_BYTES", 10 * 1024 * 1024)),
            treat_as_public=frozenset(pairs),
        )


class Refused(Exception):
    """A request the proxy answers itself, with ``status`` and ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class EgressProxy:
    """Accepts on every registered listener in one thread; each connection gets a thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._selector: selectors.BaseSelector | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._active = 0
        self._pid = os.getpid()

    def add(self, listener: socket.socket, policy: EgressPolicy) -> None:
        """Serve ``listener`` (a worker's egress socket) under ``policy`` until ``remove``."""
        listener.setblocking(False)
        with self._lock:
            self._ensure_running()
            assert self._selector is not None
            self._selector.register(listener, selectors.EVENT_READ, policy)
            self._poke()

    def remove(self, listener: socket.socket) -> None:
        """Stop serving ``listener`` and close it (connections already accepted run out)."""
        with self._lock:
            if self._selector is not None and self._pid == os.getpid():
                try:
                    self._selector.unregister(listener)
                except (KeyError, ValueError):
                    pass
                self._poke()
        listener.close()

    def _ensure_running(self) -> None:
        if self._selector is not None and self._pid == os.getpid():
            return
        self._pid = os.getpid()  # a forked child starts its own thread
        self._selector = selectors.DefaultSelector()
        self._wake = socket.socketpair()
        self._wake[0].setblocking(False)
        self._selector.register(self._wake[0], selectors.EVENT_READ, None)
        threading.Thread(
            target=self._accept_loop, args=(self._selector,), name="script-egress", daemon=True
        ).start()

    def _poke(self) -> None:
        if self._wake is not None:
            try:
                self._wake[1].send(b"x")
            except OSError:
                pass

    def _accept_loop(self, selector: selectors.BaseSelector) -> None:
        while True:
            with self._lock:
                if selector is not self._selector:
                    return
            for key, _ in selector.select():
                if key.data is None:
                    try:
                        key.fileobj.recv(4096)  # type: ignore[union-attr]
                    except OSError:
                        pass
                    continue
                try:
                    client, _ = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:
                    continue
                self._start(client, key.data)

    def _start(self, client: socket.socket, policy: EgressPolicy) -> None:
        with self._lock:
            busy = self._active >= MAX_CONNECTIONS
            if not busy:
                self._active += 1
        if busy:
            logger.warning("script egress refused: %s connections open", MAX_CONNECTIONS)
            _answer(client, 503, "too many connections from scripts")
            client.close()
            return
        threading.Thread(
            target=self._serve, args=(client, policy), name="script-egress-conn", daemon=True
        ).start()

    def _serve(self, client: socket.socket, policy: EgressPolicy) -> None:
        try:
            serve_connection(client, policy)
        except Exception:  # a thread's last word: log, never raise
            logger.exception("script egress connection failed")
        finally:
            client.close()
            with self._lock:
                self._active -= 1


EGRESS = EgressProxy()
"""This process's proxy."""


def serve_connection(client: socket.socket, policy: EgressPolicy) -> None:
    """Read one proxy request from ``client`` and carry it out (or answer why not)."""
    client.settimeout(policy.timeout)
    try:
        head, rest = _read_head(client)
        method, target, version, headers = _parse_head(head)
        if method == "CONNECT":
            host, port = _split_authority(target)
            upstream = open_upstream(host, port, policy)
            with upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
                logger.info("script egress tunnel host=%s port=%s", host, port)
                _pump(client, upstream, policy)
            return
        parts = urllib.parse.urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise Refused(400, "send an absolute http:// or https:// URL, or CONNECT host:port")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise Refused(400, "bad port") from None
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        lines = [f"{method} {path} {version}"]
        lines += [f"{name}: {value}" for name, value in headers if name.lower() not in HOP_HEADERS]
        lines.append("Connection: close")
        upstream = open_upstream(parts.hostname, port, policy)
        if parts.scheme == "https":  # a client that asks the proxy to speak TLS for it
            upstream = _secure(upstream, parts.hostname)
        with upstream:
            upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + rest)
            logger.info("script egress request host=%s port=%s", parts.hostname, port)
            _pump(client, upstream, policy)
    except Refused as refusal:
        logger.info("script egress refused: %s", refusal.reason)
        _answer(client, refusal.status, refusal.reason)


def open_upstream(host: str, port: int, policy: EgressPolicy) -> socket.socket:
    """A connection to a vetted address of ``host``; ``Refused`` says why there is none."""
    if not 0 < port < 65536:
        raise Refused(400, f"bad port {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(502, f"cannot resolve {host}") from None
    if not policy.allow_private:
        for info in infos:
            address = str(info[4][0])
            reason = outbound_http.refused_reason(address)
            if reason is not None and (address, port) not in policy.treat_as_public:
                raise Refused(403, f"scripts may not connect to {host}: it resolves to a {reason}")
    last: Exception | None = None
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(policy.timeout)
        try:
            sock.connect(address)
            return sock
        except TimeoutError as exc:
            sock.close()
            last = exc
        except OSError as exc:
            sock.close()
            last = exc
    if isinstance(last, TimeoutError):
        raise Refused(504, f"{host} did not answer in time")
    raise Refused(502, f"cannot connect to {host}")


def _secure(upstream: socket.socket, host: str) -> socket.socket:
    """``upstream`` speaking TLS to ``host``, its certificate verified; ``Refused`` if not."""
    try:
        return ssl.create_default_context().wrap_socket(upstream, server_hostname=host)
    except (ssl.SSLError, OSError) as exc:
        upstream.close()
        raise Refused(502, f"TLS with {host} failed: {exc}") from None


def _read_head(client: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD_BYTES:
            raise Refused(431, "request head too large")
        try:
            chunk = client.recv(CHUNK)
        except TimeoutError:
            raise Refused(408, "no request in time") from None
        if not chunk:
            raise Refused(400, "connection closed before the request was complete")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def _parse_head(head: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise Refused(400, "not an HTTP/1.x proxy request")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise Refused(400, "malformed header")
        headers.append((name, value.strip()))
    return parts[0].upper(), parts[1], parts[2], headers


def _split_authority(target: str) -> tuple[str, int]:
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise Refused(400, "CONNECT needs host:port")
    return host.strip("[]"), int(port)


def _pump(client: socket.socket, upstream: socket.socket, policy: EgressPolicy) -> None:
    """Pass bytes both ways until either side closes, goes quiet too long, or the answer
    grows past ``policy.max_bytes``."""
    received = 0
    with selectors.DefaultSelector() as selector:
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        while True:
            ready = selector.select(policy.timeout)
            if not ready:
                logger.info("script egress connection idle past %ss, closed", policy.timeout)
                return
            for key, _ in ready:
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    chunk = source.recv(CHUNK)
                except OSError:
                    return
                if not chunk:
                    return
                if source is upstream:
                    received += len(chunk)
                    if received > policy.max_bytes:
                        logger.info("script egress answer over %s bytes, cut", policy.max_bytes)
                        return
                try:
                    key.data.sendall(chunk)
                except OSError:
                    return


def _answer(client: socket.socket, status: int, reason: str) -> None:
    phrase = {400: "Bad Request", 403: "Forbidden", 408: "Request Timeout", 431: "Too Large"}
    phrase |= {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    body = f"{reason}\n".encode()
    head = (
        f"HTTP/1.1 {status} {phrase.get(status, 'Error')}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        "X-DreamFactory-Egress: refused\r\n\r\n"
    )
    try:
        client.sendall(head.encode() + body)
    except OSError:
        pass

"""``url=`` imports: download a file over HTTP(S) for a file service, within bounds.

The download streams (``FILE_CHUNK_SIZE`` at a time) and stops past
``FILE_MAX_UPLOAD_SIZE`` (413); it waits at most ``FILE_URL_IMPORT_TIMEOUT``
seconds to connect and between reads (504). Only ``http`` and ``https`` URLs
are fetched, without the environment's proxies, following at most
``MAX_REDIRECTS`` redirects.

Unless ``FILE_URL_IMPORT_ALLOW_PRIVATE`` is set, the server refuses to fetch
from loopback, private, link-local, multicast or reserved addresses, so a
client cannot make it read internal services. The check is made on the
address each connection actually reached (after DNS, for every redirect),
before a byte is sent, so a name resolving differently on a second lookup
cannot slip past it.
"""

from __future__ import annotations

import ipaddress
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from app.errors import BadGateway, BadRequest, GatewayTimeout, NotFound, PayloadTooLarge

MAX_REDIRECTS = 5
"""Redirects one import may follow."""


class PrivateAddress(BadRequest):
    default_message = "URL imports from loopback, private or link-local addresses are not allowed."


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PublicOnly:
    """Mixed into urllib3 connections: refuse a socket whose peer is not a public address."""

    def _new_conn(self):
        sock = super()._new_conn()  # type: ignore[misc]
        if not is_public_address(sock.getpeername()[0]):
            sock.close()
            raise PrivateAddress()
        return sock


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }


@dataclass(frozen=True)
class Download:
    """An open download: its file name (from the URL), content type and body chunks."""

    name: str
    content_type: str | None
    chunks: Iterator[bytes]


def name_from_url(url: str) -> str:
    return posixpath.basename(unquote(urlsplit(url).path)) or "download"


def _session(allow_private: bool) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = MAX_REDIRECTS
    if not allow_private:
        adapter = _PublicAdapter()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    return session


def _body(response: requests.Response, chunk: int, max_size: int) -> Iterator[bytes]:
    size = 0
    try:
        for data in response.iter_content(chunk):
            size += len(data)
            if size > max_size:
                raise PayloadTooLarge(f"The file at the URL is larger than {max_size} bytes.")
            yield data
    except requests.Timeout:
        raise GatewayTimeout("The URL stopped sending data in time.") from None
    except requests.RequestException as exc:
        raise BadGateway(f"Could not download the file: {type(exc).__name__}.") from None


@contextmanager
def download(
    url: str, *, timeout: float, chunk: int, max_size: int, allow_private: bool
) -> Iterator[Download]:
    """Open ``url`` for reading; the connection is closed when the block ends."""
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
        host = parts.hostname if parts else None
    except ValueError:
        raise BadRequest("The URL to import is not valid.") from None
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        raise BadRequest("Only http and https URLs can be imported.")
    if not host:
        raise BadRequest("The URL to import has no host.")
    with _session(allow_private) as session:
        try:
            response = session.get(url, stream=True, timeout=timeout)
        except requests.Timeout:
            raise GatewayTimeout("The URL did not answer in time.") from None
        except requests.TooManyRedirects:
            raise BadGateway("The URL redirected too many times.") from None
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema):
            raise BadRequest("The URL to import is not valid.") from None
        except requests.RequestException as exc:
            raise BadGateway(f"Could not download the file: {type(exc).__name__}.") from None
        with response:
            if response.status_code == 404:
                raise NotFound("Invalid URL entered. File not found.")
            if response.status_code >= 400:
                raise BadGateway(
                    f"Could not download the file: the server answered {response.status_code}."
                )
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_size:
                raise PayloadTooLarge(f"The file at the URL is larger than {max_size} bytes.")
            yield Download(
                name=name_from_url(response.url or url),
                content_type=response.headers.get("Content-Type", "").split(";")[0] or None,
                chunks=_body(response, chunk, max_size),
            )

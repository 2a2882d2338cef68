"""``url=`` imports: download a file over HTTP(S) for a file service, within bounds.

The download streams (``FILE_CHUNK_SIZE`` at a time) and stops past
``FILE_MAX_UPLOAD_SIZE`` (413); it waits at most ``FILE_URL_IMPORT_TIMEOUT``
seconds to connect and between reads (504). Only ``http`` and ``https`` URLs
are fetched, without the environment's proxies, following at most
``outbound_http.MAX_REDIRECTS`` redirects.

Unless ``FILE_URL_IMPORT_ALLOW_PRIVATE`` is set, the server refuses to fetch
from loopback, private, link-local, multicast or reserved addresses, so a
client cannot make it read internal services (``app.outbound_http``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import requests

from app import outbound_http
from app.vocabulary.errors import BadGateway, BadRequest, GatewayTimeout, NotFound, PayloadTooLarge


class PrivateAddress(BadRequest):
    default_message = "URL imports from loopback, private or link-local addresses are not allowed."


@dataclass(frozen=True)
class Download:
    """An open download: its file name (from the URL), content type and body chunks."""

    name: str
    content_type: str | None
    chunks: Iterator[bytes]


def name_from_url(url: str) -> str:
    return posixpath.basename(unquote(urlsplit(url).path)) or "download"


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
    with outbound_http.session(allow_private) as session:
        try:
            response = session.get(url, stream=True, timeout=timeout)
        except requests.Timeout:
            raise GatewayTimeout("The URL did not answer in time.") from None
        except requests.TooManyRedirects:
            raise BadGateway("The URL redirected too many times.") from None
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema):
            raise BadRequest("The URL to import is not valid.") from None
        except requests.RequestException as exc:
            if outbound_http.refusal_in(exc) is not None:
                raise PrivateAddress() from None
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

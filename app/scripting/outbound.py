"""Scripts' ``platform.api`` calls to absolute ``http(s)://`` URLs.

Requests are made with ``requests`` under ``SCRIPT_HTTP_TIMEOUT`` (connect
and each read) and read up to ``SCRIPT_HTTP_MAX_BYTES``. Unless
``SCRIPT_ALLOW_PRIVATE_URLS`` is set, a URL whose host resolves to a
loopback, private, link-local (``169.254.169.254``), multicast, reserved or
unspecified address is refused with a 403 before anything is sent, and again
on every connection (``app.outbound_http``).

Options follow DreamFactory: ``headers`` (a map), ``parameters`` (query
values), and the cURL spellings ``CURLOPT_HTTPHEADER`` (``["Name: value"]``)
and ``CURLOPT_USERNAME``/``CURLOPT_PASSWORD``.
"""

from __future__ import annotations

import logging
import urllib.parse
from typing import Any

import orjson
import requests
from flask import current_app

from app import outbound_http
from app.vocabulary.errors import ApiError, BadGateway, BadRequest, Forbidden, GatewayTimeout

logger = logging.getLogger(__name__)


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
            port = parts.port or (443 if parts.scheme == "https" else 80)
            outbound_http.vetted_addresses(parts.hostname, port)
        except outbound_http.RefusedAddressError as exc:
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
    with outbound_http.session(allow_private) as session:
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
            refused = outbound_http.refusal_in(exc)
            if refused is not None:
                raise Forbidden(f"platform.api may not call {refused}.") from None
            logger.info("platform.api %s %s failed: %s", method, parts.hostname, exc)
            raise BadGateway(f"platform.api cannot reach {parts.hostname}.") from None


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

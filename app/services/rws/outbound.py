"""The call an ``rws`` service makes for a request: URL, query, headers and body.

Order of the query (DreamFactory's): the client's parameters first, a
repeated name with all its values in the order sent (``tag=a&tag=b``), minus
our own credentials (``api_key``, ``session_token``) and minus parameters an
``exclude`` item holds back, then the configured parameters. Names and values
are form-encoded again (``quote_plus``: UTF-8, ``&``, ``=`` and ``+`` escaped,
a space as ``+``); an empty value is sent as the bare name. The verb is the
client's, and HEAD stays HEAD (``verb``); header and parameter items apply by
their ``action`` bit for that verb. Client headers
are never passed on, except those a header item names with
``pass_from_client``; the configured headers come last and win over our
defaults (``Accept-Encoding: identity``, a ``User-Agent``, the body's
``Content-Type``). Lookups in the config were substituted before the service
was built; the client's own values are sent as they came, never searched for
lookups.
"""

from __future__ import annotations

import base64
import secrets
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from urllib3.fields import format_multipart_header_param

from app.responses import dumps
from app.services.rws.config import header_value_problem, url_problem
from app.version import __version__
from app.vocabulary import verbs
from app.vocabulary.errors import InternalServerError

if TYPE_CHECKING:
    from app.vocabulary.calls import ServiceRequest

OWN_PARAMS = frozenset({"api_key", "session_token"})
"""Query parameters that are our credentials, never passed on."""

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

CHUNK = 64 * 1024
"""Bytes of an uploaded file read at a time while sending it on."""


@dataclass
class Outbound:
    """One request to the remote, and what of it makes the response cache key."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any = None
    """bytes, a file-like stream (sent as it is read), or None."""
    replayable: bool = True
    """Whether ``body`` can be sent again (a redirect to repeat the call)."""
    key_url: str = ""
    """The URL with only the parameters that count for the cache key."""
    key_headers: list[tuple[str, str]] = field(default_factory=list)


def applies(item: dict[str, Any], method: str) -> bool:
    return bool(int(item.get("action", 0)) & verbs.bit(method))


def _pair(name: str, value: str) -> str:
    part = urllib.parse.quote_plus(name)
    return f"{part}={urllib.parse.quote_plus(value)}" if value != "" else part


def verb(request: ServiceRequest) -> str:
    """The verb sent on: the request's, except HEAD when the client asked with HEAD."""
    return "HEAD" if request.head and request.method == "GET" else request.method


def _texts(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [item for v in value for item in _texts(v)]
    return ["" if value is None else str(value)]


def client_params(request: ServiceRequest) -> list[tuple[str, str]]:
    """The client's parameters as (name, value) pairs, a repeated name's values in order.

    ``params`` has the say (a pre-process script may have changed it): a name it
    no longer holds is dropped, one whose value changed is sent once with the new
    value, and one it gained comes last. A list value (from an internal call) is
    sent as a repeated name.
    """
    params = request.params
    pairs: list[tuple[str, str]] = []
    firsts: dict[str, str] = {}
    for name, value in request.query or ():
        if name not in params:
            continue
        if name not in firsts:
            firsts[name] = value
            pairs.extend((name, text) for text in _texts(params[name]))
        elif params[name] == firsts[name]:
            pairs.append((name, value))
    for name, value in params.items():
        if name not in firsts:
            pairs.extend((name, text) for text in _texts(value))
    return pairs


def query_pairs(
    config: dict[str, Any], request: ServiceRequest, method: str
) -> tuple[list[str], list[str]]:
    """(outbound query parts, cache key query parts), each ``name=value`` encoded."""
    sent: list[str] = []
    keyed: list[str] = []
    items = [p for p in config.get("parameters") or [] if applies(p, method)]
    excluded = {p["name"].lower(): p for p in items if p.get("exclude")}
    for name, value in client_params(request):
        if name.lower() in OWN_PARAMS:
            continue
        part = _pair(name, value)
        rule = excluded.get(name.lower())
        if rule is None or not rule.get("outbound", True):
            sent.append(part)
        if rule is None or not rule.get("cache_key", True):
            keyed.append(part)
    for item in items:
        if item.get("exclude"):
            continue
        part = _pair(item["name"], item.get("value") or "")
        if item.get("outbound", True):
            sent.append(part)
        if item.get("cache_key", True):
            keyed.append(part)
    return sent, keyed


def _remote_url(config: dict[str, Any], request: ServiceRequest, service: str) -> tuple[str, str]:
    """(URL without query, base URL's own query) with the resource path added."""
    base = str(config.get("base_url") or "")
    problem = url_problem(base)
    if problem:
        raise InternalServerError(f"The base URL of service '{service}' is not usable: {problem}")
    parts = urllib.parse.urlsplit(base)
    path = parts.path
    if request.resource:
        quoted = "/".join(urllib.parse.quote(s, safe="") for s in request.resource.split("/"))
        path = path.rstrip("/") + "/" + quoted
    if config.get("preserve_forward_trailing_slash") and not path.endswith("/"):
        path += "/"
    netloc = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, "", "")), parts.query


def _basic_auth(base_url: str) -> str | None:
    parts = urllib.parse.urlsplit(base_url)
    if parts.username is None:
        return None
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _size(stream: Any) -> int | None:
    try:
        at = stream.tell()
        size = stream.seek(0, 2) - at
        stream.seek(at)
    except (AttributeError, OSError, ValueError):
        return None
    return size


def multipart(fields: dict[str, Any], files: Any) -> tuple[Iterator[bytes], str, int | None]:
    """(chunks, content type, length or None) of a multipart body sent as it is read.

    ``files`` maps field names to werkzeug ``FileStorage`` objects (spooled by
    the REST controller); each is read in ``CHUNK``-sized pieces.
    """
    boundary = secrets.token_hex(16)
    parts: list[tuple[bytes, Any]] = []
    for name, value in (fields or {}).items():
        head = (
            (
                f"--{boundary}\r\nContent-Disposition: form-data; "
                f"{format_multipart_header_param('name', str(name))}\r\n\r\n"
            ).encode()
            + str(value).encode()
            + b"\r\n"
        )
        parts.append((head, None))
    for name, storage in files.items(multi=True):
        disposition = (
            f"form-data; {format_multipart_header_param('name', str(name))}; "
            f"{format_multipart_header_param('filename', storage.filename or str(name))}"
        )
        kind = storage.mimetype or "application/octet-stream"
        head = (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {kind}\r\n\r\n"
        ).encode()
        parts.append((head, storage.stream))
    tail = f"--{boundary}--\r\n".encode()
    sizes = [_size(stream) if stream is not None else 0 for _, stream in parts]
    length = None
    if all(size is not None for size in sizes):
        length = sum(
            len(head) + size + (2 if stream is not None else 0)
            for (head, stream), size in zip(parts, sizes, strict=True)
        ) + len(tail)

    def chunks() -> Iterator[bytes]:
        for head, stream in parts:
            yield head
            if stream is not None:
                while chunk := stream.read(CHUNK):
                    yield chunk
                yield b"\r\n"
        yield tail

    return chunks(), f"multipart/form-data; boundary={boundary}", length


def _body(request: ServiceRequest, method: str) -> tuple[Any, str | None, str | None, bool]:
    """(body, content type, content length, replayable) of what the client sent."""
    if method == "HEAD":
        return None, None, None, True
    sent_type = request.headers.get("content-type") or request.content_type
    if request.stream is not None and not hasattr(request.stream, "read"):
        fields = request.payload if isinstance(request.payload, dict) else {}
        chunks, kind, length = multipart(fields, request.stream)
        return chunks, kind, None if length is None else str(length), False
    if request.stream is not None:
        return request.stream, sent_type, request.headers.get("content-length"), False
    if request.content:
        return request.content, sent_type, None, True
    if request.payload is None:
        return None, None, None, True
    if isinstance(request.payload, dict) and (request.content_type or "").lower() in FORM_TYPES:
        form = urllib.parse.urlencode({k: str(v) for k, v in request.payload.items()})
        return form.encode(), FORM_TYPES[0], None, True
    if isinstance(request.payload, str):
        return request.payload.encode(), sent_type or "text/plain", None, True
    return dumps(request.payload), "application/json", None, True


def build(config: dict[str, Any], request: ServiceRequest, service: str) -> Outbound:
    method = verb(request)
    url, base_query = _remote_url(config, request, service)
    sent, keyed = query_pairs(config, request, method)
    if base_query:
        sent.insert(0, base_query)
        keyed.insert(0, base_query)
    body, content_type, length, replayable = _body(request, method)
    headers: dict[str, tuple[str, str]] = {
        "accept-encoding": ("Accept-Encoding", "identity"),
        "user-agent": ("User-Agent", f"DreamFactory-py/{__version__}"),
    }
    if content_type:
        headers["content-type"] = ("Content-Type", content_type)
    if length:
        headers["content-length"] = ("Content-Length", length)
    auth = _basic_auth(str(config.get("base_url") or ""))
    if auth:
        headers["authorization"] = ("Authorization", auth)
    for item in config.get("headers") or []:
        if not applies(item, method):
            continue
        name, value = item["name"], item.get("value") or ""
        if item.get("pass_from_client"):
            value = request.headers.get(name.lower(), value)
        if value == "":
            continue
        problem = header_value_problem(value)
        if problem:
            raise InternalServerError(
                f"Header '{name}' of service '{service}' has an unusable value: {problem}"
            )
        headers[name.lower()] = (name, value)
    return Outbound(
        method=method,
        url=url + ("?" + "&".join(sent) if sent else ""),
        headers=dict(headers.values()),
        body=body,
        replayable=replayable,
        key_url=url + ("?" + "&".join(keyed) if keyed else ""),
        key_headers=sorted((k, v) for k, (_, v) in headers.items()),
    )

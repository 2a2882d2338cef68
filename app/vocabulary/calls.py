"""A call to a service and its answer, whatever the origin.

Services never see Flask's request: the REST controller, scripts' inline
``platform.api`` calls and queued jobs all build a ``ServiceRequest`` and take
the same path (access control, then the service), so a service cannot tell
them apart except by ``requestor``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Requestor(enum.IntEnum):
    """Who is calling: a client over HTTP or a server-side script (role ``requestor_mask`` bits)."""

    API = 1
    SCRIPT = 2


@dataclass
class ServiceRequest:
    """One call to a service, independent of how it arrived."""

    method: str
    service: str
    resource: str = ""
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    payload: Any = None
    content: bytes = b""
    content_type: str | None = None
    requestor: Requestor = Requestor.API
    actor: Any = None
    """Who is calling (``app.access.actor.Actor``, set once authenticated); None for none."""
    uri: str = ""
    api_version: str = "2.0"
    stream: Any = None
    """A body left unread for services that stream uploads (``raw_body``): the input stream,
    or for a multipart body its uploaded files (field name → werkzeug ``FileStorage``,
    spooled to disk, for every service); None when the body was read into ``content``."""
    remote_addr: str | None = None
    """The client's address (after ProxyFix) for HTTP calls; None for internal ones."""
    query: list[tuple[str, str]] | None = None
    """Every query pair when a name repeats (``params`` holds each name's first value
    only): names in order of first appearance, each with its values in the order sent;
    None when ``params`` says it all."""
    head: bool = False
    """The client asked with HEAD: handled as GET (access, events, caching) and the body
    dropped by the server; a service that proxies the call may send HEAD on instead."""
    deferred: bool = False
    """A queued call run now, on a queue worker: the service runs it instead of queueing
    it again, and the event scripts that ran when it was queued do not run again."""

    @classmethod
    def internal(
        cls,
        method: str,
        service: str,
        resource: str = "",
        *,
        params: dict[str, str] | None = None,
        query: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        payload: Any = None,
        content: bytes = b"",
        content_type: str | None = None,
        actor: Any = None,
        requestor: Requestor = Requestor.SCRIPT,
        prefix: str = "api",
        version: str = "v2",
        uri: str | None = None,
        deferred: bool = False,
    ) -> ServiceRequest:
        """A call from inside the server (``platform.api``, queued jobs, scheduled tasks):
        no HTTP, a script as requestor unless told otherwise, and the ``uri`` an HTTP client
        would have used (``/<prefix>/<version>/<service>/<resource>``) unless the call
        replays one that came over HTTP. A body in ``content`` is JSON unless its type is given.
        """
        if uri is None:
            path = "/".join(part for part in (service, resource.lstrip("/")) if part)
            uri = f"/{prefix}/{version}/{path}" if path else f"/{prefix}/{version}"
        return cls(
            method=method,
            service=service,
            resource=resource,
            params=dict(params or {}),
            headers=dict(headers or {}),
            payload=payload,
            content=content,
            content_type=content_type or ("application/json" if content else None),
            requestor=requestor,
            actor=actor,
            uri=uri,
            query=query,
            deferred=deferred,
        )

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        self.service = self.service.lower()
        self.resource = self.resource.lstrip("/")
        self.headers = {k.lower(): v for k, v in self.headers.items()}

    @property
    def segments(self) -> list[str]:
        """The resource path split on ``/`` (a trailing slash yields no empty segment)."""
        return [s for s in self.resource.split("/") if s != ""]

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def option(self, name: str, default: Any = None) -> Any:
        """A record option from the query, else from a JSON object body (as DreamFactory does)."""
        if name in self.params:
            return self.params[name]
        if isinstance(self.payload, dict) and name in self.payload:
            return self.payload[name]
        return default

    def to_event(self) -> dict[str, Any]:
        """The ``event.request`` shape scripts receive."""
        return {
            "api_version": self.api_version,
            "method": self.method,
            "parameters": dict(self.params),
            "headers": dict(self.headers),
            "payload": self.payload,
            "content": self.content.decode("utf-8", "replace") if self.content else "",
            "content_type": self.content_type,
            "uri": self.uri,
            "service": self.service,
            "resource": self.resource,
        }


@dataclass
class ServiceResponse:
    """What a service answers: data to serialize, or raw bytes / a stream with a content type."""

    content: Any = None
    status: int = 200
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_raw(self) -> bool:
        """Whether the content is a body to send as is (bytes, an iterator of chunks, a file),
        not a value to render: a scalar such as a function's ``Decimal`` or ``date`` is rendered."""
        content = self.content
        if isinstance(content, bytes | bytearray):
            return True
        if content is None or isinstance(content, dict | list | str | int | float | bool):
            return False
        return hasattr(content, "__iter__") or hasattr(content, "read")


@dataclass(frozen=True)
class EventTarget:
    """The event paths one request fires (generic first) and the event's ``resource``."""

    paths: tuple[str, ...]
    resource: Any = None

"""A real HTTP server on loopback playing the remote API, and rws services pointing at it.

``remote`` is a threaded werkzeug server running ``RemoteApp``; it records
every request it receives (method, path, raw query, headers, body) so tests
can check what went out, and answers by path:

- ``/echo/...``: a JSON description of the request (any verb);
- ``/status/<n>``: status ``n`` with a JSON body and an ``X-Remote`` header;
- ``/headers``: a body with hop-by-hop, cookie, CORS and ordinary headers;
- ``/gzip``: a gzip-encoded JSON body (``Content-Encoding: gzip``);
- ``/big/<n>``: ``n`` bytes, streamed in chunks without a length;
- ``/gate``: one chunk, then the rest only once ``remote.gate`` is set;
- ``/slow``: answers only once ``remote.release`` is set (or after 5 s);
- ``/redirect?to=<url>&code=<n>``: a redirect;
- ``/count``: how many times it was called (``cc`` adds a Cache-Control header);
- ``/empty``: 204.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CHUNK = 64 * 1024


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    uri: str


@dataclass
class RemoteApp:
    seen: list[Seen] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    gate: threading.Event = field(default_factory=threading.Event)
    gate_passed_early: list[bool] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        with self.lock:
            self.seen.append(
                Seen(
                    method=request.method,
                    path=request.path,
                    query=environ.get("QUERY_STRING", ""),
                    headers={k.lower(): v for k, v in request.headers.items()},
                    body=body,
                    uri=environ.get("REQUEST_URI", ""),
                )
            )
        return self.answer(request, body)(environ, start_response)

    def answer(self, request: Request, body: bytes) -> Response:
        parts = request.path.strip("/").split("/")
        kind = parts[0]
        if kind == "status":
            return Response(
                json.dumps({"remote_error": int(parts[1])}),
                status=int(parts[1]),
                content_type="application/problem+json",
                headers={"X-Remote": "yes"},
            )
        if kind == "headers":
            response = Response(b"headers", content_type="text/plain; charset=utf-8")
            response.headers.add("Set-Cookie", "remote_session=1; Path=/")
            response.headers.add("Keep-Alive", "timeout=5")
            response.headers.add("Access-Control-Allow-Origin", "*")
            response.headers.add("Strict-Transport-Security", "max-age=100")
            response.headers.add("WWW-Authenticate", 'Basic realm="remote"')
            response.headers.add("X-Total-Count", "42")
            response.headers.add("Link", "</a>; rel=next")
            response.headers.add("Link", "</b>; rel=last")
            response.headers.add("ETag", '"abc"')
            response.headers.add("Connection", "X-Hop")
            response.headers.add("X-Hop", "dropped because Connection names it")
            return response
        if kind == "gzip":
            packed = gzip.compress(b'{"zipped": true}')
            return Response(
                packed, content_type="application/json", headers={"Content-Encoding": "gzip"}
            )
        if kind == "big":
            size = int(parts[1])

            def chunks():
                sent = 0
                while sent < size:
                    piece = min(CHUNK, size - sent)
                    yield bytes([65 + (sent // CHUNK) % 26]) * piece
                    sent += piece

            return Response(chunks(), content_type="application/octet-stream")
        if kind == "gate":

            def gated():
                yield b"first;"
                self.gate_passed_early.append(self.gate.wait(5))
                yield b"rest"

            return Response(gated(), content_type="text/plain")
        if kind == "slow":
            self.release.wait(5)
            return Response(b"late", content_type="text/plain")
        if kind == "redirect":
            code = int(request.args.get("code", "302"))
            return Response(b"", status=code, headers={"Location": request.args["to"]})
        if kind == "count":
            with self.lock:
                self.counts[request.full_path] = self.counts.get(request.full_path, 0) + 1
                number = self.counts[request.full_path]
            headers = {"Cache-Control": request.args["cc"]} if "cc" in request.args else {}
            return Response(
                json.dumps({"count": number}), content_type="application/json", headers=headers
            )
        if kind == "empty":
            return Response(status=204)
        return Response(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.path,
                    "query": request.query_string.decode(),
                    "content_type": request.headers.get("Content-Type"),
                    "body": body.decode("utf-8", "replace"),
                }
            ),
            content_type="application/json",
        )

    def last(self) -> Seen:
        with self.lock:
            return self.seen[-1]


@dataclass
class Remote:
    app: RemoteApp
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)


def serve(application: Any, **kwargs: Any):
    """A threaded werkzeug server for ``application`` on a free loopback port, and its thread."""
    server = make_server("127.0.0.1", 0, application, threaded=True, **kwargs)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return server, thread


def stop(server: Any, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def remote():
    application = RemoteApp()
    server, thread = serve(application)
    yield Remote(application, server.port)
    application.gate.set()
    application.release.set()
    stop(server, thread)


@pytest.fixture
def other_remote():
    """A second remote on another port (another origin)."""
    application = RemoteApp()
    server, thread = serve(application)
    yield Remote(application, server.port)
    stop(server, thread)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_rws(admin: Any, name: str = "remote", **config: Any) -> int:
    """An rws service with this config; returns its id."""
    body = {"resource": [{"name": name, "type": "rws", "is_active": True, "config": config}]}
    response = admin.post("system/service", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


def service_config(admin: Any, service_id: int) -> dict[str, Any]:
    response = admin.get(f"system/service/{service_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["config"]

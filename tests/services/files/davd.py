"""A real WebDAV server for the WebDAV file tests: wsgidav on cheroot, one per test process.

``start_davd`` runs this module as a process of its own (wsgidav's threads,
logs and leaks stay out of the tests' process) serving one folder under
``/dav`` on a free port of 127.0.0.1, for one user (``USER``, a fresh
password) who may log in with Basic or Digest authentication (a client
without credentials is challenged for Digest). Each test's container is a
fresh folder in it (``folder``), so a test inspects the served files as plain
``pathlib.Path`` objects.

Without wsgidav and cheroot (requirements-dev.txt) the tests skip, except
under ``CI=true``, where they fail.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

MISSING = "wsgidav and cheroot are needed for the WebDAV file tests (requirements-dev.txt)"
USER = "tester"
MOUNT = "/dav"
"""Where the served folder is on the server: base URIs carry a path."""
PLAIN = "/plain"
"""Where the same folder is served as by a plainer server: GET ignores ``Range``, and a
PROPFIND naming a folder without its trailing slash is redirected to it."""


@dataclass(frozen=True)
class Davd:
    process: subprocess.Popen
    port: int
    root: Path
    """The folder served at ``MOUNT``."""
    password: str

    @property
    def base_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{MOUNT}"

    @property
    def plain_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{PLAIN}"

    def folder(self, name: str) -> Path:
        """A new empty folder of the served one, named ``name`` and something needing
        percent-encoding."""
        path = self.root / f"{name} %"
        path.mkdir()
        return path

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def start_davd(root: Path) -> Davd:
    """A running WebDAV server for folder ``root`` (see the module docstring)."""
    if importlib.util.find_spec("wsgidav") is None or importlib.util.find_spec("cheroot") is None:
        if os.environ.get("CI") == "true":
            raise AssertionError(MISSING)
        pytest.skip(MISSING)
    password = secrets.token_urlsafe(12)
    served = root / "served"
    served.mkdir()
    log = root / "davd.log"
    with log.open("wb") as errors:  # the server keeps its own copy of it
        process = subprocess.Popen(  # noqa: S603 - our own server
            [sys.executable, "-m", "tests.services.files.davd", str(served)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            cwd=Path(__file__).parents[3],
        )
    process.stdin.write(password + "\n")
    process.stdin.close()
    line = process.stdout.readline().strip()
    if not line.isdigit():
        process.kill()
        process.wait()
        process.stdout.close()
        raise AssertionError(log.read_text())
    return Davd(process, int(line), served, password)


def plainer(app, root: str):
    """``app`` with ``PLAIN`` served as its docstring says."""

    def plain(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PLAIN + "/"):
            return app(environ, start_response)
        environ.pop("HTTP_RANGE", None)
        name = path.encode("latin-1").decode()[len(PLAIN) :]  # WSGI's str of the raw bytes
        folder = os.path.isdir(os.path.join(root, name.strip("/")))
        if environ["REQUEST_METHOD"] == "PROPFIND" and folder and not path.endswith("/"):
            start_response("301 Moved Permanently", [("Location", quote(PLAIN + name) + "/")])
            return [b""]
        return app(environ, start_response)

    return plain


def serve(root: str, password: str) -> None:
    """Serve ``root`` until terminated, after printing the port."""
    from cheroot import server as http
    from cheroot import wsgi
    from wsgidav.wsgidav_app import WsgiDAVApp

    class ForwardedRequest(http.HTTPRequest):
        """A request in absolute form served as any other: the server is also the proxy
        the proxy test goes through to reach a host name that does not exist."""

        def __init__(self, server, conn, proxy_mode=False, strict_mode=True):
            super().__init__(server, conn, proxy_mode=True, strict_mode=strict_mode)

    class Connection(http.HTTPConnection):
        RequestHandlerClass = ForwardedRequest

    app = WsgiDAVApp(
        {
            "provider_mapping": {MOUNT: root, PLAIN: root},
            "http_authenticator": {
                "accept_basic": True,
                "accept_digest": True,
                "default_to_digest": True,
            },
            "simple_dc": {"user_mapping": {"*": {USER: {"password": password}}}},
            "dir_browser": {"enable": False},
            "logging": {"enable": False},
            "verbose": 1,
        }
    )
    server = wsgi.Server(("127.0.0.1", 0), plainer(app, root), numthreads=16)
    server.ConnectionClass = Connection
    server.prepare()
    print(server.bind_addr[1], flush=True)  # noqa: T201 - the port, for start_davd
    server.serve()


if __name__ == "__main__":
    serve(sys.argv[1], sys.stdin.readline().strip())

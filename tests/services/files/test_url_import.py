"""``POST files/{folder}/?url=...``: imports from a real HTTP server on loopback."""

from __future__ import annotations

import http.server
import threading

import pytest

from app.outbound_http import is_public_address
from tests.conftest import assert_error
from tests.services.files.conftest import leftovers, make_zip

SITE_ZIP = make_zip({"site/index.html": b"<h1>imported</h1>"})


class _Handler(http.server.BaseHTTPRequestHandler):
    release: threading.Event

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?")[0]
        if path == "/files/report%20final.txt":
            self._send(200, b"imported text")
        elif path == "/site.zip":
            self._send(200, SITE_ZIP, "application/zip")
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/files/report%20final.txt")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/endless":
            self.send_response(200)
            self.end_headers()
            for _ in range(200):
                self.wfile.write(b"x" * 1000)
        elif path == "/slow":
            self.release.wait(30)
            self._send(200, b"late")
        elif path == "/broken":
            self._send(500, b"oops")
        else:
            self._send(404, b"not here")


@pytest.fixture
def remote():
    """Base URL of a threaded HTTP server on 127.0.0.1, stopped after the test."""
    release = threading.Event()
    handler = type("Handler", (_Handler,), {"release": release})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def allow_loopback(app):
    app.config["FILE_URL_IMPORT_ALLOW_PRIVATE"] = True


def test_loopback_addresses_are_refused_by_default(admin, box, remote):
    for url in (f"{remote}/files/report%20final.txt", remote.replace("127.0.0.1", "localhost")):
        response = admin.post("files/", query_string={"url": url})
        assert_error(
            response,
            400,
            "URL imports from loopback, private or link-local addresses are not allowed.",
        )
    assert list(box.iterdir()) == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4001:80b::200e", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:8.8.8.8", True),
    ],
)
def test_which_addresses_count_as_public(address, public):
    assert is_public_address(address) is public


def test_import_into_a_folder(admin, box, remote, allow_loopback):
    (box / "in").mkdir()
    response = admin.post("files/in/", query_string={"url": f"{remote}/files/report%20final.txt"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {
        "name": "report final.txt",
        "path": "in/report final.txt",
        "type": "file",
    }
    assert (box / "in" / "report final.txt").read_bytes() == b"imported text"
    renamed = admin.post(
        "files/in/", query_string={"url": f"{remote}/redirect", "filename": "r.txt"}
    )
    assert renamed.get_json()["path"] == "in/r.txt"
    assert (box / "in" / "r.txt").read_bytes() == b"imported text"
    assert leftovers(box) == []


def test_import_and_extract_a_zip(admin, box, remote, allow_loopback):
    response = admin.post("files/", query_string={"url": f"{remote}/site.zip", "extract": "true"})
    assert response.status_code == 201, response.get_json()
    assert (box / "site" / "index.html").read_bytes() == b"<h1>imported</h1>"
    assert not (box / "site.zip").exists()
    assert leftovers(box) == []


def test_an_imported_zip_to_extract_makes_its_folder(admin, box, remote, allow_loopback):
    url = f"{remote}/site.zip"
    response = admin.post("files/apps/", query_string={"url": url, "extract": "true"})
    assert response.status_code == 201, response.get_json()
    assert (box / "apps" / "site" / "index.html").read_bytes() == b"<h1>imported</h1>"
    assert leftovers(box) == []


def test_import_failures(app, admin, box, remote, allow_loopback):
    assert_error(
        admin.post("files/", query_string={"url": f"{remote}/nope"}),
        404,
        "Invalid URL entered. File not found.",
    )
    broken = admin.post("files/", query_string={"url": f"{remote}/broken"})
    assert_error(broken, 502, "Could not download the file: the server answered 500.")
    assert_error(
        admin.post("files/", query_string={"url": "file:///etc/passwd"}),
        400,
        "Only http and https URLs can be imported.",
    )
    assert_error(
        admin.post("files/", query_string={"url": "http://[::1"}),
        400,
        "The URL to import is not valid.",
    )
    assert_error(admin.post("files/nope/", query_string={"url": f"{remote}/site.zip"}), 404)
    app.config["FILE_MAX_UPLOAD_SIZE"] = 10_000
    assert_error(admin.post("files/", query_string={"url": f"{remote}/endless"}), 413)
    app.config["FILE_URL_IMPORT_TIMEOUT"] = 0.5
    assert_error(admin.post("files/", query_string={"url": f"{remote}/slow"}), 504)
    assert list(box.iterdir()) == []

"""Transport options: a forward proxy, TLS verification, connect timeouts."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from tests.conftest import assert_error
from tests.services.rws.conftest import Remote, RemoteApp, make_rws, serve, stop


def test_calls_go_through_the_configured_proxy(admin, other_remote):
    """The proxy receives the absolute URL (and its credentials); the remote host is never
    resolved by us (``.invalid`` could not be)."""
    proxy = other_remote
    make_rws(
        admin,
        base_url="http://api.example.invalid/v1",
        options={"proxy": proxy.url, "proxy_auth": "pu:pp"},
    )
    response = admin.get("remote/echo/x", query_string={"a": "1"})
    assert response.status_code == 200
    seen = proxy.last()
    assert seen.uri == "http://api.example.invalid/v1/echo/x?a=1"
    assert seen.headers["host"] == "api.example.invalid"
    assert seen.headers["proxy-authorization"] == "Basic " + base64.b64encode(b"pu:pp").decode()


def test_unreachable_proxy_is_a_502(admin, closed_port):
    make_rws(
        admin,
        base_url="http://api.example.invalid/v1",
        options={"CURLOPT_PROXY": f"http://127.0.0.1:{closed_port}"},
    )
    error = assert_error(admin.get("remote/x"), 502)
    assert error["message"] == (
        "Could not reach the remote of service 'remote' at http://api.example.invalid:80 "
        "through the configured proxy."
    )


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory):
    """A certificate and key for 127.0.0.1 that no CA vouches for."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def tls_remote(self_signed):
    application = RemoteApp()
    server, thread = serve(application, ssl_context=self_signed)
    yield Remote(application, server.port)
    stop(server, thread)


def test_tls_is_verified_unless_switched_off(admin, tls_remote):
    make_rws(admin, base_url=f"https://127.0.0.1:{tls_remote.port}/echo")
    error = assert_error(admin.get("remote/x"), 502)
    assert error["message"] == (
        f"The TLS connection to the remote of service 'remote' at "
        f"https://127.0.0.1:{tls_remote.port} failed."
    )
    assert tls_remote.seen == []
    make_rws(
        admin,
        name="trusting",
        base_url=f"https://127.0.0.1:{tls_remote.port}/echo",
        options={"verify_ssl": False},
    )
    response = admin.get("trusting/x")
    assert response.status_code == 200
    assert response.get_json()["path"] == "/echo/x"

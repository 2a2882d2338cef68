"""``X-Forwarded-*`` is honoured only from trusted peers (``FORWARDED_ALLOW_IPS``).

A client that reaches gunicorn directly must not choose its own address (the
login throttle counts by it), scheme or host; the local nginx may.
"""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api

FORWARDED = {
    "X-Forwarded-For": "198.51.100.2",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "spoofed.example.com",
}


def seen(api: Api, echo: str, peer: str) -> dict:
    return api.get(f"{echo}/x", headers=FORWARDED, environ_base={"REMOTE_ADDR": peer}).get_json()


def test_an_untrusted_peer_cannot_choose_its_address(admin, echo):
    assert seen(admin, echo, "203.0.113.9")["remote_addr"] == "203.0.113.9"


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1"])
def test_the_local_proxy_is_trusted_by_default(admin, echo, peer):
    assert seen(admin, echo, peer)["remote_addr"] == "198.51.100.2"


def environ_seen(peer: str, allowed: str = "127.0.0.1,::1") -> dict:
    """The environ the app gets behind ``TrustedProxyFix`` for a request from ``peer``."""
    from werkzeug.test import EnvironBuilder

    from app.proxies import TrustedProxyFix

    captured: dict = {}

    def inner(environ, start_response):
        captured.update(environ)
        start_response("204 No Content", [])
        return []

    headers = {**FORWARDED, "X-Forwarded-Port": "8443", "X-Forwarded-Prefix": "/evil"}
    environ = EnvironBuilder("/x", headers=headers).get_environ()
    environ["REMOTE_ADDR"] = peer
    TrustedProxyFix(inner, allowed, hops=1)(environ, lambda *_: None)
    return captured


def test_an_untrusted_peer_cannot_choose_scheme_host_port_or_prefix():
    environ = environ_seen("10.1.2.3")
    assert (environ["REMOTE_ADDR"], environ["wsgi.url_scheme"]) == ("10.1.2.3", "http")
    assert environ["HTTP_HOST"] == "localhost"
    assert environ["SCRIPT_NAME"] == ""
    trusted = environ_seen("127.0.0.1")
    assert (trusted["REMOTE_ADDR"], trusted["wsgi.url_scheme"]) == ("198.51.100.2", "https")
    assert trusted["HTTP_HOST"] == "spoofed.example.com:8443"
    assert trusted["SCRIPT_NAME"] == "/evil"


def test_a_peer_without_an_address_is_trusted_like_gunicorn_does():
    """A unix socket (nginx on the same machine) has no IP address: gunicorn trusts it."""
    assert environ_seen("")["REMOTE_ADDR"] == "198.51.100.2"


def test_configured_networks_are_trusted(backend, stores, tmp_path, spare_app, echo):
    application = spare_app(
        stores(backend), str(tmp_path / "s"), FORWARDED_ALLOW_IPS="10.1.0.0/16, 192.0.2.7"
    )
    api = Api(application.test_client())
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert seen(api, echo, "10.1.2.3")["remote_addr"] == "198.51.100.2"
    assert seen(api, echo, "192.0.2.7")["remote_addr"] == "198.51.100.2"
    assert seen(api, echo, "127.0.0.1")["remote_addr"] == "127.0.0.1"  # no longer listed


def test_a_star_trusts_every_peer(backend, stores, tmp_path, spare_app, echo):
    application = spare_app(stores(backend), str(tmp_path / "s"), FORWARDED_ALLOW_IPS="*")
    api = Api(application.test_client())
    api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    assert seen(api, echo, "203.0.113.9")["remote_addr"] == "198.51.100.2"


def test_a_bad_setting_stops_the_app(backend, stores, tmp_path, spare_app):
    with pytest.raises(RuntimeError, match="FORWARDED_ALLOW_IPS"):
        spare_app(stores(backend), str(tmp_path / "s"), FORWARDED_ALLOW_IPS="10.1.0.0/33")

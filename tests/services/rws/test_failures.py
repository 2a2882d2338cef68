"""Remotes that cannot be reached, are too slow, or redirect: 502, 504, same-origin redirects."""

from __future__ import annotations

import json
import logging

import pytest

from tests.conftest import assert_error
from tests.services.rws.conftest import make_rws


def test_unreachable_remote_is_a_502(admin, closed_port):
    make_rws(admin, base_url=f"http://127.0.0.1:{closed_port}/api?key=hidden")
    error = assert_error(admin.get("remote/x"), 502)
    assert error["message"] == (
        f"Could not connect to the remote of service 'remote' at http://127.0.0.1:{closed_port}."
    )


def test_unknown_host_is_a_502(admin):
    make_rws(admin, base_url="http://no-such-host.invalid/v1")
    error = assert_error(admin.get("remote/x"), 502)
    assert "no-such-host.invalid:80" in error["message"]


def test_slow_remote_is_a_504(admin, remote):
    make_rws(admin, base_url=remote.url, timeout=0.2)
    error = assert_error(admin.get("remote/slow"), 504)
    assert error["message"] == (
        f"No answer from the remote of service 'remote' at http://127.0.0.1:{remote.port} "
        "within 0.2 seconds."
    )
    remote.release.set()


def test_failures_are_logged_without_path_query_or_secrets(admin, closed_port, app_logs):
    app_logs.set_level(logging.DEBUG)
    make_rws(
        admin,
        base_url=f"http://127.0.0.1:{closed_port}/private-path?token=hidden-1",
        headers=[{"name": "X-Key", "value": "hidden-2"}],
    )
    assert_error(admin.get("remote/x", query_string={"q": "hidden-3"}), 502)
    assert "rws call failed service=remote" in app_logs.text
    for secret in ("hidden-1", "hidden-2", "hidden-3", "private-path"):
        assert secret not in app_logs.text


def test_same_origin_redirects_are_followed(admin, remote):
    make_rws(admin, base_url=remote.url)
    target = f"{remote.url}/echo/there?x=1"
    response = admin.get("remote/redirect", query_string={"to": target, "code": "302"})
    assert response.status_code == 200
    assert response.get_json()["path"] == "/echo/there"
    relative = admin.get("remote/redirect", query_string={"to": "/echo/rel", "code": "301"})
    assert relative.get_json()["path"] == "/echo/rel"


def test_redirected_post_becomes_get_except_307_and_308(admin, remote):
    make_rws(admin, base_url=remote.url)
    to = f"{remote.url}/echo/next"
    moved = admin.post("remote/redirect", query_string={"to": to, "code": "303"}, json={"a": 1})
    assert moved.get_json()["method"] == "GET"
    assert moved.get_json()["body"] == ""
    kept = admin.post("remote/redirect", query_string={"to": to, "code": "307"}, json={"a": 1})
    assert kept.get_json()["method"] == "POST"
    assert json.loads(kept.get_json()["body"]) == {"a": 1}


def test_streamed_bodies_are_not_sent_twice(admin, remote):
    make_rws(admin, base_url=remote.url)
    to = f"{remote.url}/echo/next"
    response = admin.post(
        "remote/redirect",
        query_string={"to": to, "code": "307"},
        data=b"\x00" * 1000,
        content_type="application/octet-stream",
    )
    assert response.status_code == 307
    assert response.headers["Location"] == to


def test_redirects_to_other_origins_go_back_to_the_client(admin, remote, other_remote):
    """Another host (or port, or scheme) is never called with the service's headers."""
    make_rws(admin, base_url=remote.url, headers=[{"name": "X-Api-Key", "value": "k"}])
    for to in (f"{other_remote.url}/echo/stolen", f"https://127.0.0.1:{remote.port}/echo/tls"):
        response = admin.get("remote/redirect", query_string={"to": to, "code": "302"})
        assert response.status_code == 302
        assert response.headers["Location"] == to
    assert other_remote.seen == []


def test_redirect_limit(admin, remote):
    from app.services.rws.transport import MAX_REDIRECTS

    make_rws(admin, base_url=remote.url)
    location = "/echo/end"
    for _ in range(MAX_REDIRECTS):
        location = "/redirect?code=302&to=" + _quote(location)
    assert admin.get("remote" + location).get_json()["path"] == "/echo/end"
    too_far = "/redirect?code=302&to=" + _quote(location)
    error = assert_error(admin.get("remote" + too_far), 502)
    assert f"redirected more than {MAX_REDIRECTS} times" in error["message"]


def test_redirects_not_followed_when_switched_off(admin, remote):
    make_rws(admin, base_url=remote.url, options={"CURLOPT_FOLLOWLOCATION": False})
    response = admin.get("remote/redirect", query_string={"to": "/echo/x", "code": "302"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/echo/x"


def _quote(text: str) -> str:
    import urllib.parse

    return urllib.parse.quote(text, safe="")


def test_a_body_that_stops_coming_is_cut_off_not_completed(admin, client, remote, app_logs):
    """Once the status is sent a failure cannot become an envelope: the relay raises, so the
    server drops the connection and the client sees a broken body, never a short one."""
    from app.services.rws.transport import RemoteBodyError

    app_logs.set_level(logging.WARNING)
    make_rws(admin, base_url=remote.url, timeout=0.2)
    response = client.get(
        "/api/v2/remote/gate",
        headers={"X-DreamFactory-Session-Token": admin.token},
        buffered=False,
    )
    assert response.status_code == 200
    chunks = iter(response.response)
    assert next(chunks) == b"first;"
    with pytest.raises(RemoteBodyError, match="stopped sending its answer"):
        next(chunks)
    response.close()
    assert "rws body broke off service=remote error=ReadTimeoutError" in app_logs.text

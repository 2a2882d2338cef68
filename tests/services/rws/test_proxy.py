"""Calls relayed to the remote: path, verb, query, body, headers, and the answer back."""

from __future__ import annotations

import gzip
import json

from tests.conftest import ADMIN_KEY, assert_error
from tests.services.rws.conftest import make_rws


def test_path_query_and_verb_reach_the_remote(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo/v1")
    response = admin.get("remote/users/42", query_string={"q": "a b", "n": "1"})
    assert response.status_code == 200
    assert response.get_json()["path"] == "/echo/v1/users/42"
    seen = remote.last()
    assert seen.method == "GET"
    assert seen.query == "q=a+b&n=1"
    assert response.headers["Content-Type"] == "application/json"


def test_root_and_encoded_segments(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo/v1")
    assert admin.get("remote").get_json()["path"] == "/echo/v1"
    admin.get("remote/a%20b/c@d")
    assert remote.last().uri.startswith("/echo/v1/a%20b/c%40d")


def test_trailing_slash_kept_or_added(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo")
    admin.get("remote/items/")
    assert remote.last().uri == "/echo/items/"
    base = f"{remote.url}/echo"
    make_rws(admin, name="slash", base_url=base, preserve_forward_trailing_slash=True)
    admin.get("slash/items")
    assert remote.last().uri == "/echo/items/"
    admin.get("slash")
    assert remote.last().uri == "/echo/"


def test_base_url_query_is_kept(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo?format=json")
    admin.get("remote/x", query_string={"a": "1"})
    assert remote.last().query == "format=json&a=1"


def test_our_credentials_are_not_passed_on(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo")
    response = admin.get(
        "remote/x",
        query_string={"api_key": ADMIN_KEY, "keep": "1"},
        headers={
            "X-DreamFactory-API-Key": ADMIN_KEY,
            "Authorization": f"Bearer {admin.token}",
            "Cookie": "session=ours",
            "X-Custom": "not configured",
        },
    )
    assert response.status_code == 200
    seen = remote.last()
    assert seen.query == "keep=1"
    for name in (
        "x-dreamfactory-api-key",
        "x-dreamfactory-session-token",
        "authorization",
        "cookie",
        "x-custom",
    ):
        assert name not in seen.headers, name
    assert seen.headers["accept-encoding"] == "identity"
    assert seen.headers["user-agent"].startswith("DreamFactory-py/")


def test_configured_parameters_and_headers(admin, remote):
    make_rws(
        admin,
        base_url=f"{remote.url}/echo",
        parameters=[
            {"name": "key", "value": "k1"},
            {"name": "only_post", "value": "p", "action": ["POST"]},
            {"name": "drop", "exclude": True, "outbound": True},
        ],
        headers=[
            {"name": "X-Api-Key", "value": "secret-1"},
            {"name": "Accept", "value": "application/json", "action": 1},
            {"name": "X-Trace", "pass_from_client": True},
            {"name": "Authorization", "pass_from_client": True, "value": "Basic ZGVmYXVsdA=="},
        ],
    )
    admin.get(
        "remote/x",
        query_string={"drop": "me", "mine": "1"},
        headers={"X-Trace": "t-1", "X-Other": "no"},
    )
    seen = remote.last()
    assert seen.query == "mine=1&key=k1"
    assert seen.headers["x-api-key"] == "secret-1"
    assert seen.headers["accept"] == "application/json"
    assert seen.headers["x-trace"] == "t-1"
    assert seen.headers["authorization"] == "Basic ZGVmYXVsdA=="  # the client sent none
    assert "x-other" not in seen.headers

    bearer = f"Bearer {admin.token}"  # our own credential: passed on only because configured
    admin.post("remote/x", json={"a": 1}, headers={"Authorization": bearer})
    seen = remote.last()
    assert seen.query == "key=k1&only_post=p"
    assert "accept" not in seen.headers  # GET only
    assert "x-trace" not in seen.headers
    assert seen.headers["authorization"] == bearer


def test_empty_parameter_value_is_a_bare_name(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo", parameters=[{"name": "flag"}])
    admin.get("remote/x")
    assert remote.last().query == "flag"


def test_json_body_and_content_type(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo")
    response = admin.post("remote/items", json={"name": "x", "n": [1, 2]})
    body = response.get_json()
    assert body["method"] == "POST"
    assert json.loads(body["body"]) == {"name": "x", "n": [1, 2]}
    assert body["content_type"] == "application/json"
    for verb in ("PUT", "PATCH", "DELETE"):
        response = admin.call(verb, "remote/items/1", data=b"<a/>", content_type="text/xml")
        assert response.get_json()["method"] == verb
        assert remote.last().body == b"<a/>"
        assert remote.last().headers["content-type"] == "text/xml"


def test_raw_and_form_bodies(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo")
    blob = bytes(range(256)) * 100
    admin.post("remote/blob", data=blob, content_type="application/octet-stream")
    assert remote.last().body == blob
    assert remote.last().headers["content-length"] == str(len(blob))
    admin.post("remote/form", data={"a": "1", "b": "x y"})
    seen = remote.last()
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen.body == b"a=1&b=x+y"


def test_multipart_upload_is_passed_on(admin, remote, tmp_path):
    import io

    make_rws(admin, base_url=f"{remote.url}/echo")
    data = {
        "title": "report",
        "files": [
            (io.BytesIO(b"one" * 1000), "one.txt", "text/plain"),
            (io.BytesIO(b"\x00\x01two"), "my two.bin", "application/octet-stream"),
        ],
    }
    response = admin.post("remote/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    seen = remote.last()
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(
        method="POST", data=seen.body, content_type=seen.headers["content-type"]
    ).get_environ()
    from werkzeug.wrappers import Request

    with Request(environ) as parsed:
        assert parsed.form["title"] == "report"
        uploads = parsed.files.getlist("files")
        assert [u.filename for u in uploads] == ["one.txt", "my two.bin"]
        assert uploads[0].read() == b"one" * 1000
        assert uploads[1].read() == b"\x00\x01two"
    assert int(seen.headers["content-length"]) == len(seen.body)


def test_remote_errors_are_relayed_as_sent(admin, remote):
    make_rws(admin, base_url=remote.url)
    for status in (400, 404, 422, 500, 503):
        response = admin.get(f"remote/status/{status}")
        assert response.status_code == status
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.headers["X-Remote"] == "yes"
        assert response.get_json() == {"remote_error": status}


def test_unsafe_response_headers_are_dropped(admin, remote):
    make_rws(admin, base_url=remote.url)
    response = admin.get("remote/headers")
    assert response.get_data() == b"headers"
    headers = response.headers
    for name in (
        "Set-Cookie",
        "Keep-Alive",
        "Strict-Transport-Security",
        "WWW-Authenticate",
        "X-Hop",
        "Transfer-Encoding",
    ):
        assert name not in headers, name
    assert "Access-Control-Allow-Origin" not in headers
    assert headers["X-Total-Count"] == "42"
    assert headers["Link"] == "</a>; rel=next, </b>; rel=last"
    assert headers["ETag"] == '"abc"'
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


def test_encoded_body_is_relayed_with_its_encoding(admin, remote):
    make_rws(admin, base_url=remote.url)
    response = admin.get("remote/gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert json.loads(gzip.decompress(response.get_data())) == {"zipped": True}


def test_head_and_no_content(admin, remote):
    """HEAD goes on as HEAD (see ``test_query_and_verbs``); the client gets the headers only."""
    make_rws(admin, base_url=f"{remote.url}/echo")
    response = admin.call("HEAD", "remote/x")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert remote.last().method == "HEAD"
    assert int(response.headers["Content-Length"]) > 0  # the remote's, not ours
    make_rws(admin, name="nothing", base_url=f"{remote.url}/empty")
    response = admin.delete("nothing")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert admin.get("nothing").status_code == 204  # the pooled connection still works


def test_large_body_streams_intact(admin, remote):
    make_rws(admin, base_url=remote.url)
    size = 5 * 1024 * 1024 + 123
    response = admin.get("remote/big/" + str(size))
    data = response.get_data()
    assert len(data) == size
    assert data[:3] == b"AAA" and data[-1:] == bytes([65 + ((size - 1) // (64 * 1024)) % 26])


def test_body_is_relayed_while_the_remote_still_sends(admin, client, remote):
    """The first chunk reaches the client before the remote has sent the rest: no buffering."""
    make_rws(admin, base_url=remote.url)
    response = client.get(
        "/api/v2/remote/gate",
        headers={"X-DreamFactory-Session-Token": admin.token},
        buffered=False,
    )
    chunks = iter(response.response)
    assert next(chunks) == b"first;"
    remote.gate.set()
    assert b"".join(chunks) == b"rest"
    response.close()
    assert remote.gate_passed_early == [True]


def test_allowed_verbs(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo", allowed_verbs=["get", "POST"])
    assert admin.get("remote/x").status_code == 200
    assert admin.post("remote/x", json={}).status_code == 200
    count = len(remote.seen)
    response = admin.delete("remote/x")
    assert_error(response, 405, "DELETE is not allowed on service 'remote'.")
    assert response.headers["Allow"] == "GET, POST"
    assert len(remote.seen) == count


def test_internal_call_sends_the_payload_as_json(app, admin, remote):
    """Scripts and jobs call through dispatch with a payload and no raw body."""
    from app import dispatch
    from app.vocabulary.calls import ServiceRequest

    make_rws(admin, base_url=f"{remote.url}/echo")
    with app.test_request_context():
        response = dispatch.call(
            ServiceRequest(method="POST", service="remote", resource="x", payload={"a": [1]})
        )
        try:
            body = b"".join(response.content)
        finally:
            response.content.close()
    assert response.status == 200
    assert json.loads(json.loads(body)["body"]) == {"a": [1]}
    assert remote.last().headers["content-type"] == "application/json"


def test_role_access_applies(admin, remote, client):
    from tests.conftest import Api, create_api_app, create_role

    service_id = make_rws(admin, base_url=f"{remote.url}/echo")
    role = create_role(
        admin,
        "readers",
        [{"service_id": service_id, "component": "*", "verb_mask": 1, "requestor_mask": 1}],
    )
    _, key = create_api_app(admin, "reader-app", role)
    reader = Api(client, api_key=key)
    assert reader.get("remote/x").status_code == 200
    count = len(remote.seen)
    assert reader.post("remote/x", json={}).status_code == 401
    assert len(remote.seen) == count

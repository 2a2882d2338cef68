"""Repeated query parameters, their encoding, and HEAD / OPTIONS sent on as themselves."""

from __future__ import annotations

import json
import urllib.parse

from tests.conftest import ADMIN_EMAIL, ADMIN_KEY, assert_error
from tests.services.rws.conftest import make_rws


def test_repeated_names_keep_every_value_in_order(admin, remote):
    make_rws(
        admin,
        base_url=f"{remote.url}/echo",
        parameters=[
            {"name": "key", "value": "k1"},
            {"name": "who", "value": "{user.email}"},
            {"name": "drop", "exclude": True},
        ],
    )
    query = (
        f"tag=a&api_key={ADMIN_KEY}&n=1&tag=b&session_token={admin.token}&tag=c"
        f"&drop=1&drop=2&api_key=other"
    )
    response = admin.get("remote/path", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    who = urllib.parse.quote_plus(ADMIN_EMAIL)
    assert remote.last().query == f"tag=a&tag=b&tag=c&n=1&key=k1&who={who}"
    assert response.get_json()["path"] == "/echo/path"

    admin.post("remote/path", query_string="tag=x&tag=y", json={})  # every verb
    assert remote.last().query == f"tag=x&tag=y&key=k1&who={who}"


def test_values_survive_encoding(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo")
    values = ["a&b=c", "x y", "été ✓", "1+1", "%41", ""]
    for query in (
        [("q", v) for v in values],  # one name repeated
        [(f"q{i}", v) for i, v in enumerate(values)],  # every name once
    ):
        encoded = urllib.parse.urlencode(query)
        response = admin.get("remote/x", query_string=encoded)
        assert response.status_code == 200
        sent = remote.last().query
        assert urllib.parse.parse_qsl(sent, keep_blank_values=True) == query
        assert sent == encoded.replace("=&", "&").removesuffix("=")  # empty: the bare name
        assert "%C3%A9t%C3%A9+%E2%9C%93" in sent
    admin.get("remote/x", query_string="na%20me=v&na%20me=w")
    assert remote.last().query == "na+me=v&na+me=w"


def test_internal_calls_and_changed_parameters(app, admin, remote):
    """``params`` has the say over the client's query, as a pre-process script leaves it."""
    from app import dispatch
    from app.vocabulary.calls import ServiceRequest

    make_rws(admin, base_url=f"{remote.url}/echo")
    query = [("tag", "a"), ("keep", "1"), ("tag", "b"), ("gone", "1"), ("gone", "2")]
    calls = [
        ({"tag": ["a", "b"], "n": 1}, None, "tag=a&tag=b&n=1"),  # a list from a script's call
        ({"tag": "a", "keep": "1", "gone": "1"}, query, "tag=a&keep=1&tag=b&gone=1&gone=2"),
        ({"tag": "z", "keep": "1", "added": "y"}, query, "tag=z&keep=1&added=y"),
    ]
    for params, sent_query, expected in calls:
        with app.test_request_context():
            request = ServiceRequest(
                method="GET", service="remote", resource="x", params=params, query=sent_query
            )
            response = dispatch.call(request)
            try:
                body = b"".join(response.content)
            finally:
                response.content.close()
        assert json.loads(body)["query"] == expected
        assert remote.last().query == expected


def test_head_goes_on_as_head(admin, remote):
    make_rws(admin, base_url=remote.url)
    response = admin.call("HEAD", "remote/headers", query_string="tag=a&tag=b")
    assert response.status_code == 200
    assert response.get_data() == b""
    seen = remote.last()
    assert (seen.method, seen.path, seen.query) == ("HEAD", "/headers", "tag=a&tag=b")
    assert seen.body == b""
    headers = response.headers
    assert headers["Content-Length"] == str(len(b"headers"))  # the remote's, for its GET body
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["X-Total-Count"] == "42"
    assert headers["ETag"] == '"abc"'
    assert "Set-Cookie" not in headers
    get = admin.get("remote/headers")  # the pooled connection still works after a HEAD
    assert get.get_data() == b"headers"
    assert {k: get.headers[k] for k in ("Content-Length", "Content-Type", "ETag")} == {
        k: headers[k] for k in ("Content-Length", "Content-Type", "ETag")
    }


def test_head_follows_the_allow_list_and_item_verbs(admin, remote):
    make_rws(
        admin,
        base_url=f"{remote.url}/echo",
        allowed_verbs=["GET"],
        parameters=[{"name": "get_only", "value": "1", "action": ["GET"]}],
    )
    count = len(remote.seen)
    response = admin.call("HEAD", "remote/x")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert len(remote.seen) == count
    make_rws(
        admin,
        name="both",
        base_url=f"{remote.url}/echo",
        allowed_verbs=["GET", "HEAD"],
        parameters=[
            {"name": "get_only", "value": "1", "action": ["GET"]},
            {"name": "head_only", "value": "1", "action": ["HEAD"]},
        ],
        headers=[{"name": "X-Head", "value": "h", "action": ["HEAD"]}],
    )
    assert admin.call("HEAD", "both/x").status_code == 200
    seen = remote.last()
    assert (seen.method, seen.query, seen.headers.get("x-head")) == ("HEAD", "head_only=1", "h")
    admin.get("both/x")
    seen = remote.last()
    assert (seen.method, seen.query, seen.headers.get("x-head")) == ("GET", "get_only=1", None)


def test_options_goes_on_as_options(admin, client, remote):
    make_rws(admin, base_url=f"{remote.url}/echo")
    response = admin.call("OPTIONS", "remote/x", query_string="tag=a&tag=b")
    assert response.status_code == 200
    assert response.get_json()["method"] == "OPTIONS"
    assert remote.last().query == "tag=a&tag=b"

    origin = "https://app.example.com"
    rule = {"path": "api/*", "origin": origin, "method": ["GET"], "enabled": True}
    assert admin.post("system/cors", json={"resource": [rule]}).status_code == 201
    count = len(remote.seen)
    preflight = client.options(
        "/api/v2/remote/x", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204  # answered by our CORS step, never the remote's
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert len(remote.seen) == count

    make_rws(admin, name="closed", base_url=f"{remote.url}/echo", allowed_verbs=["GET"])
    response = admin.call("OPTIONS", "closed/x")
    assert_error(response, 405, "OPTIONS is not allowed on service 'closed'.")
    assert len(remote.seen) == count

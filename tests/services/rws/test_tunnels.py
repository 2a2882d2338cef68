"""Verb tunnels and scripts' ``platform.api`` calls, as the remote receives them."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.scripting.helpers import save_script
from tests.services.rws.conftest import make_rws

HOOK = "system.environment.get.post_process"


def test_a_method_parameter_that_tunnelled_the_verb_is_not_sent_on(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo", parameters=[{"name": "key", "value": "k"}])
    response = admin.post("remote/x", query_string="tag=a&method=DELETE&tag=b")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (remote.last().method, remote.last().query) == ("DELETE", "tag=a&tag=b&key=k")

    admin.post("remote/x", query_string="method=delete")
    assert (remote.last().method, remote.last().query) == ("DELETE", "key=k")


def test_a_method_parameter_that_did_not_tunnel_is_sent_on(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo")
    admin.get("remote/x", query_string="method=DELETE&n=1")  # only a POST tunnels
    assert (remote.last().method, remote.last().query) == ("GET", "method=DELETE&n=1")

    admin.post("remote/x", query_string="method=x&method=y", headers={"X-HTTP-Method": "PUT"})
    assert (remote.last().method, remote.last().query) == ("PUT", "method=x&method=y")

    admin.post("remote/x", query_string="method=", json={})  # empty: no tunnel
    assert (remote.last().method, remote.last().query) == ("POST", "method")


@pytest.mark.parametrize(
    "tunnel", [{"headers": {"X-HTTP-Method": "HEAD"}}, {"query_string": "method=HEAD&n=1"}]
)
def test_a_tunnelled_head_goes_on_as_head(admin, remote, tunnel):
    make_rws(admin, base_url=remote.url)
    response = admin.post("remote/headers", **tunnel)
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.headers["Content-Length"] == "0"  # an answer to a POST: no body follows
    assert response.headers["X-Total-Count"] == "42"  # the remote's headers otherwise
    assert remote.last().method == "HEAD"
    assert remote.last().query == ("n=1" if "query_string" in tunnel else "")

    make_rws(admin, name="no_head", base_url=remote.url, allowed_verbs=["GET", "POST"])
    count = len(remote.seen)
    assert admin.call("HEAD", "no_head/x").status_code == 405
    assert_error(
        admin.post("no_head/x", **tunnel), 405, "HEAD is not allowed on service 'no_head'."
    )
    assert len(remote.seen) == count


def test_a_scripts_call_sends_every_value_of_a_repeated_name(admin, remote):
    make_rws(admin, base_url=f"{remote.url}/echo")
    code = """
plain = platform.api.get('remote/x?tag=a&n=1&tag=b')
option = platform.api.get('api/v2/remote/x?tag=a&n=1&tag=b', None, {'parameters': {'tag': 'z'}})
once = platform.api.post('remote/x?tag=a&method=DELETE', {})
return [plain.content, option.content, once.content]
"""
    save_script(admin, HOOK, code)
    response = admin.get("system/environment")
    assert response.status_code == 200, response.get_data(as_text=True)
    # the remote's JSON answer reaches the script as data
    plain, option, once = response.get_json()
    assert plain["query"] == "tag=a&tag=b&n=1"  # grouped by name, as the REST controller does
    assert option["query"] == "n=1&tag=z"  # an option replaces every value the path gave
    assert (once["method"], once["query"]) == ("POST", "tag=a&method=DELETE")  # no tunnel
    assert [s.query for s in remote.seen] == [plain["query"], option["query"], once["query"]]


def test_a_scripts_call_gets_text_as_text_and_json_errors_as_data(admin, remote):
    make_rws(admin, base_url=remote.url)
    code = """
problem = platform.api.get('remote/status/409')
text = platform.api.get('remote/headers')  # last: the test remote's Keep-Alive is a lie
return [text.content, text.content_type, problem.status_code, problem.content]
"""
    save_script(admin, HOOK, code)
    response = admin.get("system/environment")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == [
        "headers",
        "text/plain; charset=utf-8",
        409,
        {"remote_error": 409},
    ]

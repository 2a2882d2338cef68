"""The REST controller: routes, the root listing, service roots, verbs, payloads, internal calls."""

from __future__ import annotations

import pytest

from app.access.calls import check_call
from app.services import SERVICE_TYPES
from app.vocabulary.calls import Requestor, ServiceRequest
from app.vocabulary.errors import BadRequest, Forbidden, MethodNotAllowed
from app.vocabulary.paths import parse_api_path
from tests.conftest import (
    ADMIN_KEY,
    Api,
    assert_error,
    create_api_app,
    create_role,
    create_user,
    issue_token,
)

SEEDED = ["system", "api_docs", "files", "logs", "db", "user", "email"]


def service_id(admin: Api, name: str) -> int:
    response = admin.get("system/service", query_string={"filter": f"name='{name}'"})
    return response.get_json()["resource"][0]["id"]


# Units: ServiceRequest and path parsing ------------------------------------------------


def test_service_request_normalizes_its_fields():
    request = ServiceRequest(
        method="patch",
        service="DB",
        resource="/_table/Todo/",
        params={"fields": "id", "limit": "2"},
        headers={"X-DreamFactory-API-Key": "k", "Content-Type": "application/json"},
        payload={"fields": "name", "ids": "1,2"},
    )
    assert request.method == "PATCH"
    assert request.service == "db"
    assert request.resource == "_table/Todo/"
    assert request.segments == ["_table", "Todo"]
    assert request.headers == {"x-dreamfactory-api-key": "k", "content-type": "application/json"}
    assert request.requestor is Requestor.API
    assert request.option("fields") == "id"  # the query wins over the body
    assert request.option("ids") == "1,2"
    assert request.option("missing", "d") == "d"
    event = request.to_event()
    assert event["method"] == "PATCH" and event["resource"] == "_table/Todo/"
    assert event["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("", (None, "", "")),
        ("v2", ("v2", "", "")),
        ("v2/", ("v2", "", "")),
        ("v2.1/DB/_table", ("v2.1", "db", "_table")),
        ("db/_table/x", (None, "db", "_table/x")),
        ("v2/files/docs/", ("v2", "files", "docs/")),
        ("v2/files/a/../b", ("v2", "files", "a/b")),
        ("v2/files/../../etc/passwd", ("v2", "files", "etc/passwd")),
        ("v2/files/a..b/c", ("v2", "files", "a..b/c")),
        ("version/x", (None, "version", "x")),
    ],
)
def test_parse_api_path(path, expected):
    assert parse_api_path(path) == expected


# Routes --------------------------------------------------------------------------------


def test_versioned_and_unversioned_routes(admin):
    versioned = admin.get("/api/v2/system/service", query_string={"fields": "id,name"})
    unversioned = admin.get("/api/system/service", query_string={"fields": "id,name"})
    assert versioned.status_code == unversioned.status_code == 200
    assert versioned.get_json() == unversioned.get_json()
    assert [s["name"] for s in versioned.get_json()["resource"]] == SEEDED


@pytest.mark.parametrize("version", ["v2", "v2.0"])
def test_version_two_by_any_of_its_names(admin, version):
    response = admin.get(f"/api/{version}/system/service", query_string={"fields": "name"})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("path", ["/api/v3/system/service", "/api/v1/db/_table", "/api/v2.1"])
def test_unknown_versions_are_404_for_everyone(admin, anon, path):
    """DreamFactory speaks 2.0 only; another version names nothing here, whoever asks and
    before any credential is looked at."""
    for caller in (admin, anon):
        error = assert_error(caller.get(path), 404)
        assert "not supported" in error["message"]
    assert_error(anon.get(path, headers={"X-DreamFactory-Session-Token": "garbage"}), 404)


def test_trailing_slash_and_dot_dot(admin, echo):
    assert admin.get(f"{echo}/folder/").get_json()["resource"] == "folder/"
    assert admin.get(f"{echo}/folder").get_json()["resource"] == "folder"
    assert admin.get(f"{echo}/a/../b/").get_json()["resource"] == "a/b/"
    assert admin.get(f"{echo}/").get_json()["resource"] == ""
    body = admin.get("/api/echo/x/y").get_json()
    assert body["resource"] == "x/y" and body["service"] == "echo"


def test_service_names_are_case_insensitive(admin, echo):
    assert admin.get("/api/v2/ECHO/Thing").get_json()["resource"] == "Thing"


# GET /api/v2 ----------------------------------------------------------------------------


def type_names(body) -> list[str]:
    return [t["name"] for t in body["service_types"]]


@pytest.mark.parametrize("path", ["/api/v2", "/api/v2/", "/api", "/api/"])
def test_root_listing_for_anonymous_callers(anon, path):
    response = anon.get(path)
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["services", "service_types"]
    assert body["services"] == []
    assert type_names(body) == sorted(SERVICE_TYPES)
    assert all(list(t) == ["name", "label", "group", "description"] for t in body["service_types"])


def test_root_listing_for_an_admin(admin):
    body = admin.get("/api/v2").get_json()
    assert [s["name"] for s in body["services"]] == SEEDED
    system = body["services"][0]
    assert list(system) == ["id", "name", "label", "description", "type", "spec_url"]
    assert system["type"] == "system" and system["spec_url"] == "/api/v2/system/_spec"


def test_root_listing_options(admin):
    body = admin.get("/api/v2", query_string={"fields": "name,type"}).get_json()
    assert body["services"][0] == {
        "name": "system",
        "type": "system",
        "spec_url": "/api/v2/system/_spec",
    }
    by_group = admin.get("/api/v2", query_string={"group": "File"}).get_json()
    assert [s["name"] for s in by_group["services"]] == ["files", "logs"]
    assert {t["group"] for t in by_group["service_types"]} == {"File"}
    by_type = admin.get("/api/v2", query_string={"type": "sqlite"}).get_json()
    assert [s["name"] for s in by_type["services"]] == ["db"]
    assert type_names(by_type) == ["sqlite"]


def test_root_listing_skips_inactive_services(admin):
    files = service_id(admin, "files")
    assert admin.patch(f"system/service/{files}", json={"is_active": False}).status_code == 200
    names = [s["name"] for s in admin.get("/api/v2").get_json()["services"]]
    assert "files" not in names and "logs" in names


def test_root_listing_follows_the_role(app, client, admin):
    files = service_id(admin, "files")
    role_id = create_role(
        admin,
        "files_reader",
        [{"service_id": files, "component": "*", "verb_mask": 1, "requestor_mask": 1}],
    )
    _, key = create_api_app(admin, "reader", role_id)
    body = Api(client, api_key=key).get("/api/v2").get_json()
    assert [s["name"] for s in body["services"]] == ["files"]
    assert type_names(body) == sorted(SERVICE_TYPES)


def test_root_listing_with_a_bad_token_fails(anon):
    anon.token = "garbage"
    error = assert_error(anon.get("/api/v2"), 401)
    assert error["message"].startswith("Invalid token:")


# Service roots --------------------------------------------------------------------------


def test_service_root_lists_resources(admin):
    names = admin.get("system").get_json()["resource"]
    assert all(list(item) == ["name"] for item in names)
    as_list = admin.get("system", query_string={"as_list": "true"}).get_json()["resource"]
    assert as_list == [item["name"] for item in names]
    for name in ("admin", "admin/session", "admin/password", "app", "role", "service", "user"):
        assert name in as_list
    full = admin.get("system", query_string={"fields": "*"}).get_json()["resource"]
    assert list(full[0]) == [
        "name",
        "label",
        "description",
        "class_name",
        "singleton",
        "read_only",
        "subscription_required",
    ]
    by_name = {item["name"]: item for item in full}
    assert by_name["environment"]["read_only"] is True
    assert by_name["admin/session"]["singleton"] is True
    some = admin.get("system", query_string={"fields": "name,label"}).get_json()["resource"]
    assert all(list(item) == ["name", "label"] for item in some)


# Verbs and tunnelling ------------------------------------------------------------------


@pytest.mark.parametrize("header", ["X-HTTP-Method", "X-HTTP-Method-Override", "X-Method-Override"])
def test_post_tunnels_a_verb_in_a_header(admin, echo, header):
    assert admin.post(echo, headers={header: "DELETE"}).get_json()["method"] == "DELETE"
    assert admin.post(echo, headers={header: "put"}).get_json()["method"] == "PUT"
    assert admin.post(echo, headers={header: "MERGE"}).get_json()["method"] == "PATCH"


def test_only_post_tunnels(admin, echo):
    assert admin.get(echo, headers={"X-HTTP-Method": "DELETE"}).get_json()["method"] == "GET"
    assert admin.put(echo, headers={"X-HTTP-Method": "DELETE"}).get_json()["method"] == "PUT"
    on_get = admin.get(echo, query_string={"method": "DELETE"}).get_json()
    assert on_get["method"] == "GET"


def test_method_query_parameter_on_post(admin, echo):
    assert admin.post(echo, query_string={"method": "patch"}).get_json()["method"] == "PATCH"
    both = admin.post(echo, query_string={"method": "PUT"}, headers={"X-HTTP-Method": "DELETE"})
    assert both.get_json()["method"] == "DELETE"


def test_a_method_parameter_is_consumed_only_when_it_chose_the_verb(admin, echo):
    tunnelled = admin.post(echo, query_string="method=DELETE&n=1&method=x").get_json()
    assert tunnelled["method"] == "DELETE"
    assert tunnelled["params"] == {"n": "1"}
    for response in (
        admin.get(echo, query_string="method=DELETE&n=1"),  # only a POST tunnels
        admin.post(echo, query_string="method=DELETE&n=1", headers={"X-HTTP-Method": "PUT"}),
    ):
        assert response.get_json()["params"] == {"method": "DELETE", "n": "1"}
    empty = admin.post(echo, query_string="method=&n=1", json={}).get_json()
    assert (empty["method"], empty["params"]) == ("POST", {"method": "", "n": "1"})


@pytest.mark.parametrize(
    "tunnel", [{"headers": {"X-HTTP-Method": "HEAD"}}, {"query_string": "method=head"}]
)
def test_a_tunnelled_head_answers_headers_only(admin, echo, tunnel):
    response = admin.post(echo, **tunnel)
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == "0"  # the answer is to a POST
    assert response.headers["Content-Type"] == "application/json"


def test_header_precedence(admin, echo):
    response = admin.post(echo, headers={"X-HTTP-Method": "DELETE", "X-Method-Override": "PUT"})
    assert response.get_json()["method"] == "DELETE"


def test_merge_and_head(admin, echo):
    assert admin.call("MERGE", echo).get_json()["method"] == "PATCH"
    head = admin.call("HEAD", echo)
    assert head.status_code == 200 and head.data == b""


def test_unknown_tunnelled_verb(admin, echo):
    assert_error(
        admin.post(echo, headers={"X-HTTP-Method": "BREW"}),
        405,
        "The method 'BREW' is not allowed.",
    )


def test_a_tunnelled_verb_is_authorized_as_itself(app, client, admin, echo):
    echo_id = service_id(admin, "echo")
    role_id = create_role(
        admin,
        "poster",
        [{"service_id": echo_id, "component": "", "verb_mask": 2, "requestor_mask": 1}],
    )
    _, key = create_api_app(admin, "poster_app", role_id)
    user_id = create_user(admin, "poster@example.com")
    caller = Api(client, token=issue_token(app, user_id, "poster@example.com"), api_key=key)
    assert caller.post(echo).get_json()["method"] == "POST"
    assert_error(
        caller.post(echo, headers={"X-HTTP-Method": "DELETE"}),
        403,
        "Access Forbidden. DELETE access to service 'echo' is not allowed by this user's role.",
    )


# Payloads and headers ------------------------------------------------------------------


def test_json_payload(admin, echo):
    body = admin.post(echo, json={"resource": [{"a": 1}]}).get_json()
    assert body["payload"] == {"resource": [{"a": 1}]}
    assert body["content_type"] == "application/json"
    assert body["content"] == '{"resource": [{"a": 1}]}'


def test_form_payload(admin, echo):
    body = admin.post(echo, data={"name": "x", "label": "X"}).get_json()
    assert body["payload"] == {"name": "x", "label": "X"}
    assert body["content_type"] == "application/x-www-form-urlencoded"


def test_xml_payload(admin, echo):
    xml = (
        '<?xml version="1.0"?><dfapi><resource>'
        "<item><name>x</name></item><item><name>y</name></item>"
        "</resource></dfapi>"
    )
    body = admin.post(echo, data=xml, content_type="application/xml").get_json()
    assert body["payload"] == {"resource": [{"name": "x"}, {"name": "y"}]}
    single = "<dfapi><resource><item><name>x</name></item></resource></dfapi>"
    body = admin.post(echo, data=single, content_type="text/xml").get_json()
    assert body["payload"] == {"resource": [{"name": "x"}]}


def test_xml_in_utf_16(admin, echo):
    xml = '<?xml version="1.0" encoding="UTF-16"?><dfapi><name>\u00e9t\u00e9</name></dfapi>'
    body = admin.post(echo, data=xml.encode("utf-16"), content_type="application/xml").get_json()
    assert body["payload"] == {"name": "\u00e9t\u00e9"}


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1 or "") + ";") * 10}">' for n in range(1, 10))
    + "]><lolz>&lol9;</lolz>"
)
"""The billion laughs: nested entities that expand to 10**9 ``lol``s."""

EXTERNAL = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
"""An external entity that would read a file of the server."""


REFUSED_XML = {
    "entity": '<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
    "laughs": LAUGHS,
    "external entity": EXTERNAL,
    "external DTD": '<!DOCTYPE x SYSTEM "http://127.0.0.1:1/x.dtd"><x/>',
    "empty DOCTYPE": "<!DOCTYPE x><x/>",
}


def test_xml_with_a_doctype_is_refused_in_any_encoding(admin, echo):
    for name, document in REFUSED_XML.items():
        for encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
            declaration = f'<?xml version="1.0" encoding="{encoding}"?>'
            response = admin.post(
                echo, data=(declaration + document).encode(encoding), content_type="text/xml"
            )
            assert response.status_code == 400, (name, encoding)
            error = assert_error(response, 400)
            if encoding in ("utf-8", "utf-16"):  # with a BOM: read, and stopped at the DTD
                assert error["message"] == "XML documents with a DOCTYPE are not accepted."
            else:  # expat reads UTF-16 only with a BOM
                assert error["message"].startswith("Invalid or malformed XML")


def test_malformed_xml(admin, echo):
    error = assert_error(admin.post(echo, data="<a><b></a>", content_type="application/xml"), 400)
    assert error["message"].startswith("Invalid or malformed XML")
    unreadable = '<?xml version="1.0" encoding="utf-16-le"?><a/>'.encode("utf-16-le")
    error = assert_error(admin.post(echo, data=unreadable, content_type="application/xml"), 400)
    assert error["message"] == "Invalid or malformed XML: multi-byte encodings are not supported"


def test_csv_payload(admin, echo):
    body = admin.post(echo, data="name,label\nx,X\ny,Y\n", content_type="text/csv").get_json()
    assert body["payload"] == {
        "resource": [{"name": "x", "label": "X"}, {"name": "y", "label": "Y"}]
    }


def test_text_payload(admin, echo):
    body = admin.post(echo, data="hello there", content_type="text/plain").get_json()
    assert body["payload"] == "hello there"
    assert body["content"] == "hello there"


def test_json_without_a_content_type(admin, echo):
    body = admin.post(echo, data='{"a": 1}').get_json()
    assert body["payload"] == {"a": 1}


def test_headers_and_params_reach_the_service_lower_cased(admin, echo):
    body = admin.get(
        f"{echo}/x", headers={"X-Custom-Thing": "Value"}, query_string={"Limit": "5"}
    ).get_json()
    assert body["headers"]["x-custom-thing"] == "Value"
    assert all(key == key.lower() for key in body["headers"])
    assert body["params"] == {"Limit": "5"}
    assert body["uri"] == "/api/v2/echo/x"
    assert body["requestor"] == int(Requestor.API)
    assert body["remote_addr"] == "127.0.0.1"


def test_forwarded_client_address_through_one_proxy(admin, echo):
    body = admin.get(
        f"{echo}/x", headers={"X-Forwarded-For": "203.0.113.7, 198.51.100.2"}
    ).get_json()
    assert body["remote_addr"] == "198.51.100.2"  # PROXY_FIX_HOPS=1 trusts only the last hop


# Internal calls ------------------------------------------------------------------------


def admin_actor(app, requestor=Requestor.API):
    from app import system_cache
    from app.access.actor import Actor

    return Actor(user=system_cache.get_user(1), requestor=requestor)


def test_an_internal_call_takes_the_same_path_as_http(app, admin):
    from app import dispatch

    over_http = admin.get("system/service", query_string={"fields": "id,name,type"}).get_json()
    with app.app_context():
        request = ServiceRequest(
            method="GET",
            service="system",
            resource="service",
            params={"fields": "id,name,type"},
            actor=admin_actor(app),
            requestor=Requestor.SCRIPT,
        )
        check_call(request)
        assert request.actor.requestor is Requestor.SCRIPT
        response = dispatch.call(request)
    assert response.status == 200
    assert response.content == over_http


def test_an_internal_call_sees_the_requestor(app, echo):
    from app import dispatch

    with app.app_context():
        request = ServiceRequest(
            method="merge",
            service="echo",
            resource="x/",
            headers={"X-Thing": "1"},
            payload={"a": 1},
            actor=admin_actor(app),
            requestor=Requestor.SCRIPT,
        )
        check_call(request)
        content = dispatch.call(request).content
    assert content["method"] == "PATCH"
    assert content["requestor"] == int(Requestor.SCRIPT)
    assert content["resource"] == "x/"
    assert content["headers"] == {"x-thing": "1"}


def test_an_internal_call_with_an_unknown_verb(app, echo):
    with app.app_context(), pytest.raises(MethodNotAllowed):
        check_call(ServiceRequest(method="BREW", service="echo", actor=admin_actor(app)))


def test_an_internal_call_without_an_actor(app, echo):
    from app.access import authz

    with app.app_context():
        with pytest.raises(BadRequest, match="No session token"):
            check_call(ServiceRequest(method="GET", service="echo"))
        with pytest.raises(Forbidden) as denied:
            check_call(ServiceRequest(method="GET", service="echo", requestor=Requestor.SCRIPT))
    assert denied.value.message == authz.NO_ROLE


def test_requestor_masks_over_http_and_internally(app, client, admin, echo):
    from app import system_cache
    from app.access.actor import Actor

    echo_id = service_id(admin, "echo")
    api_only = create_role(
        admin,
        "api_only",
        [{"service_id": echo_id, "component": "*", "verb_mask": 1, "requestor_mask": 1}],
    )
    script_only = create_role(
        admin,
        "script_only",
        [{"service_id": echo_id, "component": "*", "verb_mask": 1, "requestor_mask": 2}],
    )
    user_id = create_user(admin, "script@example.com")
    token = issue_token(app, user_id, "script@example.com")
    api_app, api_key = create_api_app(admin, "api_app", api_only)
    script_app, script_key = create_api_app(admin, "script_app", script_only)

    assert Api(client, token=token, api_key=api_key).get(f"{echo}/x").status_code == 200
    assert_error(
        Api(client, token=token, api_key=script_key).get(f"{echo}/x"),
        403,
        "Access Forbidden. GET access to component 'x' of service 'echo' "
        "is not allowed by this user's role.",
    )

    def internal(app_id: int, role_id: int, requestor: Requestor) -> None:
        actor = Actor(
            user=system_cache.get_user(user_id),
            app=system_cache.get_app_by_key(api_key if app_id == api_app else script_key),
            role=system_cache.get_role(role_id),
        )
        check_call(
            ServiceRequest(
                method="GET", service="echo", resource="x", actor=actor, requestor=requestor
            )
        )

    with app.app_context():
        internal(api_app, api_only, Requestor.API)
        with pytest.raises(Forbidden, match="GET access to component 'x' of service 'echo'"):
            internal(api_app, api_only, Requestor.SCRIPT)
        internal(script_app, script_only, Requestor.SCRIPT)
        with pytest.raises(Forbidden):
            internal(script_app, script_only, Requestor.API)


def test_access_exceptions_apply_to_internal_calls(app):
    from app.access.actor import ANONYMOUS

    with app.app_context():
        check_call(
            ServiceRequest(method="GET", service="system", resource="environment", actor=ANONYMOUS)
        )
        with pytest.raises(BadRequest):
            check_call(ServiceRequest(method="GET", service="system", resource="service"))


def test_admin_key_alone_is_not_enough_for_the_system_service(client):
    assert_error(
        Api(client, api_key=ADMIN_KEY).get("system/service"),
        400,
        "No session token (JWT) provided. Please provide a valid JWT using "
        "X-DreamFactory-Session-Token request header or 'session_token' url query parameter.",
    )

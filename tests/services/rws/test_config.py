"""The rws config: validation, secrets masked and kept, lookups (private ones too)."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from tests.conftest import assert_error
from tests.services.rws.conftest import make_rws, service_config

MASK = "**********"


def create(admin, **config):
    return admin.post("system/service", json={"name": "remote", "type": "rws", "config": config})


def test_type_is_listed_with_its_config_fields(admin):
    item = admin.get("system/service_type/rws").get_json()
    assert item["label"] == "HTTP Service"
    assert item["group"] == "Remote Service"
    names = [f["name"] for f in item["config_schema"]]
    for name in ("base_url", "options", "parameters", "headers", "cache_enabled", "cache_ttl"):
        assert name in names
    for name in ("timeout", "allowed_verbs", "preserve_forward_trailing_slash", "openapi"):
        assert name in names


def test_defaults(admin, remote):
    service_id = make_rws(admin, base_url=remote.url)
    config = service_config(admin, service_id)
    assert config["parameters"] == [] and config["headers"] == []
    assert config["cache_enabled"] is False and config["cache_ttl"] == 0
    assert config["timeout"] == 30.0
    assert config["allowed_verbs"] == ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
    assert config["options"]["verify_ssl"] is True
    assert config["openapi"] is None


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({}, "config.base_url", "The config.base_url field is required."),
        ({"base_url": "ftp://host/x"}, "config.base_url", "Must be an http or https URL."),
        ({"base_url": "http:///nohost"}, "config.base_url", "Must be an http or https URL."),
        ({"base_url": "http://h/x#frag"}, "config.base_url", "May not have a fragment (#...)."),
        (
            {"base_url": "http://h", "headers": [{"name": "Bad Name", "value": "x"}]},
            "config.headers.0.name",
            "'Bad Name' is not a valid header name.",
        ),
        (
            {"base_url": "http://h", "headers": [{"name": "X-A", "value": "a\r\nX-B: b"}]},
            "config.headers.0.value",
            "Header values may not contain line breaks or control codes.",
        ),
        (
            {"base_url": "http://h", "headers": [{"name": "X-A", "value": "日本"}]},
            "config.headers.0.value",
            "Header values must be Latin-1 text (encode others, e.g. {urlencode(name)}).",
        ),
        (
            {"base_url": "http://h", "headers": [{"name": "X-A", "value": {"no": 1}}]},
            "config.headers.0.value",
            "Must be a string or a number.",
        ),
        (
            {"base_url": "http://h", "parameters": [{"value": "x"}]},
            "config.parameters.0.name",
            "The config.parameters.0.name field is required.",
        ),
        (
            {"base_url": "http://h", "parameters": [{"name": "a", "action": 1000}]},
            "config.parameters.0.action",
            "Must be a verb mask between 0 and 127.",
        ),
        (
            {"base_url": "http://h", "parameters": [{"name": "a", "action": ["FETCH"]}]},
            "config.parameters.0.action",
            "'FETCH' is not a verb.",
        ),
        (
            {"base_url": "http://h", "options": {"CURLOPT_COOKIEJAR": "/tmp/x"}},
            "config.options",
            "Option 'CURLOPT_COOKIEJAR' is not supported (supported: connect_timeout, "
            "follow_redirects, proxy, proxy_auth, verify_ssl).",
        ),
        (
            {"base_url": "http://h", "options": {"proxy": "socks5://p:1080"}},
            "config.options.proxy",
            "Must be an http or https URL.",
        ),
        ({"base_url": "http://h", "timeout": 0}, "config.timeout", None),
        ({"base_url": "http://h", "allowed_verbs": []}, "config.allowed_verbs", None),
        ({"base_url": "http://h", "allowed_verbs": ["FETCH"]}, "config.allowed_verbs.0", None),
        ({"base_url": "http://h", "cache_ttl": -1}, "config.cache_ttl", None),
        (
            {"base_url": "http://h", "openapi": "{not json: [unclosed"},
            "config.openapi",
            "Must be an OpenAPI document (JSON or YAML).",
        ),
        (
            {"base_url": "http://h", "openapi": [1, 2]},
            "config.openapi",
            "Must be an OpenAPI document: an object.",
        ),
        (
            {"base_url": "http://h", "openapi": {"paths": []}},
            "config.openapi",
            "The document's paths must be an object.",
        ),
    ],
)
def test_config_is_validated(admin, config, field, message):
    error = assert_error(create(admin, **config), 400)
    assert field in error["context"], error
    if message is not None:
        assert error["context"][field] == [message]


def test_cache_ttl_and_verbs_accept_dreamfactory_forms(admin, remote):
    service_id = make_rws(
        admin,
        base_url=remote.url,
        allowed_verbs=["get", "Post"],
        parameters=[{"name": "a", "value": 5, "action": "GET,POST"}, {"name": "b", "action": 3}],
        options={"CURLOPT_SSL_VERIFYPEER": False, "CURLOPT_CONNECTTIMEOUT": 2},
    )
    config = service_config(admin, service_id)
    assert config["allowed_verbs"] == ["GET", "POST"]
    assert [p["action"] for p in config["parameters"]] == [3, 3]
    assert config["parameters"][0]["value"] == "5"
    assert config["options"]["verify_ssl"] is False
    assert config["options"]["connect_timeout"] == 2


def test_openapi_document_as_object_json_or_yaml(admin, remote):
    doc = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/a/{id}": {}}}
    first = make_rws(admin, base_url=remote.url, openapi=doc)
    second = make_rws(admin, name="second", base_url=remote.url, openapi=json.dumps(doc))
    yaml_text = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}: {}\n"
    third = make_rws(admin, name="third", base_url=remote.url, openapi=yaml_text)
    for service_id in (first, second, third):
        assert service_config(admin, service_id)["openapi"] == doc


def test_openapi_templates_are_not_lookups(admin, remote):
    """A lookup named like a path parameter leaves the document alone."""
    admin.post("system/lookup", json={"resource": [{"name": "id", "value": "LOOKED-UP"}]})
    doc = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/a/{id}": {}}}
    make_rws(
        admin,
        base_url=f"{remote.url}/echo",
        openapi=doc,
        headers=[{"name": "X-Id", "value": "{id}"}],
    )
    assert admin.get("remote/a/1").status_code == 200
    assert remote.last().headers["x-id"] == "LOOKED-UP"

    from app.access import lookups
    from app.vocabulary.calls import ServiceRequest

    app = admin.client.application
    with app.test_request_context():
        from app import system_cache

        info = system_cache.require_service_info("remote")
        request = ServiceRequest(method="GET", service="remote")
        substituted = lookups.substitute_lookups(request, info)
    assert substituted.config["openapi"] == doc
    assert substituted.config["headers"][0]["value"] == "LOOKED-UP"


def test_secrets_are_masked(admin, remote):
    service_id = make_rws(
        admin,
        base_url=f"http://user:pa55word@127.0.0.1:{remote.port}/echo",
        headers=[
            {"name": "Authorization", "value": "Bearer literal-secret"},
            {"name": "X-Flagged", "value": "flagged-secret", "secret": True},
            {"name": "X-Api-Key", "value": "{api_key_lookup}"},
            {"name": "Accept", "value": "application/json"},
        ],
        parameters=[
            {"name": "access_token", "value": "param-secret"},
            {"name": "format", "value": "json"},
        ],
        options={"proxy_auth": "proxyuser:proxy-secret"},
    )
    config = service_config(admin, service_id)
    assert config["base_url"] == f"http://user:{MASK}@127.0.0.1:{remote.port}/echo"
    assert [h["value"] for h in config["headers"]] == [
        MASK,
        MASK,
        "{api_key_lookup}",
        "application/json",
    ]
    assert [p["value"] for p in config["parameters"]] == [MASK, "json"]
    assert config["options"]["proxy_auth"] == MASK
    listed = admin.get("system/service", query_string={"fields": "*"}).get_data(as_text=True)
    for secret in ("pa55word", "literal-secret", "flagged-secret", "param-secret", "proxy-secret"):
        assert secret not in listed


def test_masked_values_written_back_keep_the_stored_ones(admin, remote):
    service_id = make_rws(
        admin,
        base_url=f"http://user:pa55word@127.0.0.1:{remote.port}/echo",
        headers=[{"name": "Authorization", "value": "Bearer kept"}],
        parameters=[{"name": "api_key_remote", "value": "kept-param"}],
    )
    config = service_config(admin, service_id)
    config["headers"].append({"name": "X-New", "value": "new"})
    response = admin.patch(f"system/service/{service_id}", json={"config": config})
    assert response.status_code == 200, response.get_json()
    admin.get("remote/x")
    seen = remote.last()
    assert seen.headers["authorization"] == "Bearer kept"
    assert seen.headers["x-new"] == "new"
    assert seen.query == "api_key_remote=kept-param"

    renamed = service_config(admin, service_id)
    renamed["headers"][0]["name"] = "X-Other"
    error = assert_error(admin.patch(f"system/service/{service_id}", json={"config": renamed}), 400)
    assert "config.headers.0.value" in error["context"]


def test_user_info_in_base_url_becomes_basic_auth(admin, remote):
    make_rws(admin, base_url=f"http://us%40er:p%3Ass@127.0.0.1:{remote.port}/echo")
    response = admin.get("remote/x")
    assert response.status_code == 200
    seen = remote.last()
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(b"us@er:p:ss").decode()
    assert seen.headers["host"] == f"127.0.0.1:{remote.port}"


def test_private_lookup_reaches_the_remote_but_no_response_or_log(admin, remote, app_logs):
    secret = "private-lookup-value-7f3a"
    lookup = {"name": "remote_key", "value": secret, "private": True}
    response = admin.post("system/lookup", json={"resource": [lookup]})
    assert response.status_code == 201
    app_logs.set_level(logging.DEBUG)
    service_id = make_rws(
        admin,
        base_url=f"{remote.url}/echo",
        headers=[{"name": "X-Key", "value": "{remote_key}"}],
        parameters=[{"name": "sig", "value": "pre-{remote_key}", "outbound": False}],
    )
    response = admin.get("remote/x")
    assert response.status_code == 200
    assert remote.last().headers["x-key"] == secret
    assert secret not in response.get_data(as_text=True)
    for path in (f"system/service/{service_id}", "system/service?fields=*", "system/lookup"):
        assert secret not in admin.get(path).get_data(as_text=True), path
    assert service_config(admin, service_id)["headers"][0]["value"] == "{remote_key}"
    assert secret not in app_logs.text


def test_lookup_values_unfit_for_a_header_are_a_clear_error(admin, remote):
    admin.post("system/lookup", json={"resource": [{"name": "city", "value": "東京"}]})
    make_rws(
        admin,
        base_url=f"{remote.url}/echo",
        headers=[
            {"name": "X-City", "value": "{city}"},
            {"name": "X-Enc", "value": "{urlencode(city)}"},
        ],
    )
    error = assert_error(admin.get("remote/x"), 500)
    assert error["message"].startswith("Header 'X-City' of service 'remote' has an unusable value:")
    assert remote.seen == []


def test_list_fields_describe_their_items(admin):
    schema = admin.get("system/service_type/rws").get_json()["config_schema"]
    fields = {f["name"]: f for f in schema}
    headers = {f["name"]: f for f in fields["headers"]["items"]}
    assert list(headers) == ["name", "value", "pass_from_client", "action", "secret"]
    assert headers["action"]["type"] == "verb_mask"
    assert headers["action"]["default"] == 127
    assert headers["pass_from_client"]["type"] == "boolean"
    parameters = [f["name"] for f in fields["parameters"]["items"]]
    assert parameters == ["name", "value", "exclude", "outbound", "cache_key", "action", "secret"]
    assert "items" not in fields["base_url"]

"""CORS through HTTP: rules from system/cors, preflights, simple requests, live updates."""

from __future__ import annotations

from tests.conftest import assert_error

ORIGIN = "https://app.example.com"


def add_rule(admin, **fields):
    body = {
        "path": "api/*",
        "origin": ORIGIN,
        "method": ["GET", "POST"],
        "header": "Content-Type, X-DreamFactory-API-Key",
        "exposed_header": "X-Total",
        "max_age": 600,
        "enabled": True,
    }
    body.update(fields)
    response = admin.post("system/cors", json={"resource": [body]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


def preflight(client, path="/api/v2/system/environment", method="GET", origin=ORIGIN, headers=""):
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )


def test_no_rule_means_no_cors_headers(client):
    response = preflight(client)
    assert "Access-Control-Allow-Origin" not in response.headers
    simple = client.get("/api/v2/system/environment", headers={"Origin": ORIGIN})
    assert simple.status_code == 200
    assert "Access-Control-Allow-Origin" not in simple.headers


def test_preflight_allowed(client, admin):
    add_rule(admin)
    response = preflight(client, headers="content-type")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST"
    allowed = response.headers["Access-Control-Allow-Headers"]
    assert allowed == "Content-Type, X-DreamFactory-API-Key"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in response.headers["Vary"]


def test_preflight_with_a_method_not_allowed_is_405(client, admin):
    add_rule(admin)
    assert_error(preflight(client, method="DELETE"), 405)


def test_preflight_from_another_origin_gets_no_allow_origin(client, admin):
    add_rule(admin)
    response = preflight(client, origin="https://evil.example")
    assert response.status_code == 204
    assert "Access-Control-Allow-Origin" not in response.headers


def test_simple_request_and_errors_carry_the_headers(client, admin):
    add_rule(admin)
    ok = client.get("/api/v2/system/environment", headers={"Origin": ORIGIN})
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert ok.headers["Access-Control-Expose-Headers"] == "X-Total"
    denied = client.get("/api/v2/system/service", headers={"Origin": ORIGIN})
    assert_error(denied, 400)
    assert denied.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_wildcard_origin_and_credentials(client, admin):
    add_rule(admin, origin="*")
    response = client.get("/api/v2/system/environment", headers={"Origin": "https://any.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    admin.patch("system/cors/1", json={"supports_credentials": True})
    response = client.get("/api/v2/system/environment", headers={"Origin": "https://any.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://any.example"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_longest_matching_path_wins(client, admin):
    add_rule(admin, path="*", method=["GET"])
    add_rule(admin, path="api/v2/system/*", method=["GET", "DELETE"])
    assert preflight(client, method="DELETE").status_code == 204
    assert preflight(client, path="/api/v2/files/x", method="DELETE").status_code == 405


def test_regex_path_and_disabled_rules(client, admin):
    rule = add_rule(admin, path="^api/v2/(system|user)/")
    assert preflight(client).status_code == 204
    admin.patch(f"system/cors/{rule}", json={"enabled": False})
    assert "Access-Control-Allow-Origin" not in preflight(client).headers


def test_non_api_paths_are_not_handled(client, admin):
    add_rule(admin, path="*")
    response = client.get("/status", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_rule_written_on_one_server_applies_on_another(
    app, admin, backend, stores, tmp_path, spare_app
):
    other = spare_app(stores(backend), str(tmp_path / "other"))
    other_client = other.test_client()
    assert "Access-Control-Allow-Origin" not in preflight(other_client).headers  # warm its cache
    add_rule(admin)
    assert preflight(other_client).headers["Access-Control-Allow-Origin"] == ORIGIN

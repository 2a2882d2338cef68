"""CORS on ``/mcp``: browser-based MCP clients (the MCP inspector) call it from their own
origin, under the same ``system/cors`` rules as the REST API: the rule for the path ``mcp``."""

from __future__ import annotations

from tests.access.test_cors_http import add_rule, preflight
from tests.conftest import assert_error

ORIGIN = "http://localhost:6274"
"""The MCP inspector's origin."""
MCP_HEADERS = (
    "Content-Type, Authorization, X-DreamFactory-API-Key, MCP-Protocol-Version, Mcp-Method, "
    "Mcp-Name, Mcp-Session-Id"
)
PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}


def _mcp_rule(admin, **fields):
    rule = {
        "path": "mcp",
        "origin": ORIGIN,
        "method": ["POST"],
        "header": MCP_HEADERS,
        "exposed_header": "Mcp-Session-Id",
    }
    return add_rule(admin, **{**rule, **fields})


def test_a_preflight_to_mcp_is_answered_by_the_rule_for_mcp(client, admin):
    _mcp_rule(admin)
    asked = "content-type, mcp-protocol-version, mcp-method, x-dreamfactory-api-key"
    response = preflight(client, "/mcp", "POST", ORIGIN, headers=asked)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    assert response.headers["Access-Control-Allow-Headers"] == MCP_HEADERS
    assert_error(preflight(client, "/mcp", "DELETE", ORIGIN), 405)


def test_a_rule_allowing_any_header_echoes_those_asked(client, admin):
    _mcp_rule(admin, header="*")
    asked = "content-type, mcp-protocol-version, mcp-method, mcp-name, authorization"
    response = preflight(client, "/mcp", "POST", ORIGIN, headers=asked)
    assert response.headers["Access-Control-Allow-Headers"] == asked


def test_a_call_from_an_allowed_origin_carries_the_headers(client, admin):
    _mcp_rule(admin)
    response = admin.post("/mcp", json=PING, headers={"Origin": ORIGIN})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Expose-Headers"] == "Mcp-Session-Id"
    assert "Origin" in response.headers["Vary"]
    other = admin.post("/mcp", json=PING, headers={"Origin": "https://evil.example"})
    assert other.status_code == 403
    assert "Access-Control-Allow-Origin" not in other.headers


def test_rules_for_the_api_alone_leave_mcp_closed_to_other_origins(client, admin):
    add_rule(admin, origin=ORIGIN, method=["POST"])  # api/*
    response = preflight(client, "/mcp", "POST", ORIGIN)
    assert "Access-Control-Allow-Origin" not in response.headers
    refused = admin.post("/mcp", json=PING, headers={"Origin": ORIGIN})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers

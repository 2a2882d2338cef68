"""``/mcp`` over Streamable HTTP with the official SDK's client, against a real gunicorn:
both eras of revisions (the client's default probe talks 2026-07-28, its ``legacy`` mode
the 2025-11-25 handshake), tools cut to the role, calls through the dispatcher (record
filters, event scripts, role refusals), results the REST API's JSON, resources, and the
refusals of the transport and of revision 2026-07-28's request checks."""

from __future__ import annotations

import json
import re

import pytest
import requests
from mcp.shared.exceptions import MCPError
from mcp_types.methods import validate_server_result

from app.access.authz import NO_CREDENTIALS
from app.mcp.callers import NOT_ALLOWED
from app.mcp.jsonrpc import (
    HEADER_MISMATCH,
    INVALID_PARAMS,
    METHOD_NOT_FOUND,
    RESOURCE_NOT_FOUND,
    UNSUPPORTED_PROTOCOL_VERSION,
)
from app.mcp.revisions import (
    CLIENT_CAPABILITIES_KEY,
    PROTOCOL_VERSION_KEY,
    SERVER_INFO_KEY,
    VERSIONS,
)
from tests.mcp.conftest import BLOCKED, MAX_RESULT_BYTES, READ_IDS
from tests.test_quickstart import REQUEST_TIMEOUT

pytestmark = pytest.mark.slow

READ_TOOLS = {"list_services", "get_schema", "query_records", "call_endpoint"}
MODERN = "2026-07-28"
BOTH_ERAS = pytest.mark.parametrize(
    ("mode", "revision"), [("auto", MODERN), ("legacy", "2025-11-25")]
)
"""The SDK client's default mode (discover, then 2026-07-28) and its handshake mode."""


def _text(result) -> str:
    (block,) = result.content
    return block.text


def _json(result):
    assert not result.is_error, _text(result)
    return json.loads(_text(result))


def _error(result) -> dict:
    assert result.is_error, _text(result)
    return json.loads(_text(result))["error"]


@BOTH_ERAS
def test_the_client_speaks_its_revision_and_sees_the_tools_cut_to_the_role(live, mode, revision):
    async def tools(client):
        listed = await client.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        session = client.session
        opened = (session.discover_result is not None, session.initialize_result is not None)
        return tools, (client.server_info.name, client.protocol_version, opened)

    reader, server = live.session(live.reader_key, tools, mode)
    # (discovered, initialized): a fallback from the probe to the handshake is (False, True)
    opened = (True, False) if mode == "auto" else (False, True)
    assert server == ("dreamfactory-py", revision, opened)
    assert set(reader) == READ_TOOLS
    query = reader["query_records"].input_schema
    assert query["properties"]["table"]["enum"] == ["contact", "contact_info"]
    assert query["properties"]["service"]["enum"] == ["db"]

    writer, _ = live.session(live.writer_key, tools, mode)
    assert {"create_records", "update_records", "delete_records"} <= set(writer)
    assert "contact_group" in writer["create_records"].input_schema["properties"]["table"]["enum"]
    assert {"list_files", "read_file", "write_file"} <= set(writer)


def test_query_with_a_filter_and_a_relation_keeps_the_record_filter(live):
    arguments = {
        "service": "db",
        "table": "contact",
        "filter": "id >= 2",
        "related": ["contact_info_by_contact_id"],
        "order": "id",
    }

    async def query(client):
        return await client.call_tool("query_records", arguments)

    records = _json(live.session(live.reader_key, query))["resource"]
    assert [r["id"] for r in records] == list(range(2, READ_IDS + 1))
    assert all(isinstance(r["contact_info_by_contact_id"], list) for r in records)
    rest = live.rest(
        "GET",
        "db/_table/contact",
        live.reader_key,
        params={"filter": "id >= 2", "related": "contact_info_by_contact_id", "order": "id"},
    )
    assert rest.json() == {"resource": records}


def test_a_write_is_refused_for_the_reader_with_rests_message(live):
    body = {"resource": [{"first_name": "No", "last_name": "Way"}]}
    arguments = {"verb": "POST", "service": "db", "path": "_table/contact", "body": body}

    async def write(client):
        return await client.call_tool("call_endpoint", arguments)

    refused = live.session(live.reader_key, write)
    rest = live.rest("POST", "db/_table/contact", live.reader_key, json=body)
    assert rest.status_code >= 400
    assert _error(refused) == rest.json()["error"]


def _outcome(call):
    """What an awaited call gave: its result, or the protocol error it raised."""

    async def outcome(client):
        try:
            return await call(client)
        except MCPError as exc:
            return exc

    return outcome


def test_a_tool_out_of_reach_is_unknown_at_2026_and_a_tool_error_before(live):
    def unlisted(client):
        return client.call_tool("create_records", {"service": "db", "table": "contact"})

    unknown = live.session(live.reader_key, _outcome(unlisted))
    assert isinstance(unknown, MCPError)
    assert (unknown.code, unknown.message) == (INVALID_PARAMS, "Unknown tool: create_records")
    legacy = live.session(live.reader_key, _outcome(unlisted), "legacy")
    assert "not available to your role" in _error(legacy)["message"]


def test_a_resource_naming_nothing_has_each_eras_code(live):
    def read(client):
        return client.read_resource("dreamfactory://db/_schema/contact_group")

    modern = live.session(live.reader_key, _outcome(read))
    legacy = live.session(live.reader_key, _outcome(read), "legacy")
    assert isinstance(modern, MCPError) and isinstance(legacy, MCPError)
    assert (modern.code, legacy.code) == (INVALID_PARAMS, RESOURCE_NOT_FOUND)


def test_a_write_is_accepted_for_the_writer_and_seen_through_rest(live):
    arguments = {
        "service": "db",
        "table": "contact",
        "records": [{"first_name": "Ada", "last_name": "Mcp-Written"}],
    }

    async def create(client):
        return await client.call_tool("create_records", arguments)

    (created,) = _json(live.session(live.writer_key, create))["resource"]
    found = live.rest(
        "GET", "db/_table/contact", live.writer_key, params={"filter": "last_name='Mcp-Written'"}
    )
    assert [r["id"] for r in found.json()["resource"]] == [created["id"]]


def test_a_pre_process_script_refusal_is_a_tool_error(live):
    arguments = {"service": "db", "table": "contact_group", "records": [{"name": "mcp"}]}

    async def create(client):
        return await client.call_tool("create_records", arguments)

    error = _error(live.session(live.writer_key, create))
    assert (error["status_code"], error["message"]) == (422, BLOCKED)


def test_bad_arguments_are_a_tool_error_naming_them(live):
    async def query(client):
        return await client.call_tool("query_records", {"service": "db", "table": "nope"})

    assert "'nope' is not one of" in _error(live.session(live.reader_key, query))["message"]


@BOTH_ERAS
def test_resources_are_the_schemas_and_documents_reached(live, mode, revision):
    async def read(client):
        listed = await client.list_resources()
        schema = await client.read_resource("dreamfactory://db/_schema/contact")
        return [str(r.uri) for r in listed.resources], schema

    uris, schema = live.session(live.reader_key, read, mode)
    assert "dreamfactory://db/_schema/contact" in uris
    assert "dreamfactory://db/_spec" in uris
    assert "dreamfactory://db/_schema/contact_group" not in uris
    (content,) = schema.contents
    table = json.loads(content.text)
    assert table["table"] == "contact"
    assert "contact_info_by_contact_id" in [r["name"] for r in table["relationships"]]


def test_a_big_result_is_cut_with_a_note(live):
    async def read(client):
        return await client.read_resource("dreamfactory://db/_spec")

    (content,) = live.session(live.writer_key, read).contents
    kept, note = content.text.rsplit("\n", 1)
    assert len(kept.encode()) <= MAX_RESULT_BYTES
    assert note.startswith("[truncated: the result is ")
    assert "DF_MCP_MAX_RESULT_BYTES" in note


def test_file_tools_write_list_and_read(live):
    async def files(client):
        write = {"service": "files", "path": "mcp-note.txt", "content": "hello from MCP"}
        written = await client.call_tool("write_file", write)
        listed = await client.call_tool("list_files", {"service": "files"})
        read = await client.call_tool("read_file", {"service": "files", "path": "mcp-note.txt"})
        return written, listed, read

    written, listed, read = live.session(live.writer_key, files)
    _json(written)
    assert "mcp-note.txt" in [item["path"] for item in _json(listed)["resource"]]
    assert _text(read) == "hello from MCP"


def test_no_credentials_is_refused_with_rests_message(live):
    async def nothing(client):
        return None

    with pytest.raises(ExceptionGroup) as refused:
        live.session(None, nothing)
    assert refused.group_contains(MCPError, match=re.escape(NO_CREDENTIALS))


def test_an_app_without_mcp_is_refused(live):
    async def nothing(client):
        return None

    with pytest.raises(ExceptionGroup) as refused:
        live.session(live.closed_key, nothing)
    assert refused.group_contains(MCPError, match=re.escape(NOT_ALLOWED))


def test_the_transport_is_stateless_json_only(live):
    assert requests.get(live.mcp_url, timeout=REQUEST_TIMEOUT).status_code == 405
    headers = {"X-DreamFactory-API-Key": live.reader_key}
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    answer = requests.post(live.mcp_url, json=note, headers=headers, timeout=REQUEST_TIMEOUT)
    assert (answer.status_code, answer.content) == (202, b"")
    odd = {**headers, "MCP-Protocol-Version": "1999-01-01"}
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    answer = requests.post(live.mcp_url, json=ping, headers=odd, timeout=REQUEST_TIMEOUT)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == UNSUPPORTED_PROTOCOL_VERSION
    assert answer.json()["error"]["data"] == {
        "supported": list(VERSIONS),
        "requested": "1999-01-01",
    }
    answer = requests.post(live.mcp_url, json=ping, headers=headers, timeout=REQUEST_TIMEOUT)
    assert answer.json() == {"jsonrpc": "2.0", "id": 1, "result": {}}
    assert "mcp-session-id" not in answer.headers
    page = {**headers, "Origin": "http://elsewhere.example"}
    answer = requests.post(live.mcp_url, json=ping, headers=page, timeout=REQUEST_TIMEOUT)
    assert answer.status_code == 403
    assert "another origin" in answer.json()["error"]["message"]
    own = {**headers, "Origin": live.server.base}
    answer = requests.post(live.mcp_url, json=ping, headers=own, timeout=REQUEST_TIMEOUT)
    assert answer.status_code == 200


def _request(method: str, version: str = MODERN, **params) -> dict:
    """A 2026-07-28 request: its revision and the client's capabilities in ``_meta``."""
    meta = {PROTOCOL_VERSION_KEY: version, CLIENT_CAPABILITIES_KEY: {}}
    return {"jsonrpc": "2.0", "id": 7, "method": method, "params": {**params, "_meta": meta}}


def _post(live, body: dict, **headers: str) -> requests.Response:
    headers = {"X-DreamFactory-API-Key": live.reader_key, **headers}
    return requests.post(live.mcp_url, json=body, headers=headers, timeout=REQUEST_TIMEOUT)


def _routed(method: str, name: str | None = None, version: str = MODERN) -> dict[str, str]:
    """The headers a 2026-07-28 request mirrors its body in."""
    headers = {"MCP-Protocol-Version": version, "Mcp-Method": method}
    if name is not None:
        headers["Mcp-Name"] = name
    return headers


SCHEMA_URI = "dreamfactory://db/_schema/contact"
CACHED = {
    "server/discover": ({}, "public"),
    "tools/list": ({}, "private"),
    "resources/list": ({}, "private"),
    "resources/templates/list": ({}, "public"),
    "resources/read": ({"uri": SCHEMA_URI}, "private"),
}


@pytest.mark.parametrize("method", list(CACHED))
def test_2026_results_are_complete_signed_and_cache_hinted(live, method):
    params, scope = CACHED[method]
    body = _request(method, **params)
    answer = _post(live, body, **_routed(method, params.get("uri")))
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    validate_server_result(method, MODERN, result)  # the SDK's schema of the revision
    assert (result["resultType"], result["ttlMs"], result["cacheScope"]) == ("complete", 0, scope)
    assert result["_meta"][SERVER_INFO_KEY]["name"] == "dreamfactory-py"
    if method == "server/discover":
        assert result["supportedVersions"] == list(VERSIONS)


def test_a_2026_tool_call_is_complete_and_may_name_its_tool_in_base64(live):
    body = _request("tools/call", name="list_services", arguments={})
    encoded = "=?base64?bGlzdF9zZXJ2aWNlcw==?="  # "list_services"
    answer = _post(live, body, **_routed("tools/call", encoded))
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    validate_server_result("tools/call", MODERN, result)
    assert (result["resultType"], result["isError"]) == ("complete", False)


def _refused(answer: requests.Response, status: int, code: int) -> dict:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code, error
    return error


def test_2026_requests_are_refused_as_the_revision_says(live):
    discover = _request("server/discover")
    behind = _routed("server/discover", version="2025-11-25")
    _refused(_post(live, discover, **behind), 400, HEADER_MISMATCH)
    other_method = _routed("tools/list")
    _refused(_post(live, discover, **other_method), 400, HEADER_MISMATCH)
    call = _request("tools/call", name="list_services", arguments={})
    _refused(_post(live, call, **_routed("tools/call", "get_schema")), 400, HEADER_MISMATCH)
    _refused(_post(live, call, **_routed("tools/call")), 400, HEADER_MISMATCH)
    future = _request("server/discover", version="2099-01-01")
    error = _refused(
        _post(live, future, **_routed("server/discover", version="2099-01-01")),
        400,
        UNSUPPORTED_PROTOCOL_VERSION,
    )
    assert error["data"] == {"supported": list(VERSIONS), "requested": "2099-01-01"}
    bare = {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}
    _refused(_post(live, bare, **_routed("tools/list")), 400, INVALID_PARAMS)
    for removed in ("ping", "logging/setLevel", "prompts/list"):
        _refused(_post(live, _request(removed), **_routed(removed)), 404, METHOD_NOT_FOUND)


def test_the_handshake_revisions_still_answer_without_an_envelope(live):
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}},
    }
    answer = _post(live, initialize)
    assert answer.json()["result"]["protocolVersion"] == "2025-06-18"
    assert "resultType" not in answer.json()["result"]
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    answer = _post(live, ping, **{"MCP-Protocol-Version": "2025-06-18"})
    assert answer.json() == {"jsonrpc": "2.0", "id": 2, "result": {}}
    unknown = {"jsonrpc": "2.0", "id": 3, "method": "server/discover"}
    answer = _post(live, unknown)
    assert answer.status_code == 200
    assert answer.json()["error"]["code"] == METHOD_NOT_FOUND

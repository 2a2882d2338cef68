"""``/mcp`` over Streamable HTTP with the official SDK's client, against a real gunicorn:
tools cut to the role, calls through the dispatcher (record filters, event scripts, role
refusals), results the REST API's JSON, resources, and the refusals of the transport."""

from __future__ import annotations

import json
import re

import pytest
import requests
from mcp.shared.exceptions import MCPError

from app.access.authz import NO_CREDENTIALS
from app.mcp.callers import NOT_ALLOWED
from tests.mcp.conftest import BLOCKED, MAX_RESULT_BYTES, READ_IDS
from tests.test_quickstart import REQUEST_TIMEOUT

pytestmark = pytest.mark.slow

READ_TOOLS = {"list_services", "get_schema", "query_records", "call_endpoint"}


def _text(result) -> str:
    (block,) = result.content
    return block.text


def _json(result):
    assert not result.is_error, _text(result)
    return json.loads(_text(result))


def _error(result) -> dict:
    assert result.is_error, _text(result)
    return json.loads(_text(result))["error"]


def test_initialize_and_tools_cut_to_the_role(live):
    async def tools(client):
        listed = await client.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        return tools, (client.server_info.name, client.protocol_version)

    reader, server = live.session(live.reader_key, tools)
    assert server == ("dreamfactory-py", "2025-11-25")
    assert set(reader) == READ_TOOLS
    query = reader["query_records"].input_schema
    assert query["properties"]["table"]["enum"] == ["contact", "contact_info"]
    assert query["properties"]["service"]["enum"] == ["db"]

    writer, _ = live.session(live.writer_key, tools)
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
        return (
            await client.call_tool("call_endpoint", arguments),
            await client.call_tool("create_records", {"service": "db", "table": "contact"}),
        )

    refused, unlisted = live.session(live.reader_key, write)
    rest = live.rest("POST", "db/_table/contact", live.reader_key, json=body)
    assert rest.status_code >= 400
    assert _error(refused) == rest.json()["error"]
    assert "not available to your role" in _error(unlisted)["message"]


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


def test_resources_are_the_schemas_and_documents_reached(live):
    async def read(client):
        listed = await client.list_resources()
        schema = await client.read_resource("dreamfactory://db/_schema/contact")
        return [str(r.uri) for r in listed.resources], schema

    uris, schema = live.session(live.reader_key, read)
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

"""``flask mcp stdio``: the same tools in-process over stdio, through the SDK's stdio client,
on the store of a real server set up by ``scripts/serve``, in both eras of revisions (the
client's probe of ``server/discover`` talks 2026-07-28; its ``legacy`` mode the handshake)."""

from __future__ import annotations

import json
import re

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

from app.mcp.callers import NOT_ALLOWED
from tests.mcp.conftest import READ_IDS
from tests.test_quickstart import ROOT, _clean_env

pytestmark = pytest.mark.slow


def _stdio(live, *credentials: str) -> StdioServerParameters:
    env = _clean_env(
        DF_INSTANCE_PATH=str(live.store / "instance"), DF_STORAGE_PATH=str(live.store / "storage")
    )
    return StdioServerParameters(
        command=str(ROOT / ".venv" / "bin" / "flask"),
        args=["--app", "wsgi", "mcp", "stdio", *credentials],
        env=env,
        cwd=str(ROOT),
    )


def _session(params: StdioServerParameters, work, mode: str = "auto"):
    async def main():
        async with Client(params, cache=None, mode=mode) as client:
            return await work(client)

    return anyio.run(main)


@pytest.mark.parametrize(("mode", "revision"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_the_stdio_bridge_serves_the_roles_tools(live, mode, revision):
    async def work(client):
        tools = {tool.name for tool in (await client.list_tools()).tools}
        query = {"service": "db", "table": "contact", "fields": ["id"], "order": "id"}
        opened = client.session.discover_result is not None, client.protocol_version
        return tools, await client.call_tool("query_records", query), opened

    tools, result, opened = _session(_stdio(live, "--api-key", live.reader_key), work, mode)
    assert opened == (mode == "auto", revision)
    assert tools == {"list_services", "get_schema", "query_records", "call_endpoint"}
    assert not result.is_error
    records = json.loads(result.content[0].text)["resource"]
    assert [r["id"] for r in records] == list(range(1, READ_IDS + 1))


def test_the_stdio_bridge_refuses_an_app_without_mcp(live):
    async def nothing(client):
        return None

    with pytest.raises(ExceptionGroup) as refused:
        _session(_stdio(live, "--api-key", live.closed_key), nothing)
    assert refused.group_contains(MCPError, match=re.escape(NOT_ALLOWED))

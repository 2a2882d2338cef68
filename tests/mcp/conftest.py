"""One real server (``scripts/serve`` under gunicorn) for the MCP tests of a module, with the
apps and roles they use, and the official MCP SDK's client to talk to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
import requests
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.test_quickstart import REQUEST_TIMEOUT, Server, serving

ADMIN_EMAIL = "mcp-admin@example.com"
ADMIN_PASSWORD = "mcp-admin-password-0123"  # noqa: S105 - a throwaway test instance
GET, POST, PATCH, DELETE = 1, 2, 8, 16
READ_IDS = 3
"""The reader role's record filter: it reads contacts with ``id <= READ_IDS`` only."""
MAX_RESULT_BYTES = 20_000
"""The server's ``DF_MCP_MAX_RESULT_BYTES``: past it a result is cut."""
BLOCKED = "No new groups today."
"""What the pre-process script on ``db._table.contact_group.post`` refuses with."""


@dataclass
class Live:
    server: Server
    token: str
    reader_key: str
    writer_key: str
    closed_key: str
    store: Any

    @property
    def mcp_url(self) -> str:
        return f"{self.server.base}/mcp"

    def rest(self, method: str, path: str, key: str, **kwargs: Any) -> requests.Response:
        headers = {"X-DreamFactory-API-Key": key}
        return requests.request(
            method, self.server.url(path), headers=headers, timeout=REQUEST_TIMEOUT, **kwargs
        )

    def session(self, key: str | None, work, mode: str = "auto", **headers: str) -> Any:
        """Run ``work(client)`` in one session of the SDK's client over Streamable HTTP,
        sending ``key`` as REST's API key header; its answer. ``mode`` is the client's:
        ``auto`` probes ``server/discover`` (2026-07-28) and falls back to the handshake,
        ``legacy`` opens with ``initialize``."""
        if key is not None:
            headers["X-DreamFactory-API-Key"] = key

        async def main():
            async with create_mcp_http_client(headers=headers) as http:
                transport = streamable_http_client(self.mcp_url, http_client=http)
                async with Client(transport, cache=None, mode=mode) as client:
                    return await work(client)

        return anyio.run(main)


def _admin(server: Server, token: str, method: str, path: str, body: Any) -> Any:
    response = requests.request(
        method,
        server.url(path),
        json=body,
        headers={"X-DreamFactory-Session-Token": token},
        timeout=REQUEST_TIMEOUT,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def _role(server: Server, token: str, name: str, accesses: list[dict[str, Any]]) -> int:
    body = {"name": name, "is_active": True, "role_service_access_by_role_id": accesses}
    return _admin(server, token, "POST", "system/role", body)["id"]


def _app(server: Server, token: str, name: str, role_id: int, allow_mcp: bool) -> str:
    body = {"name": name, "is_active": True, "role_id": role_id, "allow_mcp": allow_mcp}
    created = _admin(server, token, "POST", "system/app?fields=api_key", {"resource": [body]})
    return created["resource"][0]["api_key"]


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[Live]:
    store = tmp_path_factory.mktemp("mcp-server")
    env = {"DF_MCP_MAX_RESULT_BYTES": str(MAX_RESULT_BYTES)}
    with serving(
        store, DF_ADMIN_EMAIL=ADMIN_EMAIL, DF_ADMIN_PASSWORD=ADMIN_PASSWORD, **env
    ) as server:
        login = requests.post(
            server.url("system/admin/session"),
            json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
            timeout=REQUEST_TIMEOUT,
        )
        assert login.status_code == 200, login.text
        assert "session_token" in login.json(), (login.text, server.output)
        token = login.json()["session_token"]
        (db,) = _admin(server, token, "GET", "system/service?filter=name=db", None)["resource"]
        (files,) = _admin(server, token, "GET", "system/service?filter=name=files", None)[
            "resource"
        ]
        contact_filter = [{"name": "id", "operator": "<=", "value": str(READ_IDS)}]
        reader = _role(
            server,
            token,
            "mcp-reader",
            [
                {"service_id": db["id"], "component": "_table/contact", "verb_mask": GET,
                 "requestor_mask": 1, "filters": contact_filter, "filter_op": "AND"},
                {"service_id": db["id"], "component": "_table/contact_info", "verb_mask": GET,
                 "requestor_mask": 1},
            ],
        )  # fmt: skip
        writer = _role(
            server,
            token,
            "mcp-writer",
            [
                {"service_id": db["id"], "component": "_table/*",
                 "verb_mask": GET | POST | PATCH | DELETE, "requestor_mask": 1},
                {"service_id": files["id"], "component": "*", "verb_mask": GET | POST,
                 "requestor_mask": 1},
            ],
        )  # fmt: skip
        script = {
            "name": "db._table.contact_group.post.pre_process",
            "type": "python",
            "content": f"raise RestException(422, {BLOCKED!r})",
            "is_active": True,
        }
        _admin(server, token, "POST", f"system/event_script/{script['name']}", script)
        yield Live(
            server,
            token,
            reader_key=_app(server, token, "mcp-reader-app", reader, allow_mcp=True),
            writer_key=_app(server, token, "mcp-writer-app", writer, allow_mcp=True),
            closed_key=_app(server, token, "mcp-closed-app", reader, allow_mcp=False),
            store=store,
        )

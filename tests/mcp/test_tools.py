"""The MCP tools not covered by test_http.py, each compared with the REST call it stands for:
get_schema, update_records and delete_records (by ids, by filter, with rollback),
call_endpoint for a read, and call_procedure / call_function on a PostgreSQL service."""

from __future__ import annotations

import json
import secrets

import pytest
import sqlalchemy as sa

from tests import dbservers
from tests.mcp.conftest import GET, POST, _admin, _app, _role

pytestmark = pytest.mark.slow

ROUTINES = (
    "CREATE FUNCTION add_numbers(a integer, b integer) RETURNS integer"
    " AS $$ SELECT a + b $$ LANGUAGE sql",
    "CREATE PROCEDURE bump(INOUT counter integer, step integer DEFAULT 1)"
    " LANGUAGE plpgsql AS $$ BEGIN counter := counter + step; END $$",
)


def _json(result):
    (block,) = result.content
    assert not result.is_error, block.text
    return json.loads(block.text)


def _call(live, key: str, tool: str, arguments: dict):
    async def work(client):
        return await client.call_tool(tool, arguments)

    return live.session(key, work)


def _contacts(live, where: str) -> list[dict]:
    found = live.rest(
        "GET", "db/_table/contact", live.writer_key, params={"filter": where, "order": "id"}
    )
    assert found.status_code == 200, found.text
    return found.json()["resource"]


def _new_contacts(live, last_name: str, count: int) -> list[int]:
    records = [{"first_name": f"F{n}", "last_name": last_name} for n in range(count)]
    created = _json(
        _call(live, live.writer_key, "create_records", {
            "service": "db", "table": "contact", "records": records,
        })
    )  # fmt: skip
    return [r["id"] for r in created["resource"]]


def test_get_schema_answers_a_reachable_table_and_refuses_another(live):
    answer = _json(
        _call(live, live.reader_key, "get_schema", {"service": "db", "table": "contact"})
    )
    assert answer["table"] == "contact"
    assert {"id", "first_name", "last_name"} <= {column["name"] for column in answer["columns"]}

    async def work(client):
        return await client.call_tool("get_schema", {"service": "db", "table": "todo"})

    result = live.session(live.reader_key, work)
    assert result.is_error


def test_update_by_ids_and_by_filter_as_rest_sees_it(live):
    name = f"Upd{secrets.token_hex(3)}"
    first, second = _new_contacts(live, name, 2)
    _json(
        _call(live, live.writer_key, "update_records", {
            "service": "db", "table": "contact", "ids": [first], "record": {"notes": "by id"},
        })
    )  # fmt: skip
    _json(
        _call(live, live.writer_key, "update_records", {
            "service": "db", "table": "contact", "filter": f"id = {second}",
            "record": {"notes": "by filter"},
        })
    )  # fmt: skip
    rows = _contacts(live, f"last_name = '{name}'")
    assert [(r["id"], r["notes"]) for r in rows] == [(first, "by id"), (second, "by filter")]


def test_update_without_naming_records_is_refused_as_rest_refuses_it(live):
    name = f"Keep{secrets.token_hex(3)}"
    _new_contacts(live, name, 1)
    arguments = {"service": "db", "table": "contact", "record": {"notes": "all?"}}
    result = _call(live, live.writer_key, "update_records", arguments)
    assert result.is_error
    rest = live.rest("PATCH", "db/_table/contact", live.writer_key, json={"notes": "all?"})
    assert json.loads(result.content[0].text)["error"] == rest.json()["error"]
    assert [r["notes"] for r in _contacts(live, f"last_name = '{name}'")] == [None]
    nothing = _call(live, live.writer_key, "update_records", {"service": "db", "table": "contact"})
    assert "Name the records" in json.loads(nothing.content[0].text)["error"]["message"]


def test_delete_by_ids_and_a_failing_batch_rolled_back(live):
    name = f"Del{secrets.token_hex(3)}"
    first, second = _new_contacts(live, name, 2)
    _json(
        _call(live, live.writer_key, "delete_records", {
            "service": "db", "table": "contact", "ids": [first],
        })
    )  # fmt: skip
    assert [r["id"] for r in _contacts(live, f"last_name = '{name}'")] == [second]
    missing = 10**9
    result = _call(live, live.writer_key, "delete_records", {
        "service": "db", "table": "contact", "ids": [second, missing], "rollback": True,
    })  # fmt: skip
    assert result.is_error
    assert [r["id"] for r in _contacts(live, f"last_name = '{name}'")] == [second]


def test_call_endpoint_reads_what_rest_reads(live):
    arguments = {
        "verb": "GET",
        "service": "db",
        "path": "_table/contact_info",
        "params": {"filter": "contact_id = 1", "order": "id"},
    }
    answer = _json(_call(live, live.reader_key, "call_endpoint", arguments))
    rest = live.rest(
        "GET",
        "db/_table/contact_info",
        live.reader_key,
        params={"filter": "contact_id = 1", "order": "id"},
    )
    assert answer == rest.json()
    assert answer["resource"]


@pytest.fixture(scope="module")
def routines_key(live):
    """An app whose role may call the routines of a PostgreSQL service made for this module."""
    url = dbservers.create_database("postgresql", label="mcp")
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        for statement in ROUTINES:
            conn.execute(sa.text(statement))
    engine.dispose()
    config = dbservers.service_config(url)
    name = f"pg{secrets.token_hex(3)}"
    body = {"resource": [{"name": name, "type": "pgsql", "config": config, "is_active": True}]}
    (service,) = _admin(live.server, live.token, "POST", "system/service", body)["resource"]
    accesses = [
        {"service_id": service["id"], "component": component, "verb_mask": GET | POST,
         "requestor_mask": 1}
        for component in ("_proc/*", "_func/*")
    ]  # fmt: skip
    role = _role(live.server, live.token, f"mcp-routines-{name}", accesses)
    try:
        yield name, _app(live.server, live.token, f"mcp-routines-{name}", role, allow_mcp=True)
    finally:
        dbservers.drop_database(url)


def test_call_function_and_procedure_as_rest_does(live, routines_key):
    service, key = routines_key
    total = _json(_call(live, key, "call_function", {
        "service": service, "name": "add_numbers", "params": {"a": 2, "b": 3},
    }))  # fmt: skip
    rest = live.rest("POST", f"{service}/_func/add_numbers", key, json={"params": {"a": 2, "b": 3}})
    assert total == rest.json() == 5
    bumped = _json(_call(live, key, "call_procedure", {
        "service": service, "name": "bump", "params": {"counter": 4, "step": 3},
    }))  # fmt: skip
    rest = live.rest(
        "POST", f"{service}/_proc/bump", key, json={"params": {"counter": 4, "step": 3}}
    )
    assert bumped == rest.json()
    assert bumped["counter"] == 7

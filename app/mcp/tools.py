"""The MCP tools: each a DreamFactory call an agent makes with arguments instead of a URL.

A tool is listed only when the caller's role reaches it: its input schema is
built from what they reach (``reach``): the services, as an enum, and for
the record tools the tables they may use with that tool's verb. A tool
nobody of that role could use (no table to write, no file service) has no
schema and is left out. Arguments are checked against that same schema
(``arguments.check``); then the tool is one call through ``calls.call``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.mcp import arguments, calls
from app.mcp.jsonrpc import INVALID_PARAMS, RpcError
from app.mcp.reach import Reach, data_model
from app.vocabulary.errors import BadRequest, Forbidden, NotFound

if TYPE_CHECKING:
    from app.access.actor import Actor

Schema = dict[str, Any]


def _object(properties: dict[str, Schema], *required: str) -> Schema:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _choice(names: list[str], description: str) -> Schema:
    return {"type": "string", "enum": sorted(set(names)), "description": description}


def _list_param(value: Any) -> str | None:
    """A query parameter from a string or a list of strings (comma-separated)."""
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def _params(args: dict[str, Any], *names: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for name in names:
        value = args.get(name)
        if isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif value is not None:
            params[name] = _list_param(value) or ""
    return params


def _strings(description: str) -> Schema:
    """A string, or a list of strings sent comma-separated."""
    return {"type": ["string", "array"], "items": {"type": "string"}, "description": description}


FILTER = {
    "type": "string",
    "description": "DreamFactory's filter syntax, e.g. (last_name like 'J%') and (age > 30)",
}
IDS = {
    "type": ["string", "array", "integer"],
    "description": "primary key values: one, a list, or comma-separated",
}
ROLLBACK = {"type": "boolean", "description": "undo the whole batch if one record fails"}


def _table_schema(reach: Reach, verb: str, extra: dict[str, Schema], *required: str):
    found = reach.table_services(verb)
    if not found:
        return None
    tables = [name for names in found.values() for name in names]
    return _object(
        {
            "service": _choice(list(found), "the database service"),
            "table": _choice(tables, "the table"),
            **extra,
        },
        "service",
        "table",
        *required,
    )


def _table_call(verb: str, *names: str) -> Callable[[Actor, dict[str, Any]], Any]:
    def run(actor: Actor, args: dict[str, Any]) -> Any:
        params = _params(args, *names, "ids")
        payload = None
        if "records" in args:
            payload = {"resource": args["records"]}
        elif "record" in args:
            payload = args["record"]
        if verb in ("PATCH", "DELETE") and payload is None and not {"ids", "filter"} & set(params):
            raise BadRequest("Name the records: give ids, a filter or records.")
        resource = f"_table/{args['table']}"
        return calls.call(actor, verb, args["service"], resource, params=params, payload=payload)

    return run


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: Callable[[Reach], Schema | None]
    run: Callable[[Actor, dict[str, Any]], Any]
    read_only: bool = False

    def listing(self, reach: Reach) -> dict[str, Any] | None:
        schema = self.schema(reach)
        if schema is None:
            return None
        return {
            "name": self.name,
            "description": self.description,
            "inputSchema": schema,
            "annotations": {"readOnlyHint": self.read_only},
        }


def _list_services_schema(reach: Reach) -> Schema | None:
    return _object({}) if reach.services else None


def _get_schema_schema(reach: Reach) -> Schema | None:
    schema = _table_schema(reach, "GET", {})
    if schema is not None:
        schema["required"] = ["service"]
        schema["properties"]["table"]["description"] = "one table (all you reach if left out)"
    return schema


def _get_schema(actor: Actor, args: dict[str, Any]) -> Any:
    model = data_model(actor, args["service"])
    table = args.get("table")
    if table is None:
        return model
    if table not in model.get("tables", {}):
        raise NotFound(f"Table '{table}' does not exist or is not reachable in this service.")
    return {
        "service": model["service"],
        "table": table,
        "columns": model["tables"][table]["columns"],
        "relationships": model.get("relationships", {}).get(table, []),
    }


QUERY_OPTIONS: dict[str, Schema] = {
    "filter": FILTER,
    "fields": _strings("the fields to return (all if left out)"),
    "order": {"type": "string", "description": "e.g. last_name desc"},
    "limit": {"type": "integer", "description": "at most this many records"},
    "offset": {"type": "integer", "description": "skip this many records first"},
    "related": _strings("relationships to include (their names are in get_schema)"),
    "include_count": {"type": "boolean", "description": "add the total count in meta"},
    "ids": IDS,
}
RECORDS = {"type": "array", "items": {"type": "object"}, "description": "records to write"}
RECORD = {"type": "object", "description": "the field values to set on every record named"}


def _routine_schema(prefix: str) -> Callable[[Reach], Schema | None]:
    def schema(reach: Reach) -> Schema | None:
        services = reach.services_for("GET", prefix, reach.databases)
        services += reach.services_for("POST", prefix, reach.databases)
        if not services:
            return None
        return _object(
            {
                "service": _choice(services, "the database service"),
                "name": {"type": "string", "description": "the routine's name"},
                "params": {
                    "type": ["object", "array"],
                    "description": "arguments: an object of names to values, or values in order",
                },
            },
            "service",
            "name",
        )

    return schema


def _routine_call(prefix: str) -> Callable[[Actor, dict[str, Any]], Any]:
    def run(actor: Actor, args: dict[str, Any]) -> Any:
        resource = f"{prefix}{args['name']}"
        if "params" in args:
            payload = {"params": args["params"]}
            return calls.call(actor, "POST", args["service"], resource, payload=payload)
        return calls.call(actor, "GET", args["service"], resource)

    return run


PATH = {"type": "string", "description": "a path in the service, folders ending in /"}


def _files_schema(verb: str, extra: dict[str, Schema], *required: str):
    def schema(reach: Reach) -> Schema | None:
        services = reach.services_for(verb, "", reach.file_services)
        if not services:
            return None
        return _object(
            {"service": _choice(services, "the file service"), **extra}, "service", *required
        )

    return schema


def _list_files(actor: Actor, args: dict[str, Any]) -> Any:
    path = args.get("path", "").strip("/")
    params = _params(args, "include_folders", "include_files", "full_tree")
    return calls.call(actor, "GET", args["service"], f"{path}/" if path else "", params=params)


def _read_file(actor: Actor, args: dict[str, Any]) -> Any:
    return calls.call(actor, "GET", args["service"], args["path"].lstrip("/"))


def _write_file(actor: Actor, args: dict[str, Any]) -> Any:
    content = args["content"].encode("utf-8")
    kind = args.get("content_type", "text/plain")
    verb = "PUT" if args.get("overwrite") else "POST"
    path = args["path"].lstrip("/")
    return calls.call(actor, verb, args["service"], path, content=content, content_type=kind)


def _endpoint_schema(reach: Reach) -> Schema | None:
    if not reach.services:
        return None
    return _object(
        {
            "verb": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            "service": _choice([s.name for s in reach.services], "the service"),
            "path": {"type": "string", "description": "the resource path after the service"},
            "params": {"type": "object", "description": "query parameters"},
            "body": {"description": "a JSON body"},
        },
        "verb",
        "service",
    )


def _call_endpoint(actor: Actor, args: dict[str, Any]) -> Any:
    params = {k: _list_param(v) or "" for k, v in (args.get("params") or {}).items()}
    path = args.get("path", "").lstrip("/")
    return calls.call(
        actor, args["verb"], args["service"], path, params=params, payload=args.get("body")
    )


TOOLS: tuple[Tool, ...] = (
    Tool(
        "list_services",
        "The services you may use: name, label, type, description.",
        _list_services_schema,
        lambda actor, args: calls.call(actor, "GET", ""),
        read_only=True,
    ),
    Tool(
        "get_schema",
        "A database's tables you reach: columns (type, pk, required, fk) and relationships "
        "(the names query_records takes in related).",
        _get_schema_schema,
        _get_schema,
        read_only=True,
    ),
    Tool(
        "query_records",
        "Records of a table, filtered, ordered and paged, with related records.",
        lambda reach: _table_schema(reach, "GET", QUERY_OPTIONS),
        _table_call("GET", *QUERY_OPTIONS),
        read_only=True,
    ),
    Tool(
        "create_records",
        "Create records in a table; answers their ids (and fields asked for).",
        lambda reach: _table_schema(
            reach,
            "POST",
            {"records": RECORDS, "fields": QUERY_OPTIONS["fields"], "rollback": ROLLBACK},
            "records",
        ),
        _table_call("POST", "fields", "rollback"),
    ),
    Tool(
        "update_records",
        "Update records: records with their ids, or one record's values for the ids or filter.",
        lambda reach: _table_schema(
            reach,
            "PATCH",
            {
                "records": RECORDS,
                "record": RECORD,
                "ids": IDS,
                "filter": FILTER,
                "rollback": ROLLBACK,
            },
        ),
        _table_call("PATCH", "filter", "rollback"),
    ),
    Tool(
        "delete_records",
        "Delete the records named by ids, a filter, or records with their ids.",
        lambda reach: _table_schema(
            reach,
            "DELETE",
            {"ids": IDS, "filter": FILTER, "records": RECORDS, "rollback": ROLLBACK},
        ),
        _table_call("DELETE", "filter", "rollback"),
    ),
    Tool(
        "call_procedure",
        "Call a database's stored procedure; answers its rows and OUT parameters.",
        _routine_schema("_proc/"),
        _routine_call("_proc/"),
    ),
    Tool(
        "call_function",
        "Call a database's function; answers its value or rows.",
        _routine_schema("_func/"),
        _routine_call("_func/"),
    ),
    Tool(
        "list_files",
        "The folders and files in a folder of a file service.",
        _files_schema(
            "GET",
            {
                "path": PATH,
                "include_folders": {"type": "boolean"},
                "include_files": {"type": "boolean"},
                "full_tree": {"type": "boolean"},
            },
        ),
        _list_files,
        read_only=True,
    ),
    Tool(
        "read_file",
        "A file's content: its text, or base64 for binary content.",
        _files_schema("GET", {"path": PATH}, "path"),
        _read_file,
        read_only=True,
    ),
    Tool(
        "write_file",
        "Create a file with this text (overwrite=true replaces an existing one).",
        _files_schema(
            "POST",
            {
                "path": PATH,
                "content": {"type": "string"},
                "content_type": {"type": "string", "description": "default text/plain"},
                "overwrite": {"type": "boolean"},
            },
            "path",
            "content",
        ),
        _write_file,
    ),
    Tool(
        "call_endpoint",
        "Any other call of the REST API (verb, service, path, params, body), scripted "
        "services included; answers the same JSON as the REST API.",
        _endpoint_schema,
        _call_endpoint,
    ),
)
BY_NAME = {tool.name: tool for tool in TOOLS}


def list_tools(actor: Actor) -> list[dict[str, Any]]:
    reach = Reach(actor)
    return [listing for tool in TOOLS if (listing := tool.listing(reach)) is not None]


def call_tool(
    actor: Actor, name: str, args: dict[str, Any], *, unlisted_is_unknown: bool
) -> dict[str, Any]:
    """The tool's result; bad arguments are a tool error. A tool that is unknown or out of
    the caller's reach is a tool error too, or with ``unlisted_is_unknown`` (2026-07-28) the
    protocol error "Unknown tool" (Invalid params), as for any tool ``tools/list`` did not show."""
    tool = BY_NAME.get(name)
    listing = tool.listing(Reach(actor)) if tool is not None else None
    if listing is None and unlisted_is_unknown:
        raise RpcError(INVALID_PARAMS, f"Unknown tool: {name}")

    def run() -> Any:
        if tool is None:
            raise NotFound(f"There is no tool '{name}'.")
        if listing is None:
            raise Forbidden(f"The tool '{name}' is not available to your role.")
        arguments.check(listing["inputSchema"], args)
        return tool.run(actor, args)

    return calls.answer(run)

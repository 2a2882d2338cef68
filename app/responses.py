"""Turning service results into HTTP responses: JSON by default, XML or CSV on request.

The format comes from the ``accept`` query parameter, else the ``Accept``
header; anything not asking for XML or CSV gets JSON. JSON is encoded with
orjson (slashes unescaped, as DreamFactory does). JSON and XML list answers are
wrapped as configured here, at the last step (``app.wrapping.shape``); CSV rows
are the list either way.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import io
import uuid
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import orjson
from flask import Response, current_app, has_request_context, request

from app.wrapping import CANONICAL, shape

JSON = "application/json"
XML = "application/xml"
CSV = "text/csv"


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        number = float(value)
        return int(value) if number.is_integer() and value == value.to_integral_value() else number
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, dict):  # a marked dict, such as wrapping.AlwaysWrapped
        return dict(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps(data: Any) -> bytes:
    """JSON bytes for any result a service returns."""
    return orjson.dumps(
        data, default=_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
    )


def wanted_format() -> str:
    if not has_request_context():
        return JSON
    current = request._get_current_object()
    args = current.args
    asked = (
        (args["accept"] if "accept" in args else None) or current.headers.get("Accept") or ""
    ).lower()
    if "xml" in asked and "json" not in asked:
        return XML
    if "text/csv" in asked and "json" not in asked:
        return CSV
    return JSON


def _xml_value(name: str, value: Any, out: io.StringIO) -> None:
    tag = name if name and (name[0].isalpha() or name[0] == "_") else f"item_{name}"
    tag = "".join(c if c.isalnum() or c in "_-." else "_" for c in tag)
    if isinstance(value, dict):
        out.write(f"<{tag}>")
        for key, item in value.items():
            _xml_value(str(key), item, out)
        out.write(f"</{tag}>")
    elif isinstance(value, list):
        out.write(f"<{tag}>")
        for item in value:
            _xml_value("item", item, out)
        out.write(f"</{tag}>")
    elif value is None:
        out.write(f"<{tag}/>")
    else:
        text = orjson.loads(dumps(value)) if not isinstance(value, str) else value
        if isinstance(text, bool):
            text = "true" if text else "false"
        out.write(f"<{tag}>{xml_escape(str(text))}</{tag}>")


def to_xml(data: Any) -> bytes:
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    _xml_value(current_app.config.get("XML_ROOT", "dfapi"), data, out)
    return out.getvalue().encode("utf-8")


def to_csv(data: Any) -> bytes:
    """Records as CSV rows (the wrapped list, a bare list, one object, or an error's fields)."""
    if isinstance(data, dict) and set(data) == {"error"} and isinstance(data["error"], dict):
        data = data["error"]
    if isinstance(data, dict):
        rows = data.get(CANONICAL, [data])
    elif isinstance(data, list):
        rows = data
    else:
        rows = [{"value": data}]
    rows = [r if isinstance(r, dict) else {"value": r} for r in rows]
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, dict | list):
                value = dumps(value).decode()
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


def render(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A response for data in the format the client asked for (list answers wrapped as set)."""
    fmt = wanted_format()
    if fmt == XML:
        body, mimetype = to_xml(shape(data)), XML
    elif fmt == CSV:
        body, mimetype = to_csv(data), CSV
    else:
        body, mimetype = dumps(shape(data)), JSON
    response = Response(body, status=status, mimetype=mimetype)
    if headers:
        response.headers.update(headers)
    return response

"""Reading records and options out of a request body, as DreamFactory accepts them.

A body may carry records as ``{"resource": [...]}`` (or under the configured
``RESOURCE_WRAPPER``), a bare list, or one bare object (which is then answered
unwrapped). Options (``fields``, ``ids``, ``filter``, ``continue``...) may come
in the query or as top-level keys of a JSON object body; those keys are never
taken for record fields.
"""

from __future__ import annotations

from typing import Any

from app.vocabulary.errors import BadRequest
from app.wrapping import wrapped_key, wrapped_list

NO_RECORDS = (
    "No record(s) detected in request. Please make sure record(s) are wrapped in a "
    """'resource' tag. Example: {"resource":[{"record":1},{"record":2}]}"""
)

OPTION_KEYS = frozenset(
    {
        "fields",
        "related",
        "ids",
        "filter",
        "params",
        "limit",
        "offset",
        "order",
        "sort",
        "continue",
        "rollback",
        "force",
        "regenerate",
        "include_count",
        "include_schema",
        "count_only",
        "send_invite",
    }
)
"""Top-level body keys read as request options."""


def strip_options(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in OPTION_KEYS}


def body_records(payload: Any) -> list[Any]:
    """Records sent as ``{"resource": [...]}`` or a bare list (else none)."""
    records = wrapped_list(payload)
    if records is not None:
        return records
    if isinstance(payload, list):
        return payload
    return []


def unwrap(payload: Any, required: bool = True) -> tuple[list[Any], bool]:
    """(records, single): a wrapped or bare list, or one bare object (answered unwrapped)."""
    key = wrapped_key(payload)
    if key is not None:
        records = payload[key]
        if not isinstance(records, list):
            records = [records]
        single = False
    elif isinstance(payload, list):
        records, single = payload, False
    elif isinstance(payload, dict) and strip_options(payload):
        records, single = [strip_options(payload)], True
    else:
        records, single = [], False
    if required and not records:
        raise BadRequest(NO_RECORDS)
    return records, single


def record_id(data: Any, id_field: str) -> Any:
    """The identifier a record names itself by, or a 400."""
    if not isinstance(data, dict) or data.get(id_field) in (None, ""):
        raise BadRequest(f"No identifier '{id_field}' found in the record.")
    return data[id_field]

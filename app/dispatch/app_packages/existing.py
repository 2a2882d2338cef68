"""What an app package meets already there: tables it reuses, rows it keeps.

DreamFactory's own import logs a table or a record it cannot create and goes on,
which leaves half of a package behind; here the outcome is decided up front:

- a table of ``schema.json`` that exists in its service is *reused* when it has
  every field the package declares (names compared case-insensitively): it is not
  created, and an undo does not drop it. When fields are missing, the import is
  refused (400 naming each such table and its missing fields) before anything is
  written. A table whose schema the caller may not read is not theirs to reuse: it
  is created as a new one (and refused there, since it exists);
- records bound for a table the import did not create skip the rows whose
  primary key is there already (never overwritten), found with one filtered read
  per ``BATCH`` rows, not one per row. A row without its key, or a table without
  a primary key, is inserted as it is.
"""

from __future__ import annotations

from typing import Any

from app.vocabulary.errors import BadRequest

BATCH = 100
"""Rows whose keys one filtered read looks for."""


def declared_fields(table: dict[str, Any]) -> list[str]:
    """The field names a table definition of ``schema.json`` declares."""
    fields = table.get("field") if isinstance(table.get("field"), list) else []
    return [f["name"] for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)]


def missing_fields(table: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """The package's fields of ``table`` that the existing table ``found`` lacks."""
    have = {f.get("name", "").lower() for f in found.get("field") or [] if isinstance(f, dict)}
    return [name for name in declared_fields(table) if name.lower() not in have]


def refuse_incomplete(gaps: list[tuple[str, str, list[str]]]) -> None:
    """400 naming every existing table that lacks fields: (service, table, missing)."""
    if not gaps:
        return
    named = "; ".join(
        f"table '{table}' of service '{service}' lacks {', '.join(missing)}"
        for service, table, missing in gaps
    )
    raise BadRequest(
        f"The package's tables exist already without all of their fields: {named}. "
        "Add the fields, or import into another database service; nothing was imported."
    )


def primary_key(found: dict[str, Any]) -> list[str]:
    """The primary key fields of an existing table as ``_schema`` describes it."""
    keys = found.get("primary_key")
    if isinstance(keys, str):
        return [keys]
    if isinstance(keys, list) and keys:
        return [str(k) for k in keys]
    return [
        f["name"]
        for f in found.get("field") or []
        if isinstance(f, dict) and f.get("is_primary_key")
    ]


def key_of(record: dict[str, Any], keys: list[str]) -> tuple[str, ...] | None:
    """The record's key values as text, or None when a key field is missing or null."""
    lowered = {k.lower(): v for k, v in record.items()}
    values = [lowered.get(k.lower()) for k in keys]
    if any(v is None for v in values):
        return None
    return tuple(str(v) for v in values)


def quote(value: str) -> str:
    """A filter string literal (the filter language's backslash and doubled quote escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def key_filter(keys: list[str], rows: list[tuple[str, ...]]) -> str:
    """A filter matching the rows with these key values."""
    if len(keys) == 1:
        return f"{keys[0]} in ({','.join(quote(r[0]) for r in rows)})"
    return " or ".join(
        "(" + " and ".join(f"{k}={quote(v)}" for k, v in zip(keys, row, strict=True)) + ")"
        for row in rows
    )


def batches(rows: list[tuple[str, ...]]) -> list[list[tuple[str, ...]]]:
    """The distinct rows, ``BATCH`` at a time."""
    distinct = list(dict.fromkeys(rows))
    return [distinct[i : i + BATCH] for i in range(0, len(distinct), BATCH)]

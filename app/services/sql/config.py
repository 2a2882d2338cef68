"""Config schemas of the SQL service types (``sqlite``, ``pgsql``, ``mysql``).

Every type shares the record options (``max_records``, ``allow_upsert``,
caching, ``statements`` run on connect, ``statement_timeout``, per-field
DreamFactory types); the server types add the connection fields. The
password is marked secret, so ``system/service`` answers it masked and keeps
it when the mask is written back.
"""

from __future__ import annotations

import os
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from app.schemas.common import flag

AUTO_TYPES = (
    "timestamp_on_create",
    "timestamp_on_update",
    "user_id_on_create",
    "user_id_on_update",
)
"""DreamFactory field types whose values the service fills in on writes."""

DEFAULT_MAX_RECORDS = 1000
"""Rows per page when a service sets no ``max_records``."""


def _scalar_options(value: dict[str, Any]) -> None:
    for key, item in value.items():
        if not isinstance(item, str | int | float | bool) or item is None:
            raise ValidationError(f"Connection option '{key}' must be a string, number or flag.")


class SqlConfigSchema(Schema):
    """Options common to every SQL service type."""

    max_records = fields.Integer(
        load_default=DEFAULT_MAX_RECORDS,
        validate=validate.Range(min=1),
        metadata={
            "label": "Maximum Records",
            "description": "Most records one request returns (capped by DB_MAX_RECORDS_RETURNED).",
        },
    )
    allow_upsert = flag(
        load_default=False,
        metadata={"description": "PUT/PATCH of a missing record creates it."},
    )
    cache_enabled = flag(load_default=False, metadata={"label": "Data Retrieval Caching"})
    cache_ttl = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0),
        metadata={"label": "Cache Time To Live", "description": "Seconds cached reads live."},
    )
    statements = fields.List(
        fields.String(validate=validate.Length(max=4000)),
        load_default=list,
        metadata={"description": "SQL statements run on every new connection."},
    )
    statement_timeout = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=86400),
        metadata={"description": "Seconds a statement may run before it is cancelled (504)."},
    )
    options = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        validate=_scalar_options,
        metadata={"label": "Driver Options", "description": "Extra connection arguments."},
    )
    field_types = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[^.]+\.[^.]+$")),
        values=fields.String(validate=validate.OneOf(AUTO_TYPES)),
        load_default=dict,
        metadata={
            "label": "Field Types",
            "description": 'Automatic fields, e.g. {"todo.created": "timestamp_on_create"}.',
            "object": {
                "key": {"label": "Table.Field", "type": "string"},
                "value": {"label": "Type", "type": "string"},
            },
        },
    )


class SqliteConfigSchema(SqlConfigSchema):
    database = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={
            "label": "Database",
            "description": "SQLite file, relative to the storage path's databases/ folder.",
        },
    )

    @validates("database")
    def check_database(self, value: str, **kwargs: Any) -> None:
        problem = sqlite_name_problem(value)
        if problem:
            raise ValidationError(problem)


def sqlite_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a database file under the databases folder, or None."""
    if name.strip() == ":memory:" or name.startswith("file:"):
        return "In-memory and URI databases are not supported; give a file name."
    if "\x00" in name or os.path.isabs(name) or name.startswith(("/", "\\")):
        return "The database must be a file name relative to the databases folder."
    parts = name.replace("\\", "/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "The database file name may not leave the databases folder."
    return None


class ServerConfigSchema(SqlConfigSchema):
    """Connection fields of database servers."""

    host = fields.String(required=True, validate=validate.Length(min=1, max=255))
    port = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=65535)
    )
    database = fields.String(required=True, validate=validate.Length(min=1, max=255))
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    password = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=1024),
        metadata={"secret": True},
    )


class PgsqlConfigSchema(ServerConfigSchema):
    schema = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=255),
        metadata={"description": "Schema whose tables are served (default: the search path's)."},
    )


class MysqlConfigSchema(ServerConfigSchema):
    pass

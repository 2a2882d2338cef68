"""SQL database service types: a connection becomes a REST API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import flag
from app.services.base import BaseService


class SqliteConfigSchema(Schema):
    database = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={
            "label": "Database",
            "description": "SQLite file, relative to the storage path's databases/ folder.",
        },
    )
    max_records = fields.Integer(load_default=1000, validate=validate.Range(min=1))
    allow_upsert = flag(load_default=False)
    cache_enabled = flag(load_default=False)
    cache_ttl = fields.Integer(load_default=0, validate=validate.Range(min=0))
    statements = fields.List(fields.String(), load_default=list)


class SqliteService(BaseService):
    type = "sqlite"
    label = "SQLite"
    group = "Database"
    description = "Database service supporting SQLite connections."
    config_schema = SqliteConfigSchema

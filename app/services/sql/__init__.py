"""SQL database service types: a connection becomes a REST API.

The package is split by responsibility: ``config`` (config schemas),
``engines`` (one pooled engine per service), ``errors`` (database failures
as envelopes), ``schema``/``catalog`` (cached, lazily reflected schema),
``relations``, ``reader``/``writer``/``values``/``keys``/``batch`` (the
``_table`` read and write paths), ``tables`` (the resource) and ``sample``
(the seeded ``db`` service's sample data).
"""

from __future__ import annotations

from app.services.sql.config import MysqlConfigSchema, PgsqlConfigSchema, SqliteConfigSchema
from app.services.sql.service import SqlService


class SqliteService(SqlService):
    type = "sqlite"
    label = "SQLite"
    description = "Database service supporting SQLite connections."
    config_schema = SqliteConfigSchema


class PgsqlService(SqlService):
    type = "pgsql"
    label = "PostgreSQL"
    description = "Database service supporting PostgreSQL connections."
    config_schema = PgsqlConfigSchema


class MysqlService(SqlService):
    type = "mysql"
    label = "MySQL"
    description = "Database service supporting MySQL and MariaDB connections."
    config_schema = MysqlConfigSchema


__all__ = ["MysqlService", "PgsqlService", "SqlService", "SqliteService"]

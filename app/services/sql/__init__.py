"""SQL database service types: a connection becomes a REST API.

The package is split by responsibility: ``config`` (config schemas),
``engines`` (one pooled engine per service), ``errors`` (database failures
as envelopes), ``schema``/``catalog`` (cached, lazily reflected schema),
``relations``, ``reader``/``writer``/``values``/``keys``/``batch`` (the
``_table`` read and write paths), ``tables`` (the resource), ``sample``
(the seeded ``db`` service's sample data); ``_schema`` is
``schema_resource`` over ``schema_writer``, ``fieldspec``/``coltypes``
(field definitions and their SQL types), ``ddl``/``alter``/``sqlite_rebuild``
(the DDL) and ``extras`` (DreamFactory metadata in the database); ``_proc``
and ``_func`` are ``routine_resource`` over ``routines`` (the catalog) and
``routine_call``.
"""

from __future__ import annotations

from typing import ClassVar

from app.services.base import Resource
from app.services.sql.config import MysqlConfigSchema, PgsqlConfigSchema, SqliteConfigSchema
from app.services.sql.routine_resource import FunctionResource, ProcedureResource
from app.services.sql.service import SqlService

WITH_ROUTINES: dict[str, type[Resource]] = {
    **SqlService.resources,
    "_proc": ProcedureResource,
    "_func": FunctionResource,
}
"""Resources of the server types (SQLite has no stored routines)."""


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
    resources: ClassVar[dict[str, type[Resource]]] = WITH_ROUTINES


class MysqlService(SqlService):
    type = "mysql"
    label = "MySQL"
    description = "Database service supporting MySQL and MariaDB connections."
    config_schema = MysqlConfigSchema
    resources: ClassVar[dict[str, type[Resource]]] = WITH_ROUTINES


__all__ = ["MysqlService", "PgsqlService", "SqlService", "SqliteService"]

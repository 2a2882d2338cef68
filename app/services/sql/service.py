"""The SQL service base: engine, connection, cached schema and limits of one service."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import sqlalchemy as sa
from flask import current_app

from app.cache import bump_now, get_cache
from app.services.access_list import components
from app.services.base import BaseService, Resource
from app.services.sql import errors
from app.services.sql.config import DEFAULT_MAX_RECORDS
from app.services.sql.engines import WRITES, engine_for
from app.services.sql.routines import KINDS, routines
from app.services.sql.schema import DbSchema
from app.services.sql.schema_resource import SchemaResource
from app.services.sql.tables import TableResource
from app.vocabulary.errors import ApiError
from app.vocabulary.flags import to_bool


class SqlService(BaseService):
    """A database as a REST API; subclasses name the type and its config schema."""

    group = "Database"
    resources: ClassVar[dict[str, type[Resource]]] = {
        "_schema": SchemaResource,
        "_table": TableResource,
    }
    access_exceptions: ClassVar[dict[str, int]] = {"_schema": 1}
    """``GET _schema`` reaches the resource for any role: without the role's permission it
    lists the tables the role can read through ``_table`` (DreamFactory's filtered list)."""
    event_params: ClassVar[dict[str, tuple[str, ...]]] = {
        "_table": ("table_name", "id"),
        "_schema": ("table_name",),
        "_proc": ("procedure_name",),
        "_func": ("function_name",),
    }
    event_verbs: ClassVar[dict[str, tuple[str, ...]]] = {
        "_proc": ("get", "post"),
        "_func": ("get", "post"),
    }

    def event_parameter_values(self) -> dict[str, list[str]]:
        """Table (and routine) names for the event map (raises when the database is unreachable)."""
        with self.connect(read_only=True) as connection:
            schema = self.schema(connection)
            values = {"table_name": list(schema.names)}
            if "_proc" in self.resources:
                for resource, param in (("_proc", "procedure_name"), ("_func", "function_name")):
                    values[param] = list(routines(schema, connection, KINDS[resource]))
        return values

    def access_components(self, request) -> list[str]:
        """``_schema`` and ``_table`` with every table, ``_proc``/``_func`` with each routine."""
        with self.connect(read_only=True) as connection:
            schema = self.schema(connection)
            found = []
            for resource in self.resources:
                if resource in KINDS:
                    names = list(routines(schema, connection, KINDS[resource]))
                else:
                    names = list(schema.names)
                found += components(resource, names)
        return found

    def engine(self) -> sa.Engine:
        return engine_for(self.info)

    @contextmanager
    def connect(self, read_only: bool = False, writes: bool = False) -> Iterator[sa.Connection]:
        """A pooled connection whose failures come out as 503/504/400 envelopes.

        ``read_only`` (GET requests) runs PostgreSQL statements in autocommit:
        under its READ COMMITTED default each statement sees its own snapshot
        either way, and no BEGIN/ROLLBACK round trips are spent on a read.
        ``writes`` (any other verb) makes SQLite transactions take the write
        lock when they begin, so concurrent writers queue for it
        (``app.sqlite_locking``).
        """
        with errors.connect(self.engine(), self.name) as connection:
            if read_only and connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            elif writes and connection.dialect.name == "sqlite":
                connection = connection.execution_options(**{WRITES: True})
            yield connection

    def translate(self, exc: Exception) -> ApiError:
        return errors.translate(exc, self.name)

    def cache_namespaces(self) -> tuple[str, ...]:
        return ("service", f"service:{self.id}")

    def schema(self, connection: sa.Connection, refresh: bool = False) -> DbSchema:
        """The cached schema; ``refresh`` makes every process load it again."""
        if refresh:
            bump_now(f"service:{self.id}")
        return get_cache().get(
            self.cache_namespaces(),
            f"sql_schema:{self.id}",
            lambda: DbSchema.load(
                connection, self.config.get("schema") or None, self.config.get("field_types") or {}
            ),
        )

    def cache_ttl(self) -> int:
        """Seconds record reads are cached; 0 when caching is off."""
        if not to_bool(self.config.get("cache_enabled")):
            return 0
        return int(self.config.get("cache_ttl") or 0)

    def max_records(self) -> int:
        """Rows per page at most: the service's ``max_records``, capped by the app."""
        cap = int(current_app.config["DB_MAX_RECORDS_RETURNED"])
        return max(1, min(int(self.config.get("max_records") or DEFAULT_MAX_RECORDS), cap))

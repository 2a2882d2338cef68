"""What one ``_table`` request works with: its connection, table, options and access filters.

Options are read once per request (``table_options``), from the query string
first. As DreamFactory does, the record options may also come from a JSON
object body, but only when that body is not itself a record: when it wraps
records in ``resource``, when the verb is GET or DELETE, or when every key of
the body is an option name. A column named ``limit`` in a PATCH body stays
data. The options of each relation (``<relation>_fields``...) come from the
query only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from app.access.row_filters import RowFilter, service_filters
from app.records.options import RecordOptions
from app.records.server_filters import to_condition
from app.services.sql.relations import Relation, relations_for
from app.vocabulary.errors import BadRequest
from app.wrapping import wrapped_key

if TYPE_CHECKING:
    from app.services.sql.schema import DbSchema, TableInfo
    from app.services.sql.service import SqlService
    from app.vocabulary.calls import ServiceRequest

BODY_OPTIONS = frozenset(
    {
        "fields",
        "ids",
        "id_field",
        "id_type",
        "filter",
        "limit",
        "offset",
        "order",
        "group",
        "count_only",
        "include_count",
        "include_schema",
        "params",
        "continue",
        "rollback",
        "related",
        "force",
        "refresh",
    }
)
"""Options DreamFactory also accepts in a JSON body (``detectRequestMembers``)."""

ALIASES = {
    "fields": ("select",),
    "filter": ("where",),
    "limit": ("top",),
    "offset": ("skip",),
    "order": ("sort", "order_by"),
    "group": ("group_by",),
}
"""Alternative spellings of options (DreamFactory's ``ApiOptions`` aliases)."""


def _body_options(request: ServiceRequest) -> dict[str, Any]:
    payload = request.payload
    if not isinstance(payload, dict):
        return {}
    if (
        wrapped_key(payload) is not None
        or request.method in ("GET", "DELETE")
        or (payload and set(payload) <= BODY_OPTIONS)
    ):
        return {k: v for k, v in payload.items() if k in BODY_OPTIONS}
    return {}


def table_options(request: ServiceRequest) -> RecordOptions:
    """The request's record options: from the query (or aliases), else an option-carrying body."""
    params, body = request.params, _body_options(request)

    def option(name: str) -> Any:
        for source in (params, body):
            for key in (name, *ALIASES.get(name, ())):
                if key in source:
                    return source[key]
        return None

    return RecordOptions.read(option)


@dataclass
class TableContext:
    service: SqlService
    request: ServiceRequest
    options: RecordOptions
    connection: sa.Connection
    schema: DbSchema
    table: TableInfo
    _filters: dict[str, RowFilter | None] = field(default_factory=dict)

    @property
    def component(self) -> str:
        return f"_table/{self.table.name}"

    def query_option(self, name: str, default: Any = None) -> Any:
        """An option from the query only (per-relation options, never in a body)."""
        return self.request.params.get(name, default)

    # -- access ----------------------------------------------------------------

    def row_filter(self, verb: str, table: str | None = None) -> RowFilter | None:
        """The caller's record filters for ``verb`` on this (or another) table."""
        component = f"_table/{table}" if table else self.component
        key = f"{verb}:{component}"
        if key not in self._filters:
            self._filters[key] = service_filters(
                self.request.actor, verb, self.service.name, component
            )
        return self._filters[key]

    def condition(self, verb: str, table: TableInfo | None = None) -> sa.ColumnElement[bool] | None:
        """The row filters for ``verb`` as SQL over ``table`` (default: this table)."""
        target = table or self.table
        found = self.row_filter(verb, target.name)
        if found is None:
            return None
        return to_condition(found.filters, found.filter_op, target.columns)

    # -- table facts -------------------------------------------------------------

    def relations(self) -> dict[str, Relation]:
        return relations_for(self.schema, self.connection, self.table.name)

    def key_fields(self) -> list[str]:
        """Fields identifying a record: ``id_field`` when given, else the primary key."""
        names = self.options.id_field
        if names is not None:
            keys = []
            for name in names:
                column = self.table.column(name)
                if column is None:
                    raise BadRequest(f"Invalid field requested: {name}")
                keys.append(str(column.key))
            return keys
        if not self.table.primary_key:
            raise BadRequest(
                f"Table '{self.table.name}' has no primary key; name the identifying "
                "field(s) with 'id_field'."
            )
        return list(self.table.primary_key)

    def max_records(self) -> int:
        return self.service.max_records()

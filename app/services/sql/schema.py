"""The reflected schema of a service's database, cached per service and filled lazily.

Loading a ``DbSchema`` only lists table and view names (one cheap catalog
query each), so a database with thousands of tables costs nothing up front.
A table is reflected the first time a request names it; foreign keys, which
relations need across all tables, come from one catalog query on first use.
The object is cached through ``app.cache`` under the namespaces ``service``
and ``service:<id>``: any service write, ``refresh=true`` and ``DELETE
system/cache/{service}`` make the next request load a fresh one.

``field_df_type`` is the single place that says which DreamFactory type a
field has: the service config's ``field_types`` (``{"table.field": type}``)
first, then the type remembered by ``_schema`` in the database's metadata
table (``extras``), else the one the column's SQL type implies.
"""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import inflection
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import NoSuchTableError, SAWarning

from app.records.values import TYPED_PARAMETER_DIALECTS
from app.services.sql import catalog, extras
from app.vocabulary.errors import NotFound


@dataclass
class TableInfo:
    """One reflected table or view and what requests need to know about it."""

    name: str
    table: sa.Table
    is_view: bool
    field_types: dict[str, str] = field(default_factory=dict)
    """Lower-cased field name → DreamFactory type (service config, then ``_schema`` metadata)."""
    dialect: str = ""
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Lower-cased field name (``""`` for the table) → facts remembered by ``_schema``."""

    def __post_init__(self) -> None:
        self._df_types: dict[str, str] = {}
        self.columns: dict[str, sa.Column] = {}
        for column in self.table.c:
            self.columns.setdefault(column.key.lower(), column)
        self.primary_key: list[str] = [str(c.key) for c in self.table.primary_key.columns]

    def column(self, name: str) -> sa.Column | None:
        return self.columns.get(str(name).lower())

    @property
    def ranged(self) -> bool:
        """Whether integers compared with a column must fit its type (``coerce_value``)."""
        return self.dialect in TYPED_PARAMETER_DIALECTS

    def memo(self, name: str, loader: Any) -> Any:
        """A fact derived from this table (write plans, caches), computed once."""
        found = self.__dict__.get(f"_memo_{name}")
        if found is None:
            found = self.__dict__[f"_memo_{name}"] = loader()
        return found

    def output(self, name: str) -> sa.ColumnElement:
        """What to select for a field so its value serializes: exotic types come as text."""
        column = self.table.c[name]
        if self.dialect == "postgresql" and _needs_text(column.type):
            # format() uses the type's output function: '10.0.0.1', not inet::text '10.0.0.1/32'
            text = sa.func.format("%s", column, type_=sa.Text)
            missing = sa.type_coerce(column, sa.Text).is_(None)
            return sa.case((missing, sa.null()), else_=text).label(column.key)
        return column

    def outputs(self, names: list[str] | None = None) -> list[sa.ColumnElement]:
        if names is None:  # every field: the same list each time, built once
            found = self.__dict__.get("_all_outputs")
            if found is None:
                found = self.__dict__["_all_outputs"] = [
                    self.output(n) for n in self.table.c.keys()
                ]
            return list(found)
        return [self.output(n) for n in names]

    def unique_columns(self) -> set[str]:
        """Columns that alone identify a row: a one-column primary key or unique key."""
        found = set(self.primary_key) if len(self.primary_key) == 1 else set()
        for constraint in self.table.constraints:
            if isinstance(constraint, sa.UniqueConstraint) and len(constraint.columns) == 1:
                found.update(str(c.key) for c in constraint.columns)
        for index in self.table.indexes:
            if index.unique and len(index.columns) == 1:
                found.update(str(c.key) for c in index.columns)
        return found


SERIALIZABLE = (bool, int, float, Decimal, str, bytes, dt.date, dt.datetime, dt.time, dt.timedelta)
"""Python types of column values the JSON encoder handles (besides JSON, arrays and UUIDs)."""


def _needs_text(kind: sa.types.TypeEngine) -> bool:
    """PostgreSQL types psycopg answers with objects JSON cannot hold (inet, ranges, bits...)."""
    if isinstance(kind, sa.JSON | sa.ARRAY | sa.Uuid | sa.Enum):
        return False
    try:
        target = kind.python_type
    except NotImplementedError:
        return True
    return target not in SERIALIZABLE  # exact: a str subclass (BitString) is not plain text


def normalize(table: sa.Table) -> sa.Table:
    """Reflected types as they were meant: MySQL's BOOLEAN comes back as TINYINT(1)."""
    for column in table.c:
        if isinstance(column.type, mysql.TINYINT) and column.type.display_width == 1:
            column.type = sa.Boolean()
    return table


def field_df_type(table: TableInfo, field_name: str) -> str:
    """DreamFactory's simple type of a field (``id``, ``string``, ``timestamp_on_create`` ...)."""
    key = field_name.lower()
    found = table._df_types.get(key)
    if found is None:
        found = table.field_types.get(key) or column_df_type(table, table.column(field_name))
        table._df_types[key] = found
    return found


def column_df_type(table: TableInfo, column: sa.Column | None) -> str:
    """The DreamFactory type a column's SQL type implies (without remembered metadata)."""
    if column is None:
        return "string"
    kind = column.type
    if column.primary_key and isinstance(kind, sa.Integer) and len(table.primary_key) == 1:
        return "id" if column.autoincrement in (True, "auto") else "integer"
    if column.foreign_keys:
        return "reference"
    return simple_type(kind)


_SIMPLE_TYPES: list[tuple[type, str]] = [
    (sa.Boolean, "boolean"),
    (sa.BigInteger, "bigint"),
    (sa.SmallInteger, "smallint"),
    (sa.Integer, "integer"),
    (sa.Double, "double"),
    (sa.Float, "float"),
    (sa.Numeric, "decimal"),
    (sa.DateTime, "datetime"),
    (sa.Date, "date"),
    (sa.Time, "time"),
    (sa.Interval, "string"),
    (sa.JSON, "json"),
    (sa.Uuid, "uuid"),
    (sa.Text, "text"),
    (sa.String, "string"),
    (sa.LargeBinary, "binary"),
    (sa.ARRAY, "array"),
]


def simple_type(kind: sa.types.TypeEngine) -> str:
    for cls, name in _SIMPLE_TYPES:
        if isinstance(kind, cls):
            if name == "datetime" and getattr(kind, "timezone", False):
                return "datetimetz"
            return name
    return "string"


def label_for(name: str) -> str:
    """DreamFactory's default label: the name's words, capitalized (``Contact Info``)."""
    return " ".join(word.capitalize() for word in name.replace("_", " ").split()) or name


def plural_for(label: str) -> str:
    """The English plural of a label by Rails' rules, as DreamFactory's inflector has them:
    ``Todo`` → ``Todos``, ``Category`` → ``Categories``, and a label already plural stays
    (``Customers``, ``Orders``, ``Contact Infos`` from ``Contact Info``)."""
    return inflection.pluralize(label)


class DbSchema:
    """Table names of one database, with tables and foreign keys reflected on first use."""

    def __init__(
        self,
        names: dict[str, bool],
        schema_name: str | None,
        field_types: dict[str, str],
        extras_found: extras.Extras | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.names = names
        """Table or view name → is_view, in the database's order."""
        self._folded = {n.lower(): n for n in reversed(list(names))}
        self.schema_name = schema_name
        self._field_types = field_types
        self.extras: extras.Extras = extras_found or {}
        self._tables: dict[str, TableInfo] = {}
        self._foreign_keys: list[catalog.ForeignKey] | None = None
        self._relations: dict[str, Any] = {}

    @classmethod
    def load(
        cls, connection: sa.Connection, schema_name: str | None, field_types: dict[str, str]
    ) -> DbSchema:
        inspector = sa.inspect(connection)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            tables = inspector.get_table_names(schema=schema_name)
            views = inspector.get_view_names(schema=schema_name)
        found: extras.Extras = {}
        if extras.TABLE_NAME in tables:
            tables = [t for t in tables if t != extras.TABLE_NAME]
            found = extras.load(connection, schema_name)
        names = {name: False for name in sorted(tables)}
        names.update({name: True for name in sorted(views) if name not in names})
        return cls(names, schema_name, field_types, found)

    def resolve(self, name: str) -> str | None:
        """The table's real name: exact, else matched without regard to case."""
        if name in self.names:
            return name
        return self._folded.get(name.lower())

    def table(self, connection: sa.Connection, name: str) -> TableInfo:
        """The reflected table; 404 when the database has no such table."""
        real = self.resolve(name)
        if real is None:
            raise NotFound(f'Table "{name}" does not exist in the database.')
        with self._lock:
            info = self._tables.get(real)
        if info is not None:
            return info
        info = self._reflect(connection, real)
        with self._lock:
            return self._tables.setdefault(real, info)

    def _reflect(self, connection: sa.Connection, name: str) -> TableInfo:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)
                table = sa.Table(
                    name,
                    sa.MetaData(),
                    autoload_with=connection,
                    schema=self.schema_name,
                    resolve_fks=False,
                )
        except NoSuchTableError:
            raise NotFound(f'Table "{name}" does not exist in the database.') from None
        normalize(table)
        facts = self.extras.get(name.lower(), {})
        types = {f: e["type"] for f, e in facts.items() if f and isinstance(e.get("type"), str)}
        prefix = name.lower() + "."
        types.update(
            {
                key[len(prefix) :].lower(): value
                for key, value in self._field_types.items()
                if key.lower().startswith(prefix)
            }
        )
        return TableInfo(
            name, table, self.names.get(name, False), types, connection.dialect.name, facts
        )

    def foreign_keys(self, connection: sa.Connection) -> list[catalog.ForeignKey]:
        """Every foreign key between tables of this schema (one catalog query, then kept)."""
        with self._lock:
            keys = self._foreign_keys
        if keys is None:
            keys = catalog.foreign_keys(connection, self.schema_name)
            with self._lock:
                self._foreign_keys = keys
        return keys

    def remember(self, key: str, loader: Any) -> Any:
        """A value derived from this schema (relations of a table), computed once."""
        with self._lock:
            if key in self._relations:
                return self._relations[key]
        value = loader()
        with self._lock:
            return self._relations.setdefault(key, value)

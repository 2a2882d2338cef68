"""Stored procedures and functions of a database, read from ``information_schema``.

PostgreSQL lists functions and (from version 11) procedures in
``information_schema.routines`` with their parameters in
``information_schema.parameters`` (``pg_proc.proretset`` says whether a
function returns a set); MySQL and MariaDB the same tables, where the
parameter at position 0 is a function's return value. Overloaded names are
listed once: the first definition is the one described and called. Trigger
functions are left out. SQLite has no routines.

The catalog is read once per cached schema (``refresh=true`` reads it again)
and is the only source of routine and parameter names used in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.services.sql.schema import DbSchema, label_for
from app.vocabulary.errors import NotFound

KINDS = {"_proc": "PROCEDURE", "_func": "FUNCTION"}
"""Resource name → ``routine_type``."""

PG_ROUTINES = sa.text(
    """
    SELECT r.routine_name, r.specific_name, r.data_type, r.type_udt_schema, r.type_udt_name,
           p.proretset, obj_description(p.oid, 'pg_proc')
    FROM information_schema.routines r
    JOIN pg_proc p ON p.oid::text = substring(r.specific_name from '_([0-9]+)$')
    WHERE r.routine_schema = :schema AND r.routine_type = :kind
      AND r.data_type IS DISTINCT FROM 'trigger'
    ORDER BY r.routine_name, p.oid
    """
)

PG_PARAMETERS = sa.text(
    """
    SELECT specific_name, parameter_name, ordinal_position, parameter_mode, data_type,
           udt_schema, udt_name, character_maximum_length, numeric_precision, numeric_scale,
           parameter_default
    FROM information_schema.parameters
    WHERE specific_schema = :schema
    ORDER BY specific_name, ordinal_position
    """
)

MYSQL_ROUTINES = sa.text(
    """
    SELECT ROUTINE_NAME, SPECIFIC_NAME, DATA_TYPE, DTD_IDENTIFIER, ROUTINE_COMMENT
    FROM information_schema.ROUTINES
    WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = :kind
    ORDER BY ROUTINE_NAME
    """
)

MYSQL_PARAMETERS = sa.text(
    """
    SELECT SPECIFIC_NAME, PARAMETER_NAME, ORDINAL_POSITION, PARAMETER_MODE, DATA_TYPE,
           DTD_IDENTIFIER, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE
    FROM information_schema.PARAMETERS
    WHERE SPECIFIC_SCHEMA = DATABASE() AND ROUTINE_TYPE = :kind
    ORDER BY SPECIFIC_NAME, ORDINAL_POSITION
    """
)

_SIMPLE = [
    (("bigint", "int8"), "bigint"),
    (("smallint", "int2"), "smallint"),
    (("tinyint",), "tinyint"),
    (("integer", "int", "int4", "mediumint"), "integer"),
    (("boolean", "bool"), "boolean"),
    (("real", "float", "float4"), "float"),
    (("double precision", "double", "float8"), "double"),
    (("numeric", "decimal"), "decimal"),
    (("money",), "money"),
    (("character varying", "varchar", "character", "char", "enum", "set"), "string"),
    (("text", "tinytext", "mediumtext", "longtext", "name"), "text"),
    (("date",), "date"),
    (("time without time zone", "time"), "time"),
    (("time with time zone",), "timetz"),
    (("timestamp without time zone", "datetime"), "datetime"),
    (("timestamp with time zone",), "datetimetz"),
    (("timestamp",), "timestamp"),
    (("json",), "json"),
    (("jsonb",), "jsonb"),
    (("uuid",), "uuid"),
    (("bytea", "blob", "binary", "varbinary", "longblob", "mediumblob", "tinyblob"), "binary"),
    (("array",), "array"),
    (("record", "user-defined"), "row"),
    (("refcursor",), "ref_cursor"),
]
"""Catalog ``data_type`` → DreamFactory's simple type."""


def simple_type(data_type: str | None) -> str | None:
    if not data_type:
        return None
    lowered = data_type.lower()
    for names, simple in _SIMPLE:
        if lowered in names:
            return simple
    return "string"


@dataclass
class Param:
    name: str
    position: int
    mode: str
    """``IN``, ``OUT`` or ``INOUT``."""
    db_type: str
    cast: str | None = None
    """PostgreSQL: the quoted type to cast a bound value to (``"pg_catalog"."int4"``)."""
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    default: Any = None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "position": self.position,
            "param_type": self.mode,
            "type": simple_type(self.db_type),
            "db_type": self.db_type,
            "length": self.length,
            "precision": self.precision,
            "scale": self.scale,
            "default": self.default,
        }


@dataclass
class Routine:
    name: str
    kind: str
    """``PROCEDURE`` or ``FUNCTION``."""
    return_type: str | None = None
    returns_set: bool = False
    description: str | None = None
    params: list[Param] = field(default_factory=list)

    @property
    def inputs(self) -> list[Param]:
        return [p for p in self.params if p.mode in ("IN", "INOUT")]

    @property
    def outputs(self) -> list[Param]:
        return [p for p in self.params if p.mode in ("OUT", "INOUT")]

    def describe(self) -> dict[str, Any]:
        return_schema = []
        if self.kind == "FUNCTION" and self.outputs:
            return_schema = [
                {"name": p.name, "type": simple_type(p.db_type), "db_type": p.db_type}
                for p in self.outputs
            ]
        return {
            "name": self.name,
            "label": label_for(self.name),
            "description": self.description or None,
            "return_type": "table" if self.returns_set else simple_type(self.return_type),
            "return_schema": return_schema,
            "params": [p.describe() for p in self.params],
        }


def _pg(connection: sa.Connection, schema_name: str | None, kind: str) -> list[Routine]:
    preparer = connection.dialect.identifier_preparer
    schema_name = schema_name or connection.execute(sa.text("SELECT current_schema()")).scalar()
    found: dict[str, Routine] = {}
    specific: dict[str, Routine] = {}
    rows = connection.execute(PG_ROUTINES, {"schema": schema_name, "kind": kind})
    for name, spec, data_type, _, udt_name, returns_set, comment in rows:
        if name in found:
            continue  # an overload: the first definition stands for the name
        return_type = udt_name if data_type == "USER-DEFINED" else data_type
        routine = Routine(name, kind, return_type, bool(returns_set), comment)
        found[name] = specific[spec] = routine
    for row in connection.execute(PG_PARAMETERS, {"schema": schema_name}):
        routine = specific.get(row[0])
        if routine is None:
            continue
        _, name, position, mode, data_type, udt_schema, udt_name, length, prec, scale, default = row
        if data_type == "ARRAY":
            data_type = f"{udt_name.lstrip('_')}[]"
        elif data_type == "USER-DEFINED":
            data_type = udt_name
        routine.params.append(
            Param(
                name=name or f"${position}",
                position=position,
                mode=mode or "IN",
                db_type=data_type,
                cast=f"{preparer.quote(udt_schema)}.{preparer.quote(udt_name)}",
                length=length,
                precision=prec,
                scale=scale,
                default=default,
            )
        )
    return list(found.values())


def _mysql(connection: sa.Connection, kind: str) -> list[Routine]:
    found: dict[str, Routine] = {}
    for name, _, data_type, _, comment in connection.execute(MYSQL_ROUTINES, {"kind": kind}):
        found.setdefault(name, Routine(name, kind, data_type or None, False, comment))
    for spec, name, position, mode, data_type, dtd, length, prec, scale in connection.execute(
        MYSQL_PARAMETERS, {"kind": kind}
    ):
        routine = found.get(spec)
        if routine is None or position == 0:  # position 0: a function's return value
            continue
        routine.params.append(
            Param(
                name=name,
                position=position,
                mode=mode or "IN",
                db_type="boolean" if str(dtd).lower() == "tinyint(1)" else data_type,
                length=length,
                precision=prec,
                scale=scale,
            )
        )
    return list(found.values())


def load(connection: sa.Connection, schema_name: str | None, kind: str) -> list[Routine]:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return _pg(connection, schema_name, kind)
    if dialect in ("mysql", "mariadb"):
        return _mysql(connection, kind)
    return []


def routines(schema: DbSchema, connection: sa.Connection, kind: str) -> dict[str, Routine]:
    """Name → routine of ``kind`` (read once per cached schema)."""
    return schema.remember(
        f"routines:{kind}",
        lambda: {r.name: r for r in load(connection, schema.schema_name, kind)},
    )


def find(schema: DbSchema, connection: sa.Connection, kind: str, name: str) -> Routine:
    """The routine named ``name`` (exact, else without regard to case); 404 otherwise."""
    found = routines(schema, connection, kind)
    routine = found.get(name) or next(
        (r for n, r in found.items() if n.lower() == name.lower()), None
    )
    if routine is None:
        what = "Procedure" if kind == "PROCEDURE" else "Function"
        raise NotFound(f"{what} '{name}' does not exist in the database.")
    return routine

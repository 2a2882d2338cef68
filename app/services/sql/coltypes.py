"""DreamFactory field types as SQLAlchemy column types and defaults, per dialect.

``sql_type`` maps a ``FieldSpec`` to a type SQLAlchemy renders for the
service's dialect (``id`` → an auto-incremented integer key, ``money`` →
PostgreSQL ``MONEY`` or ``NUMERIC(19,4)``, ``uuid`` → ``UUID`` or
``CHAR(36)`` ...). A native ``db_type`` is accepted only when it names a type
the dialect itself knows (its reflection table), with optional numeric
arguments, so no client text reaches the DDL. ``server_default`` turns a
client default into a literal typed for the column (quoted by SQLAlchemy) or
one of a few SQL words for date and time columns.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from app.records.values import coerce_value, python_type
from app.services.sql.fieldspec import MISSING, FieldSpec
from app.vocabulary.errors import BadRequest

DEFAULT_LENGTH = 255
"""Length of a ``string`` field created without one."""

DEFAULT_PRECISION = 10
"""Precision of a ``decimal`` field created without one (the SQL default)."""

SQL_DEFAULTS = {
    "CURRENT_TIMESTAMP": "CURRENT_TIMESTAMP",
    "CURRENT_TIMESTAMP()": "CURRENT_TIMESTAMP",
    "NOW()": "CURRENT_TIMESTAMP",
    "CURRENT_DATE": "CURRENT_DATE",
    "CURRENT_TIME": "CURRENT_TIME",
}
"""Defaults written as SQL rather than as a literal (date and time columns only)."""

_DB_TYPE = re.compile(
    r"^\s*([A-Za-z][A-Za-z ]{0,40}?)\s*(?:\(\s*(\d{1,5})\s*(?:,\s*(\d{1,5})\s*)?\))?"
    r"(\s+unsigned)?\s*$",
    re.IGNORECASE | re.ASCII,
)


def _mysql(kind: str) -> bool:
    return kind in ("mysql", "mariadb")


def sql_type(spec: FieldSpec, dialect: sa.Dialect, ref_type: Any = None) -> sa.types.TypeEngine:
    """The column type for ``spec`` on ``dialect`` (``ref_type``: the referenced column's)."""
    kind = dialect.name
    if spec.type is None and spec.db_type:
        return native_type(spec.db_type, dialect, spec.name)
    simple = spec.type or ("reference" if spec.ref_table else "string")
    length, precision, scale = spec.length, spec.precision, spec.scale
    if simple in ("id", "mediumid"):
        return mysql.MEDIUMINT() if simple == "mediumid" and _mysql(kind) else sa.Integer()
    if simple in ("bigid", "smallid"):
        if kind == "sqlite":  # only INTEGER PRIMARY KEY is SQLite's auto-incremented rowid
            return sa.Integer()
        return sa.BigInteger() if simple == "bigid" else sa.SmallInteger()
    if simple == "reference":
        return _plain(ref_type) if ref_type is not None else sa.Integer()
    if simple in ("user_id", "user_id_on_create", "user_id_on_update", "integer"):
        return sa.Integer()
    if simple in ("timestamp_on_create", "timestamp_on_update", "datetime"):
        return sa.DateTime()
    if simple == "string":
        if spec.fixed_length:
            return sa.CHAR(length or 1)
        return sa.String(length or DEFAULT_LENGTH)
    if simple in ("text", "mediumtext", "longtext"):
        if _mysql(kind) and simple != "text":
            return mysql.MEDIUMTEXT() if simple == "mediumtext" else mysql.LONGTEXT()
        return sa.Text()
    if simple == "tinyint":
        return mysql.TINYINT() if _mysql(kind) else sa.SmallInteger()
    if simple == "smallint":
        return sa.SmallInteger()
    if simple == "mediumint":
        return mysql.MEDIUMINT() if _mysql(kind) else sa.Integer()
    if simple == "bigint":
        return sa.BigInteger()
    if simple == "boolean":
        return sa.Boolean()
    if simple == "float":
        if precision:
            return sa.Float(precision)
        return mysql.FLOAT() if _mysql(kind) else sa.REAL()
    if simple == "double":
        return sa.Double()
    if simple in ("decimal", "money"):
        if simple == "money" and kind == "postgresql":
            return postgresql.MONEY()
        default = (19, 4) if simple == "money" else (DEFAULT_PRECISION, 0)
        precision = precision or length or default[0]
        scale = scale if scale is not None else default[1]
        if scale > precision:
            raise BadRequest(f"Scale of field '{spec.name}' can not exceed its precision.")
        return sa.Numeric(precision, scale)
    if simple == "date":
        return sa.Date()
    if simple in ("time", "timetz"):
        return sa.Time(timezone=simple == "timetz" and kind == "postgresql")
    if simple in ("datetimetz", "timestamptz"):
        return sa.DateTime(timezone=kind == "postgresql")
    if simple == "timestamp":
        return mysql.TIMESTAMP() if _mysql(kind) else sa.DateTime()
    if simple == "binary":
        return sa.LargeBinary(length) if length else sa.LargeBinary()
    if simple in ("json", "jsonb"):
        return postgresql.JSONB() if simple == "jsonb" and kind == "postgresql" else sa.JSON()
    if simple in ("uuid", "timeuuid"):
        return sa.Uuid() if kind == "postgresql" else sa.CHAR(36)
    if simple == "array":
        if kind != "postgresql":
            raise BadRequest(f"Field '{spec.name}': type 'array' needs a PostgreSQL database.")
        return postgresql.ARRAY(sa.Text())
    raise BadRequest(f"Invalid field type '{simple}' for field '{spec.name}'.")


def _plain(kind: sa.types.TypeEngine) -> sa.types.TypeEngine:
    """A referenced column's type, without what belongs to the key (serial, identity)."""
    if isinstance(kind, sa.Integer):
        return sa.BigInteger() if isinstance(kind, sa.BigInteger) else sa.Integer()
    return kind.copy() if hasattr(kind, "copy") else kind


def native_type(text: str, dialect: sa.Dialect, field: str) -> sa.types.TypeEngine:
    """A ``db_type`` the dialect knows (``varchar(20)``, ``numeric(8,2)``), else 400."""
    match = _DB_TYPE.match(text)
    names = getattr(dialect, "ischema_names", {})
    base = " ".join(match.group(1).split()) if match else ""
    cls = names.get(base.lower()) or names.get(base.upper()) if match else None
    if cls is None:
        raise BadRequest(f"Invalid 'db_type' '{text[:40]}' for field '{field}'.")
    args = [int(a) for a in (match.group(2), match.group(3)) if a is not None]
    kwargs = {"unsigned": True} if match.group(4) and _mysql(dialect.name) else {}
    for attempt in ((args, kwargs), (args, {}), ([], {})):
        try:
            return cls(*attempt[0], **attempt[1])
        except TypeError:
            continue
    raise BadRequest(f"Invalid 'db_type' '{text[:40]}' for field '{field}'.")


def server_default(spec: FieldSpec, kind: sa.types.TypeEngine, dialect: sa.Dialect) -> Any:
    """The DDL default for ``spec``: None for none, a ``text`` SQL word, or a literal string."""
    value = spec.default
    if value is MISSING or value is None:
        return sa.text("CURRENT_TIMESTAMP") if spec.type == "timestamp_on_create" else None
    column = sa.Column(spec.name, kind)
    target = python_type(column)
    if isinstance(value, str) and target is not None and target.__name__ in ("datetime", "date"):
        word = SQL_DEFAULTS.get("".join(value.split()).upper())
        if word is not None:
            return sa.text(word)
    if isinstance(value, str) and target is not None and target.__name__ == "time":
        if "".join(value.split()).upper() == "CURRENT_TIME":
            return sa.text("CURRENT_TIME")
    if isinstance(value, dict | list) or target in (dict, list):
        raise BadRequest(f"Invalid default for field '{spec.name}': a plain value is expected.")
    try:
        typed = coerce_value(value, column, spec.name)
    except BadRequest:
        raise BadRequest(
            f"Invalid default for field '{spec.name}': '{str(value)[:80]}' is not a value "
            "of its type."
        ) from None
    if isinstance(typed, bool):
        if dialect.name == "postgresql":
            return "true" if typed else "false"
        return "1" if typed else "0"
    if isinstance(typed, float | Decimal | int):
        return str(typed)
    text = str(typed)
    length = getattr(kind, "length", None)
    if isinstance(typed, str) and length and len(text) > length:
        raise BadRequest(f"Default of field '{spec.name}' is longer than the field ({length}).")
    return text

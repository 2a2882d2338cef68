"""Shared columns and serialization for system-store records."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


def utcnow() -> dt.datetime:
    """Naive UTC now: every backend stores it alike."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def iso(value: Any) -> Any:
    """Laravel's default JSON form for timestamps: ``2026-01-01T10:00:00.000000Z``."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Record(db.Model):
    """Base of every system record: timestamps, audit ids and ``to_dict``."""

    __abstract__ = True

    hidden: ClassVar[frozenset[str]] = frozenset()
    """Columns never sent to a client (hashes, codes)."""

    created_date: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    last_modified_date: Mapped[dt.datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    last_modified_by_id: Mapped[int | None] = mapped_column(sa.Integer)

    @classmethod
    def visible_fields(cls) -> list[str]:
        return [c.key for c in sa.inspect(cls).column_attrs if c.key not in cls.hidden]

    def to_dict(self, fields: list[str] | None = None) -> dict[str, Any]:
        names = fields if fields is not None else self.visible_fields()
        return {name: iso(getattr(self, name)) for name in names}

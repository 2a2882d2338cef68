"""Values kept for a while and shared by every worker: the store-backed TTL cache."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

MAX_VALUE_BYTES = 2**24 - 1
"""Bytes one entry holds at most (MEDIUMBLOB on MySQL/MariaDB)."""


class CacheEntry(db.Model):
    """One cached value until ``expires_at`` (Unix seconds); used when Redis is not configured.

    Readers ignore expired rows; writers delete them now and then, so the
    table holds little more than the live entries.
    """

    __tablename__ = "cache_entry"

    key: Mapped[str] = mapped_column(sa.String(191), primary_key=True)
    value: Mapped[bytes] = mapped_column(sa.LargeBinary(length=MAX_VALUE_BYTES))
    expires_at: Mapped[int] = mapped_column(index=True)

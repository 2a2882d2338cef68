"""Instance-wide records: system config, custom settings, issued tokens, cache stamps."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Record


class SystemConfig(Record):
    """The single row of instance settings (``system/config``)."""

    __tablename__ = "system_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    default_app_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app.id", ondelete="SET NULL"))
    invite_email_service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service.id", ondelete="SET NULL")
    )
    invite_email_template_id: Mapped[int | None]
    password_email_service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service.id", ondelete="SET NULL")
    )
    password_email_template_id: Mapped[int | None]


class SystemCustom(Record):
    """Free-form name/value settings (``system/custom``)."""

    __tablename__ = "system_custom"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    value: Mapped[str | None] = mapped_column(sa.Text)


class TokenMap(db.Model):
    """Every session token still honoured, by its ``jti``.

    A signed token whose ``jti`` is missing here was revoked (logout, refresh,
    password change, deactivation): that is the blacklist, shared by every
    worker and server through the system store.
    """

    __tablename__ = "token_map"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    iat: Mapped[int]
    exp: Mapped[int]
    refresh_until: Mapped[int]


class CacheStamp(db.Model):
    """A version number per cache namespace, bumped in the same transaction as a write."""

    __tablename__ = "cache_stamp"

    key: Mapped[str] = mapped_column(sa.String(191), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class RateCounter(db.Model):
    """A fixed-window counter shared by every worker (usage limits, login throttling).

    Used when Redis is not configured: the row for (key, window) is
    incremented atomically in the system store.
    """

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    window_start: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[int] = mapped_column(index=True)
    limit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("limits.id", ondelete="CASCADE"), index=True
    )

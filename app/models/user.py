"""Users (admins are users with ``is_sys_admin``), their per-app roles and custom settings."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class User(Record):
    __tablename__ = "user"

    hidden = frozenset(
        {"password", "security_answer", "confirm_code", "confirm_code_date", "remember_token"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(255))
    username: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    first_name: Mapped[str | None] = mapped_column(sa.String(255))
    last_name: Mapped[str | None] = mapped_column(sa.String(255))
    last_login_date: Mapped[dt.datetime | None]
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    password: Mapped[str | None] = mapped_column(sa.String(255))
    is_sys_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    security_question: Mapped[str | None] = mapped_column(sa.String(255))
    security_answer: Mapped[str | None] = mapped_column(sa.String(255))
    confirm_code: Mapped[str | None] = mapped_column(sa.String(255))
    confirm_code_date: Mapped[dt.datetime | None]
    default_app_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app.id", ondelete="SET NULL"))
    remember_token: Mapped[str | None] = mapped_column(sa.String(100))
    oauth_provider: Mapped[str | None] = mapped_column(sa.String(50))
    adldap: Mapped[str | None] = mapped_column(sa.String(50))


class UserAppRole(Record):
    """The role a user has when calling through one app (``user_to_app_to_role``)."""

    __tablename__ = "user_to_app_to_role"
    __table_args__ = (sa.UniqueConstraint("user_id", "app_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    app_id: Mapped[int | None] = mapped_column(sa.ForeignKey("app.id", ondelete="CASCADE"))
    role_id: Mapped[int | None] = mapped_column(sa.ForeignKey("role.id", ondelete="CASCADE"))


class UserCustom(Record):
    """A user's own name/value settings (``user/custom``), each name once per user.

    ``value`` is JSON text, as in ``system_custom``.
    """

    __tablename__ = "user_custom"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(255))
    value: Mapped[str | None] = mapped_column(sa.Text)

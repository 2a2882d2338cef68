"""Usage limits (rate limits) by instance, user, role, service and endpoint."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class Limit(Record):
    __tablename__ = "limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(64))
    key_text: Mapped[str] = mapped_column(sa.String(255), unique=True)
    rate: Mapped[int]
    period: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    role_id: Mapped[int | None] = mapped_column(sa.ForeignKey("role.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id", ondelete="CASCADE"))
    endpoint: Mapped[str | None] = mapped_column(sa.String(255))
    verb: Mapped[str | None] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)

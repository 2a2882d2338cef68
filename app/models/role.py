"""Roles and the service access rows that grant them verbs on components."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Record


class Role(Record):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)

    accesses: Mapped[list[RoleServiceAccess]] = relationship(
        back_populates="role", cascade="all, delete-orphan", order_by="RoleServiceAccess.id"
    )


class RoleServiceAccess(Record):
    __tablename__ = "role_service_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    role_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("role.id", ondelete="CASCADE"), index=True
    )
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service.id", ondelete="CASCADE"))
    component: Mapped[str | None] = mapped_column(sa.String(255))
    verb_mask: Mapped[int] = mapped_column(default=0)
    requestor_mask: Mapped[int] = mapped_column(default=1)
    filters: Mapped[list[dict[str, Any]] | None] = mapped_column(sa.JSON)
    filter_op: Mapped[str] = mapped_column(sa.String(32), default="AND")

    role: Mapped[Role | None] = relationship(back_populates="accesses")

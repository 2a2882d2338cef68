"""Services: one row per configured API (system, db, files, ...)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class Service(Record):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    label: Mapped[str | None] = mapped_column(sa.String(80))
    description: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    mutable: Mapped[bool] = mapped_column(default=True)
    deletable: Mapped[bool] = mapped_column(default=True)
    config: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

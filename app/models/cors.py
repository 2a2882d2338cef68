"""CORS rules matched against request paths."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class CorsConfig(Record):
    __tablename__ = "cors_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(255), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))
    origin: Mapped[str] = mapped_column(sa.Text, default="*")
    header: Mapped[str | None] = mapped_column(sa.Text)
    exposed_header: Mapped[str | None] = mapped_column(sa.Text)
    method: Mapped[int] = mapped_column(default=0)
    max_age: Mapped[int] = mapped_column(default=3600)
    supports_credentials: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)

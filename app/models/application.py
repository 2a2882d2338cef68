"""Apps: API keys, their default role, and how they launch."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record

APP_TYPES = {0: "none", 1: "storage", 2: "url", 3: "path", 4: "git"}
"""DreamFactory's app ``type`` codes."""


class App(Record):
    __tablename__ = "app"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    api_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    type: Mapped[int] = mapped_column(default=0)
    path: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.Text)
    storage_service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service.id", ondelete="SET NULL")
    )
    storage_container: Mapped[str | None] = mapped_column(sa.String(255))
    requires_fullscreen: Mapped[bool] = mapped_column(default=False)
    allow_fullscreen_toggle: Mapped[bool] = mapped_column(default=True)
    toggle_location: Mapped[str] = mapped_column(sa.String(64), default="top")
    role_id: Mapped[int | None] = mapped_column(sa.ForeignKey("role.id", ondelete="SET NULL"))
    allow_mcp: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """Whether the app's key may reach the MCP endpoint (``/mcp``): off unless an admin says so."""

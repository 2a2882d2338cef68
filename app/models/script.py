"""Event scripts, keyed by the event name they run on, and their run statistics."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import Record


class EventScript(Record):
    __tablename__ = "event_script"

    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    is_active: Mapped[bool] = mapped_column(default=False)
    content: Mapped[str | None] = mapped_column(sa.Text)
    config: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    storage_service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service.id", ondelete="SET NULL")
    )
    storage_path: Mapped[str | None] = mapped_column(sa.String(255))
    scm_repository: Mapped[str | None] = mapped_column(sa.String(255))
    scm_reference: Mapped[str | None] = mapped_column(sa.String(255))
    allow_event_modification: Mapped[bool] = mapped_column(default=False)


class ScriptStat(db.Model):
    """Run totals of one script (an event name or ``service.<name>``), shared by every worker.

    Used when Redis is not configured: each process adds its counts with one
    atomic upsert every few seconds (``app.scripting.stats``).
    """

    __tablename__ = "script_stat"

    name: Mapped[str] = mapped_column(sa.String(191), primary_key=True)
    runs: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    errors: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    total_ms: Mapped[float] = mapped_column(sa.Float, default=0.0)
    last_run_at: Mapped[int | None] = mapped_column(sa.BigInteger)
    """Unix seconds of the latest run counted."""
    last_error: Mapped[str | None] = mapped_column(sa.String(255))

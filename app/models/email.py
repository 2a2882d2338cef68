"""E-mail templates used by invitations, registration and password resets."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Record


class EmailTemplate(Record):
    __tablename__ = "email_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    description: Mapped[str | None] = mapped_column(sa.String(255))
    to: Mapped[str | None] = mapped_column(sa.Text)
    cc: Mapped[str | None] = mapped_column(sa.Text)
    bcc: Mapped[str | None] = mapped_column(sa.Text)
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    body_text: Mapped[str | None] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    from_name: Mapped[str | None] = mapped_column(sa.String(80))
    from_email: Mapped[str | None] = mapped_column(sa.String(255))
    reply_to_name: Mapped[str | None] = mapped_column(sa.String(80))
    reply_to_email: Mapped[str | None] = mapped_column(sa.String(255))
    defaults: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

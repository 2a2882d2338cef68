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

A password reset must not tell whether the address has an account, by its
answer or its timing. So the message is composed alike for an unknown address
(``stand_in``: a code is made and the template filled for a placeholder) and
the real one is handed to the mail server only after the response has gone
out (``deliver_after_response``): a mail server that is slow or down changes
neither the answer nor its time, and a failed delivery is logged.

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
from flask import after_this_request, current_app, has_request_context, request

from app import system_cache
from app.extensions import db
from app.models import EmailTemplate, SystemConfig, User, utcnow
from app.services import build_service
from app.services.email import EmailService
from app.services.email.base import template_data
from app.vocabulary.errors import ApiError, ServiceUnavailable

if TYPE_CHECKING:
    from email.message import EmailMessage

    from flask import Flask

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


STAND_IN_EMAIL = "nobody@stand-in.invalid"
"""Recipient of the message composed, never sent, for a reset of an unknown address."""


def stand_in() -> User:
    """A user that is not stored, to compose a reset for an address without an account."""
    return User(email=STAND_IN_EMAIL, first_name="", last_name="", name="")


def prepare_password_reset(user: User) -> Outgoing:
    """Issue a code to ``user`` (stored or a ``stand_in``) and compose its reset message.

    Raises the flow's 503 when no usable e-mail service or template is configured.
    """
    issue_confirm_code(user)
    return compose_for(user, PASSWORD)


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
    for info in system_cache.all_services():
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
    info = system_cache.get_service_by_id(int(service_id))
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


@dataclass(frozen=True)
class Outgoing:
    """A composed message of a flow and the e-mail service that will deliver it."""

    service: EmailService
    message: EmailMessage
    recipients: list[str]
    flow: Flow
    user_id: int | None

    def deliver(self) -> None:
        """Hand the message to the mail server; 503 when it cannot be sent."""
        try:
            self.service.hand_over(self.message, self.recipients)
        except ApiError as exc:
            raise _unsent(self.flow, exc) from None
        logger.info(
            "mail flow=%s user_id=%s service=%s",
            self.flow.user_key,
            self.user_id,
            self.service.name,
        )


def _unsent(flow: Flow, exc: ApiError) -> ApiError:
    if exc.status >= 500:
        return exc
    return ServiceUnavailable(f"The e-mail for {flow.purpose} could not be sent: {exc.message}")


def compose_for(user: User, flow: Flow) -> Outgoing:
    """The flow's message to ``user``, composed with the configured service and template."""
    service_id, template_id = configured_ids(flow)
    if not service_id:
        raise ServiceUnavailable(flow.missing)
    service = _email_service(service_id, flow)
    service.require_ready(f"{flow.user_key}_email_service_id")
    payload = user_values(user, flow)
    payload["to"] = [{"name": user.name or "", "email": user.email}]
    try:
        message, recipients = service.prepare(payload, _template(template_id, flow))
    except ApiError as exc:
        raise _unsent(flow, exc) from None
    return Outgoing(service, message, recipients, flow, user.id)


def _send(user: User, flow: Flow) -> None:
    compose_for(user, flow).deliver()


def deliver_after_response(outgoing: Outgoing) -> None:
    """Deliver once the response has gone out (at once outside a request); failures are logged.

    The delivery runs when the server closes the response, in a fresh app context.
    """
    if not has_request_context():
        _deliver_logged(outgoing)
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def schedule(response):
        response.call_on_close(lambda: _deliver_in(app, outgoing))
        return response


def _deliver_in(app: Flask, outgoing: Outgoing) -> None:
    with app.app_context():
        _deliver_logged(outgoing)


def _deliver_logged(outgoing: Outgoing) -> None:
    try:
        outgoing.deliver()
    except ApiError as exc:
        logger.error(
            "e-mail for %s not delivered user_id=%s: %s",
            outgoing.flow.purpose,
            outgoing.user_id,
            exc.message,
        )
    except Exception:
        logger.exception(
            "e-mail for %s not delivered user_id=%s", outgoing.flow.purpose, outgoing.user_id
        )

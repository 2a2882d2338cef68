"""The ``smtp`` service type: deliver through an SMTP server with ``smtplib``.

``encryption`` is ``none`` (plain), ``tls`` (connect in plain text, then
STARTTLS: usually port 587) or ``ssl`` (TLS from the first byte, SMTPS:
usually port 465). With ``tls`` a server that does not offer STARTTLS is an
error, never a silent fall-back to plain text. Certificates are verified
against the system trust store. Failures are answered as 503 (the server
cannot be used) or 400 (it refused the sender or every recipient), with the
server's reason but never the credentials.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from marshmallow import fields, validate

from app.services.email.base import EmailService, SenderConfigSchema
from app.vocabulary.errors import ApiError, BadRequest, ServiceUnavailable

logger = logging.getLogger(__name__)

ENCRYPTIONS = ("none", "tls", "ssl")
"""Accepted ``encryption`` values; empty or null also means none."""
DEFAULT_TIMEOUT = 30
"""Seconds to wait for the SMTP server on connect and on each command."""


class SmtpConfigSchema(SenderConfigSchema):
    host = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={"label": "Host", "description": "SMTP host."},
    )
    port = fields.Integer(
        load_default=587,
        validate=validate.Range(min=1, max=65535),
        metadata={"label": "Port", "description": "SMTP port (default: 587)."},
    )
    encryption = fields.String(
        load_default="tls",
        allow_none=True,
        validate=validate.OneOf((*ENCRYPTIONS, "")),
        metadata={
            "label": "Encryption",
            "description": "none, tls (STARTTLS) or ssl (SMTPS).",
        },
    )
    username = fields.String(allow_none=True, metadata={"label": "Username"})
    password = fields.String(allow_none=True, metadata={"label": "Password", "secret": True})
    timeout = fields.Integer(
        load_default=DEFAULT_TIMEOUT,
        validate=validate.Range(min=1, max=600),
        metadata={"label": "Timeout", "description": "Seconds to wait for the server."},
    )


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text


def _reason(error: smtplib.SMTPResponseException) -> str:
    return f"{error.smtp_code} {_decode(error.smtp_error)}".strip()


class SmtpService(EmailService):
    type = "smtp"
    label = "SMTP"
    description = "SMTP mail service."
    config_schema = SmtpConfigSchema

    @property
    def where(self) -> str:
        return f"{self.config.get('host')}:{self.config.get('port', 587)}"

    def connect(self) -> smtplib.SMTP:
        host = self.config["host"]
        port = int(self.config.get("port") or 587)
        timeout = int(self.config.get("timeout") or DEFAULT_TIMEOUT)
        encryption = (self.config.get("encryption") or "none").lower()
        context = ssl.create_default_context()
        if encryption == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        try:
            client.ehlo_or_helo_if_needed()
            if encryption == "tls":
                if not client.has_extn("starttls"):
                    raise ServiceUnavailable(
                        f"The SMTP server {self.where} does not offer STARTTLS; set the "
                        "service's encryption to 'ssl' or (only on a trusted network) 'none'."
                    )
                client.starttls(context=context)
                client.ehlo()
            if self.config.get("username"):
                client.login(self.config["username"], self.config.get("password") or "")
        except BaseException:
            client.close()
            raise
        return client

    def deliver(self, message: EmailMessage, recipients: list[str]) -> int:
        try:
            client = self.connect()
            try:
                refused = client.send_message(message, to_addrs=recipients)
            finally:
                try:
                    client.quit()
                except smtplib.SMTPException:
                    client.close()
        except (smtplib.SMTPException, OSError) as exc:
            raise self.translate(exc) from None
        for addr, (code, _msg) in refused.items():
            logger.warning("smtp service=%s refused recipient=%s code=%s", self.name, addr, code)
        return len(refused)

    def translate(self, exc: Exception) -> ApiError:
        """The client-facing error for a failed delivery (no credentials in it)."""
        where = self.where
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return ServiceUnavailable(
                f"The SMTP server {where} refused the service's credentials: {_reason(exc)}"
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return ServiceUnavailable(f"The SMTP server {where} cannot: {exc}")
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return BadRequest(f"The SMTP server refused the sender {exc.sender}: {_reason(exc)}")
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            detail = "; ".join(
                f"{addr}: {code} {_decode(msg)}" for addr, (code, msg) in exc.recipients.items()
            )
            return BadRequest(f"The SMTP server refused every recipient ({detail}).")
        if isinstance(exc, smtplib.SMTPResponseException):
            return ServiceUnavailable(f"The SMTP server {where} failed to send: {_reason(exc)}")
        if isinstance(exc, ssl.SSLError):
            return ServiceUnavailable(
                f"TLS with the SMTP server {where} failed: {exc.reason or exc}"
            )
        return ServiceUnavailable(f"Could not send through the SMTP server {where}: {exc}")

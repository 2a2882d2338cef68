"""A real SMTP server for tests: aiosmtpd on a free loopback port, capturing messages."""

from __future__ import annotations

import email
import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME = "mailer"
PASSWORD = "smtp-secret-0123456789"  # noqa: S105


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Capture:
    """What the server received, in order."""

    messages: list[Delivered] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(Delivered(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpServer:
    host: str
    port: int
    capture: Capture
    controller: Controller

    @property
    def messages(self) -> list[Delivered]:
        return self.capture.messages


def start() -> SmtpServer:
    """Start a plain SMTP server (AUTH offered without TLS, no STARTTLS)."""
    capture = Capture()
    last_error: Exception | None = None
    for _ in range(5):
        port = free_port()
        controller = Controller(
            capture,
            hostname="127.0.0.1",
            port=port,
            authenticator=_authenticate,
            auth_require_tls=False,
        )
        try:
            controller.start()
        except OSError as exc:  # the port was taken between probing and binding
            last_error = exc
            continue
        return SmtpServer("127.0.0.1", port, capture, controller)
    raise RuntimeError(f"could not start a test SMTP server: {last_error}")


def smtp_config(server: SmtpServer, **extra: Any) -> dict[str, Any]:
    return {
        "host": server.host,
        "port": server.port,
        "encryption": "none",
        "from_email": "noreply@example.com",
        "from_name": "Test Instance",
        "timeout": 10,
        **extra,
    }

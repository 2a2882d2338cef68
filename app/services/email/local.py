"""The ``local_email`` service type: mail handed to this machine, by file or by ``sendmail``.

Its ``transport`` says how:

- ``file`` (the default): nothing leaves the machine. Messages land in
  ``<STORAGE_PATH>/email/`` (or the configured ``folder``, which must stay below
  the storage path), one RFC 5322 file per message named
  ``<UTC time>-<random>.eml``, Bcc header included so the file records everyone
  it was meant for. Useful for development, for tests and for instances whose
  mail is picked up from a spool folder.
- ``sendmail``: DreamFactory's ``local_email``, the machine's mail transfer agent
  sends it (``sendmail``: the program is the instance's setting, never the
  service's). The seeded ``email`` service is one. A message that names no
  sender comes from ``no-reply@<this machine's host name>``, as the MTA would
  sign it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import posixpath
import secrets
import socket
from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from typing import Any

from flask import current_app
from marshmallow import ValidationError, fields, validate, validates

from app.services.email import sendmail
from app.services.email.base import EmailService, SenderConfigSchema
from app.vocabulary.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

DEFAULT_FOLDER = "email"
TRANSPORTS = ("file", "sendmail")
"""How a ``local_email`` service hands a message over (see the module's docstring)."""


def _inside(base: str, path: str) -> bool:
    return os.path.commonpath([base, path]) == base


class LocalEmailConfigSchema(SenderConfigSchema):
    transport = fields.String(
        load_default="file",
        validate=validate.OneOf(TRANSPORTS),
        metadata={
            "label": "Transport",
            "description": (
                "file: write each message as an .eml file in the folder below; sendmail: "
                "hand it to this machine's sendmail program, which sends it."
            ),
        },
    )
    folder = fields.String(
        load_default=DEFAULT_FOLDER,
        metadata={
            "label": "Folder",
            "description": "Folder below the storage path where messages are written.",
        },
    )

    @validates("folder")
    def check_folder(self, value: str, **kwargs) -> None:
        cleaned = value.replace("\\", "/").strip()
        if not cleaned or cleaned.startswith("/") or os.path.isabs(cleaned):
            raise ValidationError("The folder must be a relative path below the storage path.")
        if ".." in cleaned.split("/") or "\x00" in cleaned:
            raise ValidationError("The folder may not leave the storage path.")
        if posixpath.normpath(cleaned) == ".":
            raise ValidationError("The folder must be below the storage path, not the path itself.")


class LocalEmailService(EmailService):
    type = "local_email"
    label = "Local Email Service"
    description = "Writes each message as an .eml file below the storage path."
    config_schema = LocalEmailConfigSchema

    def folder(self) -> str:
        """The real folder messages go to; refuses one that resolves outside the storage path."""
        storage = os.path.realpath(current_app.config["STORAGE_PATH"])
        relative = (self.config.get("folder") or DEFAULT_FOLDER).replace("\\", "/").strip("/")
        path = os.path.realpath(os.path.join(storage, relative))
        if path == storage or not _inside(storage, path):
            raise ServiceUnavailable(
                f"The folder of e-mail service '{self.name}' is not below the storage path."
            )
        return path

    @property
    def transport(self) -> str:
        return self.config.get("transport") or "file"

    def require_ready(self, setting: str | None = None) -> None:
        if self.transport == "sendmail":
            sendmail.require_program(self.name, setting)

    def merge(self, payload: Mapping[str, Any], template: Mapping[str, Any]) -> dict[str, Any]:
        data = super().merge(payload, template)
        if self.transport == "sendmail" and not data.get("from_email"):
            data["from_email"] = f"no-reply@{socket.gethostname() or 'localhost'}"
        return data

    def deliver(self, message: EmailMessage, recipients: list[str]) -> int:
        if self.transport == "sendmail":
            sendmail.send(self.name, message, message["From"].addresses[0].addr_spec, recipients)
            logger.info("local_email service=%s transport=sendmail", self.name)
            return 0
        folder = self.folder()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{secrets.token_hex(6)}.eml"
        try:
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, name)
            with open(path, "xb") as handle:
                handle.write(message.as_bytes(policy=policy.SMTP))
        except OSError as exc:
            raise ServiceUnavailable(
                f"E-mail service '{self.name}' could not write the message: {exc.strerror}"
            ) from None
        logger.info("local_email service=%s file=%s", self.name, name)
        return 0

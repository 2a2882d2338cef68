"""The ``local_email`` service type: each message written as an ``.eml`` file.

Nothing leaves the machine: messages land in ``<STORAGE_PATH>/email/`` (or the
configured ``folder``, which must stay below the storage path), one RFC 5322
file per message named ``<UTC time>-<random>.eml``, Bcc header included so the
file records everyone it was meant for. Useful for development, for tests and
for instances whose mail is picked up from a spool folder.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import posixpath
import secrets
from email import policy
from email.message import EmailMessage

from flask import current_app
from marshmallow import ValidationError, fields, validates

from app.services.email.base import EmailService, SenderConfigSchema
from app.vocabulary.errors import ServiceUnavailable

logger = logging.getLogger(__name__)

DEFAULT_FOLDER = "email"


def _inside(base: str, path: str) -> bool:
    return os.path.commonpath([base, path]) == base


class LocalEmailConfigSchema(SenderConfigSchema):
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

    def deliver(self, message: EmailMessage, recipients: list[str]) -> int:
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

"""The ``sftp_file`` service type: a folder of an SFTP server as a file service.

The config has DreamFactory's names (``df-file``'s SFTP service): ``host``,
``port`` (22), ``username``, ``password``, ``private_key`` (the key's text;
DreamFactory also took a path on its own server, which we refuse to read),
``host_fingerprint``, ``timeout`` (seconds; empty means this server's
``FILE_REMOTE_TIMEOUT``) and ``container``, the root folder on the server,
plus ``public_path`` as every file service. ``passphrase`` (ours) unlocks an
encrypted private key. The password, private key and passphrase are masked on
read and kept when sent back masked.

The host key is checked against ``host_fingerprint`` (``hostkey`` lists the
forms accepted); with none set the service refuses to connect and its 502
names the key the server offered. Connections are pooled per settings
(``ssh``); the files are served by ``RemoteTreeStorage`` over ``SftpTree``.
The type is unavailable, with the reason, where paramiko is not installed.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.services.files import hostkey
from app.services.files.config import public_path_field
from app.services.files.remote_config import (
    check_root,
    host_field,
    password_field,
    port_field,
    root_field,
    timeout_field,
    username_field,
)
from app.services.files.remote_tree import RemoteTreeStorage
from app.services.files.service import FileService
from app.services.files.storage import Storage


class SftpConfigSchema(Schema):
    host = host_field("SFTP")
    port = port_field("SFTP", 22)
    username = username_field("SFTP")
    password = password_field("SFTP server user password (empty when logging in with a key).")
    private_key = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=32768),
        metadata={
            "label": "Private Key",
            "description": "The user's private key (OpenSSH or PEM text), to log in with a key.",
            "secret": True,
        },
    )
    passphrase = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "label": "Private Key Passphrase",
            "description": "The passphrase of an encrypted private key.",
            "secret": True,
        },
    )
    host_fingerprint = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=32768),
        metadata={
            "label": "Host Finger Print",
            "description": (
                "The server's host key, trusted only if it matches: OpenSSH's fingerprint "
                "(SHA256:...), a hex MD5 fingerprint, or known_hosts lines (e.g. the output "
                "of ssh-keyscan). Empty: the service refuses to connect and its error shows "
                "the key the server offers."
            ),
        },
    )
    timeout = timeout_field()
    container = root_field()
    public_path = public_path_field("root folder")

    @validates("host_fingerprint")
    def check_fingerprint(self, value: str | None, **kwargs: Any) -> None:
        problem = hostkey.problem(value or "")
        if problem:
            raise ValidationError(problem)

    @validates("container")
    def check_container(self, value: str, **kwargs: Any) -> None:
        check_root(value)

    @validates("private_key")
    def check_private_key(self, value: str | None, **kwargs: Any) -> None:
        if value and "PRIVATE KEY-----" not in value:
            raise ValidationError("Paste the private key itself (-----BEGIN ... PRIVATE KEY-----).")


class SftpFileService(FileService):
    type = "sftp_file"
    label = "SFTP File Storage"
    description = "File service supporting a folder of an SFTP server."
    config_schema = SftpConfigSchema
    storage_name = "SFTP storage"

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            found = importlib.util.find_spec("paramiko") is not None
        except (ImportError, ValueError):  # blocked, or a broken install
            found = False
        return (True, "") if found else (False, "the paramiko package is not installed")

    def make_storage(self) -> Storage:
        from app.services.files import ssh  # noqa: PLC0415 - optional: needs paramiko
        from app.services.files.sftp_tree import SftpTree  # noqa: PLC0415 - as ssh

        config = self.config
        settings = ssh.Settings(
            host=str(config.get("host") or ""),
            port=int(config.get("port") or 22),
            username=str(config.get("username") or ""),
            password=config.get("password") or None,
            private_key=config.get("private_key") or None,
            passphrase=config.get("passphrase") or None,
            fingerprint=config.get("host_fingerprint") or None,
            timeout=float(config.get("timeout") or current_app.config["FILE_REMOTE_TIMEOUT"]),
        )
        root = str(config.get("container") or "").rstrip("/") or "/"
        return RemoteTreeStorage(SftpTree(ssh.pool_for(settings), root))

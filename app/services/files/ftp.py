"""The ``ftp_file`` service type: a folder of an FTP or FTPS server as a file service.

The config has DreamFactory's names (``df-file``'s FTP service): ``host``,
``port`` (21), ``username``, ``password`` (masked on read and kept when sent
back masked), ``ssl`` (FTPS: explicit TLS, ``AUTH TLS`` then ``PROT P``),
``passive`` (passive mode, the default; off, the server connects back to
this one for each transfer), ``timeout`` (seconds; empty means this server's
``FILE_REMOTE_TIMEOUT`` rather than DreamFactory's 90) and ``container``, the
root folder on the server, plus ``public_path`` as every file service.
``ssl_certificate`` (ours) is what an FTPS server's certificate is verified
against instead of this server's CA store: the server's own self-signed
certificate or a private CA, in PEM (DreamFactory verified nothing).

Connections are pooled per settings (``ftp_connection``); the files are
served by ``RemoteTreeStorage`` over ``FtpTree``. ftplib is in Python's
standard library, so the type is always available.
"""

from __future__ import annotations

from ssl import SSLError
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

from app.services.files import ftp_connection
from app.services.files.config import public_path_field
from app.services.files.ftp_tree import FtpTree
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


class FtpConfigSchema(Schema):
    host = host_field("FTP")
    port = port_field("FTP", 21)
    username = username_field("FTP")
    password = password_field("FTP server user password.")
    ssl = fields.Boolean(
        load_default=False,
        metadata={
            "label": "SSL",
            "description": "Check to enable SSL: FTPS with explicit TLS (AUTH TLS).",
        },
    )
    ssl_certificate = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=65536),
        metadata={
            "label": "SSL Certificate",
            "description": (
                "The certificate (PEM) the FTPS server's is verified against instead of this "
                "server's trusted authorities: its own self-signed certificate or the private "
                "CA that signed it. The host name must still match it."
            ),
        },
    )
    passive = fields.Boolean(
        load_default=True,
        metadata={"label": "Passive", "description": "Check to enable passive mode."},
    )
    timeout = timeout_field()
    container = root_field()
    public_path = public_path_field("root folder")

    @validates("container")
    def check_container(self, value: str, **kwargs: Any) -> None:
        check_root(value)

    @validates("ssl_certificate")
    def check_certificate(self, value: str | None, **kwargs: Any) -> None:
        if not value:
            return
        try:
            ftp_connection.tls_context(value)
        except (SSLError, ValueError):
            raise ValidationError("Paste PEM certificates (-----BEGIN CERTIFICATE-----).") from None


class FtpFileService(FileService):
    type = "ftp_file"
    label = "FTP File Storage"
    description = "File service supporting a folder of an FTP or FTPS server."
    config_schema = FtpConfigSchema
    storage_name = "FTP storage"

    def make_storage(self) -> Storage:
        config = self.config
        settings = ftp_connection.Settings(
            host=str(config.get("host") or ""),
            port=int(config.get("port") or 21),
            username=str(config.get("username") or ""),
            password=config.get("password") or None,
            tls=bool(config.get("ssl")),
            passive=config.get("passive") is not False,
            certificate=config.get("ssl_certificate") or None,
            timeout=float(config.get("timeout") or current_app.config["FILE_REMOTE_TIMEOUT"]),
        )
        root = str(config.get("container") or "").rstrip("/") or "/"
        return RemoteTreeStorage(FtpTree(ftp_connection.pool_for(settings), root))

"""The service types that ship with the product, registered like plug-ins (the app
factory calls ``register_all``; the registry itself is ``app.services``)."""

from __future__ import annotations

from app.services import register
from app.services.email import LocalEmailService, SmtpService
from app.services.files import LocalFileService
from app.services.files.aws import S3FileService
from app.services.files.azure import AzureBlobFileService
from app.services.files.ftp import FtpFileService
from app.services.files.sftp import SftpFileService
from app.services.files.webdav import WebdavFileService
from app.services.rws import RemoteWebService
from app.services.sql import MysqlService, PgsqlService, SqliteService
from app.services.system import (  # noqa: F401 - each module registers its resources
    SystemService,
    applications,
    cache_flush,
    cors,
    custom,
    email_templates,
    environment,
    event_map,
    explain,
    instance_config,
    limits,
    lookups,
    password,
    profile,
    roles,
    scheduler,
    service_types,
    services,
    session,
    users,
)
from app.services.user import UserService


def register_all() -> None:
    """Register the built-in service types (idempotent: the registry is per process)."""
    for cls in (
        SystemService,
        LocalFileService,
        S3FileService,
        SftpFileService,
        AzureBlobFileService,
        FtpFileService,
        WebdavFileService,
        SqliteService,
        PgsqlService,
        MysqlService,
        UserService,
        SmtpService,
        LocalEmailService,
        RemoteWebService,
    ):
        register(cls)

"""The service types that ship with the product, registered like plug-ins."""

from __future__ import annotations

from app.services import register


def register_all() -> None:
    from app.services.email import LocalEmailService, SmtpService
    from app.services.files import LocalFileService
    from app.services.rws import RemoteWebService
    from app.services.sql import MysqlService, PgsqlService, SqliteService
    from app.services.system import SystemService, load_resources
    from app.services.user import UserService

    load_resources()
    for cls in (
        SystemService,
        LocalFileService,
        SqliteService,
        PgsqlService,
        MysqlService,
        UserService,
        SmtpService,
        LocalEmailService,
        RemoteWebService,
    ):
        register(cls)

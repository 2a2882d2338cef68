"""Configuration classes; environment variables prefixed ``DF_`` override them.

``create_app`` reads ``Config`` first, then every ``DF_*`` variable (through
``Flask.config.from_prefixed_env``, so ``DF_JWT_TTL=60`` sets ``JWT_TTL`` to the
integer 60), then a mapping passed by tests. Nothing here is read at import.
"""

from __future__ import annotations

import os


class Config:
    """Defaults for a single-machine install on the embedded SQLite store."""

    INSTANCE_PATH: str | None = None
    """Folder for the SQLite store and the generated JWT secret; None → ``instance/``."""

    SYSTEM_DATABASE_URL: str | None = None
    """SQLAlchemy URL of the system store; None → ``instance/df.sqlite``."""

    STORAGE_PATH: str | None = None
    """Root of local file containers and SQLite service databases; None → ``storage/``."""

    REDIS_URL: str | None = None
    """Redis for queues, shared counters and cache stamps; optional."""

    JWT_SECRET: str | None = None
    """HS256 secret for session tokens; setup writes one to the instance folder."""

    JWT_TTL = 1440
    """Minutes a session token lives."""

    JWT_REFRESH_TTL = 20160
    """Minutes after issue during which a token can still be refreshed."""

    ALLOW_FOREVER_SESSIONS = False
    API_ROUTE_PREFIX = "api"
    STATUS_ROUTE_PREFIX = "status"
    API_VERSION = "2.0"
    DB_MAX_RECORDS_RETURNED = 100000
    """Hard cap for ``limit`` on any list."""

    ALWAYS_WRAP_RESOURCES = True
    RESOURCE_WRAPPER = "resource"
    XML_ROOT = "dfapi"
    LOGIN_ATTRIBUTE = "email"
    PASSWORD_MIN_LENGTH = 16
    PROXY_FIX_HOPS = 1
    """Reverse proxies (nginx) in front of gunicorn whose X-Forwarded-* headers we trust."""

    MAX_CONTENT_LENGTH = 100 * 1024 * 1024
    """Bytes; bigger request bodies get a 413 (file uploads stream separately)."""

    DEBUG = False
    MAINTENANCE = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    JSON_SORT_KEYS = False


class TestConfig(Config):
    TESTING = True
    JWT_SECRET = "test-secret-not-for-production-use-0123456789"  # noqa: S105


def instance_default(app_instance_path: str) -> str:
    return "sqlite:///" + os.path.join(app_instance_path, "df.sqlite")

"""The application factory: config, extensions, subsystems, blueprints — in that order."""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Config, instance_default

logger = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_prefixed_env("DF")
    if config:
        app.config.update(config)
    _derive_settings(app)

    from app import cache, cli, errors, extensions, services
    from app.access import init_app as init_access
    from app.blueprints import register_blueprints

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=_migrations_dir())
    cache.install_listeners()
    errors.register_error_handlers(app)
    services.init_app(app)
    init_access(app)
    register_blueprints(app)
    cli.init_app(app)
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app,
        x_for=app.config["PROXY_FIX_HOPS"],
        x_proto=app.config["PROXY_FIX_HOPS"],
        x_host=app.config["PROXY_FIX_HOPS"],
        x_port=app.config["PROXY_FIX_HOPS"],
        x_prefix=app.config["PROXY_FIX_HOPS"],
    )
    return app


def _migrations_dir() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def _derive_settings(app: Flask) -> None:
    """Fill in settings that depend on others (paths, the store URL, the JWT secret)."""
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SYSTEM_DATABASE_URL"):
        app.config["SYSTEM_DATABASE_URL"] = instance_default(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SYSTEM_DATABASE_URL"]
    if not app.config.get("STORAGE_PATH"):
        app.config["STORAGE_PATH"] = os.path.join(os.getcwd(), "storage")
    app.config["STORAGE_PATH"] = os.path.abspath(app.config["STORAGE_PATH"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": 30})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("JWT_SECRET"):
        app.config["JWT_SECRET"] = _instance_secret(app)


def _instance_secret(app: Flask) -> str:
    """The JWT secret for the embedded default, kept in ``instance/jwt_secret``.

    On a shared store (PostgreSQL, MariaDB: several app servers) every server
    must sign with the same secret, so it must come from ``DF_JWT_SECRET``; a
    missing one stops the server from starting unless ``DF_DEBUG`` is on.
    """
    path = os.path.join(app.instance_path, "jwt_secret")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if not embedded and not (app.config.get("DEBUG") or app.config.get("TESTING")):
        raise RuntimeError(
            "DF_JWT_SECRET is not set. Every app server sharing this system store must sign "
            "sessions with the same secret: set DF_JWT_SECRET (e.g. `openssl rand -hex 32`)."
        )
    secret = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first: use theirs
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    logger.info("generated a JWT secret in %s", path)
    return secret

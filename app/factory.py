"""The application factory: config, extensions, subsystems, blueprints, in that order."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from typing import Any

from flask import Flask

from app import cache, dispatch, enqueue, errors, extensions, read_retry, reason_phrases
from app.access import init_app as init_access
from app.blueprints import register_blueprints
from app.blueprints.api_request import ApiRequest
from app.config import Config, instance_default
from app.proxies import TrustedProxyFix
from app.services import builtin

logger = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32
"""Characters below which a configured JWT secret is reported as weak (HS256 wants 32 bytes)."""


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask("app", instance_path=_instance_path(config), instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_prefixed_env("DF")
    if config:
        app.config.update(config)
    _derive_settings(app)

    app.request_class = ApiRequest
    extensions.db.init_app(app)
    extensions.tune_system_engine(app)
    extensions.release_sessions_safely(app)
    extensions.migrate.init_app(app, extensions.db, directory=_migrations_dir())
    cache.install_listeners()
    errors.register_error_handlers(app)
    builtin.register_all()
    dispatch.init_app(app)
    enqueue.init_app(app)
    init_access(app)
    register_blueprints(app)
    app.wsgi_app = read_retry.RetryReads(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = reason_phrases.StandardReasons(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = _behind_proxies(app)  # type: ignore[method-assign]
    return app


def _behind_proxies(app: Flask):
    """The app's WSGI callable, believing ``X-Forwarded-*`` only from trusted peers."""
    try:
        return TrustedProxyFix(
            app.wsgi_app, app.config["FORWARDED_ALLOW_IPS"], app.config["PROXY_FIX_HOPS"]
        )
    except ValueError as exc:
        raise RuntimeError(f"DF_FORWARDED_ALLOW_IPS: {exc}") from None


def _instance_path(config: dict[str, Any] | None) -> str | None:
    """The instance folder: ``INSTANCE_PATH`` of the mapping, else ``DF_INSTANCE_PATH``.

    Read before the app exists because Flask fixes its instance folder at
    construction; None keeps Flask's default (``instance/`` next to the package).
    """
    path = (config or {}).get("INSTANCE_PATH") or os.environ.get("DF_INSTANCE_PATH")
    return os.path.abspath(path) if path else None


def _migrations_dir() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def _derive_settings(app: Flask) -> None:
    """Fill in settings that depend on others (paths, the store URL, the JWT secret)."""
    _private_folder(app.instance_path)
    app.config["INSTANCE_PATH"] = app.instance_path
    if not app.config.get("SYSTEM_DATABASE_URL"):
        app.config["SYSTEM_DATABASE_URL"] = instance_default(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SYSTEM_DATABASE_URL"]
    if not app.config.get("STORAGE_PATH"):
        app.config["STORAGE_PATH"] = os.path.join(os.getcwd(), "storage")
    app.config["STORAGE_PATH"] = os.path.abspath(app.config["STORAGE_PATH"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # pysqlite begins a transaction only before a write statement: IMMEDIATE makes that
        # BEGIN take the write lock, waiting up to the timeout (``app.sqlite_locking``)
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", float(app.config["SQLITE_BUSY_TIMEOUT"]))
        connect_args.setdefault("isolation_level", "IMMEDIATE")
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("JWT_SECRET"):
        app.config["JWT_SECRET"] = _instance_secret(app)
    # from_prefixed_env parses values as JSON: an all-digit secret would arrive as an int
    app.config["JWT_SECRET"] = str(app.config["JWT_SECRET"])
    if len(app.config["JWT_SECRET"]) < MIN_SECRET_LENGTH:
        logger.warning(
            "DF_JWT_SECRET is shorter than %d characters; use e.g. `openssl rand -hex 32`",
            MIN_SECRET_LENGTH,
        )


def _private_folder(path: str) -> None:
    """Create ``path`` readable by this user only (the instance holds the store and secrets;
    script workers run as another user and must not read them)."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.stat(path).st_mode & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError:
            logger.warning("could not make %s private (mode 0700)", path)


def _instance_secret(app: Flask) -> str:
    """The JWT secret for the embedded default, kept in ``<instance>/jwt_secret`` (mode 0600).

    On a shared store (PostgreSQL, MariaDB: several app servers) every server
    must sign with the same secret, so it must come from ``DF_JWT_SECRET``; a
    missing one stops the server from starting unless ``DF_DEBUG`` or
    ``TESTING`` is on. The file is created atomically (written aside, then
    linked into place), so concurrent workers agree on one secret.
    """
    embedded = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if not embedded and not (app.config.get("DEBUG") or app.config.get("TESTING")):
        raise RuntimeError(
            "DF_JWT_SECRET is not set. Every app server sharing this system store must sign "
            "sessions with the same secret: set DF_JWT_SECRET (e.g. `openssl rand -hex 32`)."
        )
    path = os.path.join(app.instance_path, "jwt_secret")
    if os.path.exists(path):
        return _read_secret(path)
    fd, scratch = tempfile.mkstemp(prefix=".jwt_secret.", dir=app.instance_path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32))
        os.chmod(scratch, 0o600)
        try:
            os.link(scratch, path)
        except FileExistsError:  # another worker linked theirs first: use it
            pass
        else:
            logger.info("generated a JWT secret in %s", path)
    finally:
        os.unlink(scratch)
    return _read_secret(path)


def _read_secret(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        secret = handle.read().strip()
    if not secret:
        raise RuntimeError(f"{path} is empty: delete it to generate a new JWT secret")
    return secret

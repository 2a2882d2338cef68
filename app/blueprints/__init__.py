"""Blueprint registration: the REST controller under the API prefix, splash at the root,
the public storage route under its own prefix (root by default)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.blueprints import console, docs, mcp, rest, splash, storage

if TYPE_CHECKING:
    from flask import Flask


def register_blueprints(app: Flask) -> None:
    prefix = "/" + app.config["API_ROUTE_PREFIX"].strip("/")
    app.register_blueprint(rest.bp, url_prefix=prefix)
    app.register_blueprint(splash.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(mcp.bp)
    app.register_blueprint(
        storage.bp, url_prefix=storage.url_prefix(app.config["STORAGE_ROUTE_PREFIX"])
    )

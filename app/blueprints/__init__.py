"""Blueprint registration: the REST controller under the API prefix, splash at the root."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def register_blueprints(app: Flask) -> None:
    from app.blueprints import docs, rest, splash

    prefix = "/" + app.config["API_ROUTE_PREFIX"].strip("/")
    app.register_blueprint(rest.bp, url_prefix=prefix)
    app.register_blueprint(splash.bp)
    app.register_blueprint(docs.bp)

"""The interactive API docs page (Swagger UI) at ``/docs``, with its assets served from here.

The page asks for an API key and/or a session token (or logs in for one),
lists the services the caller can see from ``GET api_docs``, and shows each
service's live document (``api_docs/{service}``) with "Try it out" calling
this same origin with those credentials. Swagger UI's files come from the
``swagger-ui-py`` package, served by us: no CDN. The seeded ``api_docs``
app's launch path (``/api_docs/``) leads here.
"""

from __future__ import annotations

import importlib.util
import os

from flask import Blueprint, abort, current_app, redirect, render_template, send_from_directory

bp = Blueprint("docs", __name__)

ASSETS = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-16x16.png",
        "favicon-32x32.png",
    }
)
"""Files of the Swagger UI distribution the page uses (nothing else is served)."""

ASSET_MAX_AGE = 86400
"""Seconds browsers may keep an asset (they change only with the package version)."""


def assets_folder() -> str:
    """The ``static`` folder of the installed ``swagger_ui`` package (found, not imported)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], "static")


@bp.get("/docs")
def page():
    prefix = current_app.config.get("API_ROUTE_PREFIX", "api").strip("/")
    return render_template("docs.html", api_base=f"/{prefix}/v2" if prefix else "/v2")


@bp.get("/docs/assets/<name>")
def asset(name: str):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(assets_folder(), name, max_age=ASSET_MAX_AGE)


@bp.get("/api_docs/")
def launch():
    """Where the seeded ``api_docs`` app launches (its path is ``api_docs/``)."""
    return redirect("/docs")

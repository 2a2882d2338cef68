"""The admin console at ``/admin/`` (and the file manager at ``/file_manager/``).

The console is a pure client of the REST API: one HTML page
(``templates/console.html``) loading browser-native ES modules and one
stylesheet from ``app/console/``, served from here; no build step, nothing
fetched from elsewhere. The page carries the API's base path and the API key
of the seeded ``admin`` app (public by design: DreamFactory's console ships it
in its source), so every call the console makes goes through the same access
checks, events and limits as any other client's. The session token lives in
the browser's ``sessionStorage``: no cookie, so no CSRF surface.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, redirect, render_template, send_from_directory

from app.extensions import db
from app.models import App

bp = Blueprint("console", __name__)

ASSETS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "console")
"""The console's modules and stylesheet (``app/console``)."""

CONSOLE_APP = "admin"
"""The seeded app whose key the console sends, as DreamFactory's console does."""

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
"""Only this origin's code runs, and the console is never framed."""


@bp.after_request
def secure(response):
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


@bp.get("/admin")
def bare():
    return redirect("/admin/")


@bp.get("/admin/")
def page():
    return _page("home")


@bp.get("/file_manager/")
def file_manager():
    """The file manager is the console's Files screen, opened at once."""
    return _page("files")


@bp.get("/admin/assets/<path:name>")
def asset(name: str):
    """A module or the stylesheet; browsers revalidate (ETag), so a new version shows at once."""
    if not name.endswith((".js", ".css", ".svg")):
        abort(404)
    return send_from_directory(ASSETS, name, max_age=0)


def _page(start: str):
    prefix = current_app.config.get("API_ROUTE_PREFIX", "api").strip("/")
    api_key = db.session.scalar(
        sa.select(App.api_key).where(App.name == CONSOLE_APP, App.is_active.is_(True))
    )
    return render_template(
        "console.html",
        api_base=f"/{prefix}/v2" if prefix else "/v2",
        api_key=api_key or "",
        start=start,
    )

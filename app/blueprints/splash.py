"""The splash controller: first-run setup, the launchpad and ``/status``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, request, url_for

from app import seed
from app.access import authn
from app.extensions import db
from app.models import App, Role, Service, User
from app.responses import render
from app.services.system.environment import visible_apps
from app.setup_lock import SetupLockTimeout, setup_lock
from app.version import __version__
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import ApiError, ServiceUnavailable, ValidationFailed

bp = Blueprint("splash", __name__)

FORM_LOCK_TIMEOUT = 30
"""Seconds the ``/setup`` form waits for a running ``flask setup`` before answering 503."""


@bp.get("/")
def index():
    if not seed.has_admin():
        return redirect(url_for("splash.setup"))
    return launchpad()


def launchpad():
    actor = None
    try:
        creds = authn.read_credentials(request, "")
        actor = authn.resolve_actor(creds, "GET", "")
    except ApiError:
        actor = None
    apps = visible_apps(ServiceRequest(method="GET", service="", actor=actor))
    return render_template("launchpad.html", apps=apps, signed_in=actor is not None and actor.user)


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    if seed.has_admin():
        return redirect(url_for("splash.index"))
    errors: dict[str, list[str]] = {}
    form = request.form
    if request.method == "POST":
        if form.get("password") != form.get("password_confirmation"):
            errors["password_confirmation"] = ["The passwords do not match."]
        else:
            try:
                _first_admin(form)
            except ValidationFailed as exc:
                errors = exc.context
            else:
                return redirect(url_for("splash.index"))
    status = 422 if errors else 200
    return render_template("setup.html", errors=errors, form=form), status


def _first_admin(form) -> None:
    """Create the first admin under the store's setup lock, unless a concurrent setup (the
    command, or this form in another tab) made one while the form was being filled in."""
    db.session.rollback()  # hold no transaction while waiting: a migration may need its tables
    try:
        with setup_lock(db.engine, FORM_LOCK_TIMEOUT):
            if seed.has_admin():
                return
            seed.create_admin(
                form.get("email", ""),
                form.get("password", ""),
                form.get("first_name", ""),
                form.get("last_name", ""),
                phone=form.get("phone") or None,
            )
    except SetupLockTimeout:
        raise ServiceUnavailable("A setup of this instance is running; try again soon.") from None


def status():
    """``GET /status``: instance facts for monitoring (no credentials needed)."""
    counts = {}
    for name, query in (
        ("app", sa.select(sa.func.count()).select_from(App)),
        ("admin", sa.select(sa.func.count()).select_from(User).where(User.is_sys_admin.is_(True))),
        ("user", sa.select(sa.func.count()).select_from(User).where(User.is_sys_admin.is_(False))),
        ("service", sa.select(sa.func.count()).select_from(Service)),
        ("role", sa.select(sa.func.count()).select_from(Role)),
    ):
        counts[name] = db.session.scalar(query)
    last_login = db.session.scalar(
        sa.select(sa.func.max(User.last_login_date)).where(User.is_sys_admin.is_(True))
    )
    return render(
        {
            "uri": request.base_url,
            "managed": False,
            "dist": "",
            "demo": False,
            "version": __version__,
            "license": "OPEN SOURCE",
            "host_os": "Linux",
            "last_admin_login": last_login.strftime("%Y-%m-%d %H:%M:%S") if last_login else None,
            "resources": counts,
        }
    )


@bp.record_once
def _add_status_route(state) -> None:
    prefix = state.app.config.get("STATUS_ROUTE_PREFIX", "status").strip("/")
    state.app.add_url_rule(f"/{prefix}", "status", status, methods=["GET"])

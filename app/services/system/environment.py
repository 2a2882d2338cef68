"""``system/environment``: what a client needs to know before logging in (read-only)."""

from __future__ import annotations

import platform
import socket
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask import request as http_request

from app import enqueue, system_cache
from app.extensions import db
from app.models import App, SystemConfig
from app.services.base import Resource
from app.services.system import resource
from app.services.system.applications import launch_url
from app.version import __version__
from app.vocabulary.calls import ServiceRequest


def authentication_info() -> dict[str, Any]:
    login = current_app.config.get("LOGIN_ATTRIBUTE", "email")
    payload = {login: "string", "password": "string", "remember_me": "bool"}
    user_service = next((s for s in system_cache.all_services() if s.type == "user"), None)
    config = user_service.config if user_service else {}
    return {
        "admin": {"path": "system/admin/session", "verb": "POST", "payload": payload},
        "user": {"path": "user/session", "verb": "POST", "payload": payload},
        "oauth": [],
        "adldap": [],
        "saml": [],
        "allow_open_registration": bool(config.get("allow_open_registration")),
        "open_reg_email_service_id": config.get("open_reg_email_service_id"),
        "allow_forever_sessions": bool(current_app.config.get("ALLOW_FOREVER_SESSIONS")),
        "login_attribute": login,
    }


def visible_apps(request: ServiceRequest) -> list[dict[str, Any]]:
    """Active launchable apps: all for admins, else those with a role for the caller."""
    actor = request.actor
    default_app_id = db.session.scalar(
        sa.select(SystemConfig.default_app_id).order_by(SystemConfig.id).limit(1)
    )
    rows = db.session.scalars(
        sa.select(App).where(App.is_active.is_(True), App.type != 0).order_by(App.id)
    ).all()
    apps = []
    for row in rows:
        if actor is None or not actor.is_sys_admin:
            user_role = (
                system_cache.get_user_app_role(actor.user.id, row.id)
                if actor is not None and actor.user is not None
                else None
            )
            if not (row.role_id or user_role):
                continue
        apps.append(
            {
                "id": row.id,
                "name": row.name,
                "description": row.description,
                "url": launch_url(row),
                "is_default": row.id == default_app_id,
                "allow_fullscreen_toggle": row.allow_fullscreen_toggle,
                "requires_fullscreen": row.requires_fullscreen,
                "toggle_location": row.toggle_location,
            }
        )
    return apps


@resource
class EnvironmentResource(Resource):
    name = "environment"
    label = "Environment"
    description = "Instance environment: authentication options, apps, platform."
    singleton = True
    read_only = True

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "authentication": authentication_info(),
            "apps": visible_apps(request),
        }
        actor = request.actor
        if actor is not None and (actor.is_authenticated or actor.role is not None):
            body["platform"] = {
                "version": __version__,
                "bitnami_demo": False,
                "is_hosted": False,
                "is_trial": False,
                "license": "OPEN SOURCE",
                "secured_package_export": True,
                "license_key": None,
                "install_type": None,
            }
            uname = platform.uname()
            body["server"] = {
                "server_os": uname.system.lower(),
                "release": uname.release,
                "version": uname.version,
                "host": socket.gethostname(),
                "machine": uname.machine,
            }
            if has_request_context():
                body["client"] = {
                    "user_agent": http_request.headers.get("User-Agent"),
                    "ip_address": http_request.remote_addr,
                    "locale": "en",
                }
            body["queue"] = enqueue.status()
        return body

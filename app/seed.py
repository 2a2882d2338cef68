"""Default services, apps and settings of a new instance; applying them twice changes nothing.

E-mail is seeded as DreamFactory seeds it: the ``email`` service (``local_email`` handing mail
to the machine's ``sendmail``), one template per account flow (the built-in messages, named as
DreamFactory names them, to edit at will) and the ``user`` service's links to them. Like every
default, a deleted service or template comes back at the next setup. The links are filled
only where empty, and only when the ``email`` or the ``user`` service is created in the same
run: a new instance gets every link, an upgraded one the invitation and password-reset links,
never the registration one (which would start asking new registrants to confirm by e-mail).
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from flask import current_app
from marshmallow import EXCLUDE, ValidationError

from app.access import passwords
from app.extensions import db
from app.models import App, CacheStamp, EmailTemplate, Service, SystemConfig, User, utcnow
from app.schemas.user import UserSchema
from app.services import mailer
from app.services.sql.sample import create_sample
from app.vocabulary.errors import ValidationFailed

DEFAULT_SERVICES: list[dict[str, Any]] = [
    {
        "name": "system",
        "label": "System Management",
        "type": "system",
        "description": "Service for managing system resources.",
        "mutable": False,
        "deletable": False,
        "config": {},
    },
    {
        "name": "api_docs",
        "label": "Live API Docs",
        "type": "swagger",
        "description": "API documenting and testing service.",
        "deletable": False,
        "config": {},
    },
    {
        "name": "files",
        "label": "Local File Storage",
        "type": "local_file",
        "description": "Service for accessing local file storage.",
        "config": {"container": "app", "public_path": []},
    },
    {
        "name": "logs",
        "label": "Local Log Storage",
        "type": "local_file",
        "description": "Service for accessing local log storage.",
        "config": {"container": "logs", "public_path": []},
    },
    {
        "name": "db",
        "label": "Local SQL Database",
        "type": "sqlite",
        "description": "Service for accessing local SQLite database.",
        "config": {"database": "db.sqlite"},
    },
    {
        "name": "user",
        "label": "User Management",
        "type": "user",
        "description": "Service for managing system users.",
        "deletable": False,
        "config": {"allow_open_registration": False},
    },
    {
        "name": "email",
        "label": "Local Email Service",
        "type": "local_email",
        "description": "Sends user invitations, password resets and registration confirmations.",
        "config": {"transport": "sendmail"},
    },
]
"""Last is ``email``, after ``user`` (DreamFactory seeds it before): existing ids stay."""

DEFAULT_TEMPLATES: dict[str, tuple[str, mailer.Flow]] = {
    "invite": ("User Invite Default", mailer.INVITE),
    "password": ("Password Reset Default", mailer.PASSWORD),
    "open_reg": ("User Registration Default", mailer.REGISTER),
}
"""Per prefix of the ``user`` service's ``<prefix>_email_*`` keys: a template and its flow."""

DEFAULT_APPS: list[dict[str, Any]] = [
    {
        "name": "admin",
        "api_key": "6498a8ad1beb9d84d63035c5d1120c007fad6de706734db9689f8996707e0f7d",
        "description": "An application for administering this instance.",
        "type": 3,
        "path": "admin/",
    },
    {
        "name": "api_docs",
        "api_key": "36fda24fe5588fa4285ac6c6c2fdfbdb6b6bc9834699774c9bf777f706d05a88",
        "description": "View and try the API documentation.",
        "type": 3,
        "path": "api_docs/",
    },
    {
        "name": "file_manager",
        "api_key": "b5cb82af7b5d4130f36149f90aa2746782e59a872ac70454ac188743cb55b0ba",
        "description": "An application for managing file services.",
        "type": 3,
        "path": "file_manager/",
    },
]
"""DreamFactory's seeded apps, with its well-known keys so existing clients work."""

STAMP_KEYS = (
    "all",
    "service",
    "app",
    "role",
    "role_service_access",
    "user",
    "user_to_app_to_role",
    "lookup",
    "cors_config",
    "limits",
    "event_script",
    "system_config",
    "system_custom",
)


def seed() -> list[str]:
    """Insert what is missing; returns what was added."""
    added: list[str] = []
    existing = set(db.session.scalars(sa.select(Service.name)).all())
    created: dict[str, Service] = {}
    for item in DEFAULT_SERVICES:
        if item["name"] not in existing:
            created[item["name"]] = Service(**item)
            db.session.add(created[item["name"]])
            added.append(f"service {item['name']}")
    added += _seed_templates()
    apps = set(db.session.scalars(sa.select(App.name)).all())
    for item in DEFAULT_APPS:
        if item["name"] not in apps:
            db.session.add(App(**item))
            added.append(f"app {item['name']}")
    if db.session.scalar(sa.select(SystemConfig.id)) is None:
        db.session.add(SystemConfig())
    stamps = set(db.session.scalars(sa.select(CacheStamp.key)).all())
    for key in STAMP_KEYS:
        if key not in stamps:
            db.session.add(CacheStamp(key=key, version=0))
    _link_email(created)
    db.session.commit()
    return added + seed_storage()


def seed_storage() -> list[str]:
    """The storage path's folders of the seeded file services, and the sample database of
    the seeded ``db`` service, where missing; returns what was added."""
    storage = current_app.config["STORAGE_PATH"]
    os.makedirs(storage, mode=0o700, exist_ok=True)
    for folder in ("app", "logs", "databases"):
        os.makedirs(os.path.join(storage, folder), exist_ok=True)
    if create_sample(os.path.join(storage, "databases", "db.sqlite")):
        return ["sample database db.sqlite"]
    return []


def _seed_templates() -> list[str]:
    names = set(db.session.scalars(sa.select(EmailTemplate.name)).all())
    added = []
    for name, flow in DEFAULT_TEMPLATES.values():
        if name not in names:
            db.session.add(
                EmailTemplate(
                    name=name,
                    description=f"Sent for {flow.purpose}.",
                    subject=flow.subject,
                    body_html=flow.body_html,
                )
            )
            added.append(f"email template {name}")
    return added


def _link_email(created: dict[str, Service]) -> None:
    """Point the ``user`` service's empty e-mail links at the seeded service and templates."""
    if "email" not in created and "user" not in created:
        return
    db.session.flush()
    email = db.session.scalar(sa.select(Service).where(Service.name == "email"))
    user = db.session.scalar(sa.select(Service).where(Service.name == "user"))
    if email is None or user is None:
        return
    config = dict(user.config or {})
    for prefix, (name, _flow) in DEFAULT_TEMPLATES.items():
        if prefix == "open_reg" and "user" not in created:
            continue
        template_id = db.session.scalar(
            sa.select(EmailTemplate.id).where(EmailTemplate.name == name)
        )
        if not config.get(f"{prefix}_email_service_id"):
            config[f"{prefix}_email_service_id"] = email.id
            if not config.get(f"{prefix}_email_template_id"):
                config[f"{prefix}_email_template_id"] = template_id
    user.config = config


def has_admin() -> bool:
    return (
        db.session.scalar(sa.select(User.id).where(User.is_sys_admin.is_(True)).limit(1))
        is not None
    )


def user_exists(email: str) -> bool:
    return (
        db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email.lower()))
        is not None
    )


def create_admin(
    email: str, password: str, first_name: str = "", last_name: str = "", **extra: Any
) -> User:
    """The first (or another) admin; raises ``ValidationFailed`` for bad input."""
    data = {
        "email": email,
        "password": password,
        "first_name": first_name or None,
        "last_name": last_name or None,
        **extra,
    }
    try:
        clean = UserSchema(unknown=EXCLUDE).load(data)
    except ValidationError as exc:
        raise ValidationFailed({k: [str(m) for m in v] for k, v in exc.messages.items()}) from None
    if user_exists(email):
        raise ValidationFailed({"email": ["The email has already been taken."]})
    name = (
        f"{clean.get('first_name') or ''} {clean.get('last_name') or ''}".strip()
        or email.split("@")[0]
    )
    user = User(
        email=clean["email"],
        password=passwords.hash_password(clean["password"]),
        first_name=clean.get("first_name"),
        last_name=clean.get("last_name"),
        name=clean.get("name") or name,
        phone=clean.get("phone"),
        username=clean.get("username"),
        is_sys_admin=True,
        is_active=True,
        created_date=utcnow(),
    )
    db.session.add(user)
    db.session.commit()
    return user

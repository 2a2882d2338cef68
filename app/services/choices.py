"""What a config picklist offers: the records of this instance a config field may name.

A ``picklist`` entry of a type's ``config_schema`` carries its ``values`` as
DreamFactory sends them, ``{"name": <id>, "label": <text>}`` in id order; an
optional field's list starts with a blank choice (``name`` null), as
DreamFactory's does. A field names its choices in its metadata (``values``:
one of these functions), and they are read when the type is described, so they
are always those of the moment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from marshmallow import fields

from app.extensions import db
from app.models import App, EmailTemplate, Role, Service
from app.schemas.common import ref
from app.services import SERVICE_TYPES

BLANK: dict[str, Any] = {"name": None, "label": ""}
"""The choice of nothing, first in an optional field's list."""


def picklist(values: Callable[[], list[dict[str, Any]]], **metadata: Any) -> fields.Integer:
    """A nullable id field described as a picklist of ``values`` (one of the functions below)."""
    return ref(metadata={"type": "picklist", "values": values, **metadata})


def _choices(query: sa.Select, blank: bool) -> list[dict[str, Any]]:
    rows = db.session.execute(query).all()
    return ([dict(BLANK)] if blank else []) + [{"name": i, "label": t or ""} for i, t in rows]


def active_roles(blank: bool = True) -> list[dict[str, Any]]:
    query = sa.select(Role.id, Role.name).where(Role.is_active.is_(True)).order_by(Role.id)
    return _choices(query, blank)


def active_apps(blank: bool = True) -> list[dict[str, Any]]:
    query = sa.select(App.id, App.name).where(App.is_active.is_(True)).order_by(App.id)
    return _choices(query, blank)


def email_services(blank: bool = True) -> list[dict[str, Any]]:
    """Services of the ``Email`` group (DreamFactory lists them by label)."""
    types = [name for name, cls in SERVICE_TYPES.items() if cls.group == "Email"]
    label = sa.func.coalesce(Service.label, Service.name)
    query = sa.select(Service.id, label).where(Service.type.in_(types)).order_by(Service.id)
    return _choices(query, blank)


def email_templates(blank: bool = True) -> list[dict[str, Any]]:
    query = sa.select(EmailTemplate.id, EmailTemplate.name).order_by(EmailTemplate.id)
    return _choices(query, blank)

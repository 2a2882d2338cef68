"""``user/custom``: the calling user's own name/value settings.

The same records, shapes and options as ``system/custom`` (addressed by name,
any JSON value stored as JSON text), but in the ``user_custom`` table and
scoped to the user of the session: every read and write sees only that user's
rows, a new row belongs to that user, and the same name may be used by
different users. Without a user (no session, or only an API key) every verb
is a 401. An update never renames a setting: the name in the path or record
is the one changed (DreamFactory's ``UserCustom::updateInternal``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.access.sessions import NO_SESSION
from app.extensions import db
from app.models import Record, UserCustom
from app.services.system.custom import CustomResource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, Unauthorized


class UserCustomResource(CustomResource):
    name = "custom"
    label = "Custom"
    description = "The logged-in user's custom settings."
    model = UserCustom
    hidden_fields = frozenset({"id", "user_id"})

    user_id: int

    def handle(self, request: ServiceRequest, rest: list[str]) -> Any:
        actor = request.actor
        if actor is None or actor.user is None:
            raise Unauthorized(NO_SESSION)
        self.user_id = actor.user.id
        return super().handle(request, rest)

    def scope(self, query: sa.Select) -> sa.Select:
        return query.where(UserCustom.user_id == self.user_id)

    def validate(self, data: Any, creating: bool) -> dict[str, Any]:
        clean = super().validate(data, creating)
        if not creating:
            clean.pop("name", None)
        return clean

    def check_unique(self, record: Record, data: dict[str, Any]) -> None:
        """One setting per name and user (names compared case-insensitively, as on MariaDB)."""
        name = data.get("name")
        if name is None:
            return
        query = sa.select(UserCustom.id).where(
            UserCustom.user_id == self.user_id,
            sa.func.lower(UserCustom.name) == name.lower(),
        )
        if record.id is not None:
            query = query.where(UserCustom.id != record.id)
        if db.session.execute(query.limit(1)).first() is not None:
            raise BadRequest(
                f"A custom setting by name {name} already exists. Please use a different name.",
                context={"name": ["The name has already been taken."]},
            )

    def apply(self, record: Record, data: dict[str, Any], creating: bool) -> None:
        if creating:
            record.user_id = self.user_id
        super().apply(record, data, creating)

"""``system/admin/session``: admin login (POST), session (GET), refresh (PUT), logout (DELETE)."""

from __future__ import annotations

from typing import Any

from app.access import sessions
from app.services.base import Resource, unsupported_verb
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import NotFound, Unauthorized


@resource
class AdminSessionResource(Resource):
    name = "admin/session"
    label = "Admin Session"
    description = "Admin login, session refresh and logout."
    singleton = True

    def handle(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            raise unsupported_verb(request, self.service.name)
        return super().handle(request, rest)

    def post(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return sessions.login(request.payload, admin=True, actor=request.actor)

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        actor = request.actor
        if actor is None or actor.user is None:
            raise NotFound("No user session found.")
        if not actor.user.is_sys_admin:
            raise Unauthorized("You are not authorized to perform this action.")
        return sessions.current(actor)

    def put(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return sessions.refresh(request.actor, admin=True)

    def delete(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return sessions.logout(request.actor)

"""``user/session``: non-admin login (POST), session (GET), refresh (PUT), logout (DELETE).

Admins are refused at login and refresh with the same answer as a wrong
password (``sessions.login(..., admin=False)``): they log in at
``system/admin/session``.
"""

from __future__ import annotations

from typing import Any

from app.access import sessions
from app.services.base import Resource, unsupported_verb
from app.vocabulary.calls import ServiceRequest


class SessionResource(Resource):
    name = "session"
    label = "Session"
    description = "User login, session refresh and logout."
    singleton = True

    def handle(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            raise unsupported_verb(request, self.service.name)
        return super().handle(request, rest)

    def post(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return sessions.login(request.payload, admin=False, actor=request.actor)

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return sessions.current(request.actor)

    def put(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return sessions.refresh(request.actor, admin=False)

    def delete(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return sessions.logout(request.actor)

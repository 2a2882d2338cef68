"""``system/admin/profile``: the logged-in admin's own profile."""

from __future__ import annotations

from typing import Any

from app.services import accounts
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest


@resource
class AdminProfileResource(Resource):
    name = "admin/profile"
    label = "Admin Profile"
    description = "The logged-in admin's profile."
    singleton = True

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return accounts.profile(request.actor)

    def post(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return accounts.update_profile(request.actor, request.payload)

    put = patch = post

"""``system/admin/password``: change (old + new) or reset (code or security answer)."""

from __future__ import annotations

from typing import Any

from app.services import accounts
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest


@resource
class AdminPasswordResource(Resource):
    name = "admin/password"
    label = "Admin Password"
    description = "Change or reset an admin's password."
    singleton = True

    def post(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return accounts.password_request(request.payload, request.params, True, request.actor)

    put = patch = post

"""``user/password`` and ``user/profile``: the non-admin side of ``app.services.accounts``.

``password`` (POST, with PUT and PATCH as aliases) changes a password with the
old one, starts a reset (``?reset=true``) or completes one with an e-mailed
``code`` or a ``security_answer``; it refuses admins. A registrant or an
invited user confirms the account the same way: ``email``, ``code`` and
``new_password`` (``?login=true`` answers with a session token).
"""

from __future__ import annotations

from typing import Any

from app.services import accounts
from app.services.base import Resource
from app.vocabulary.calls import ServiceRequest


class PasswordResource(Resource):
    name = "password"
    label = "Password"
    description = "Change or reset a user's password, or confirm a new account."
    singleton = True

    def post(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return accounts.password_request(
            request.payload, request.params, admin=False, actor=request.actor
        )

    put = patch = post


class ProfileResource(Resource):
    name = "profile"
    label = "Profile"
    description = "The logged-in user's profile."
    singleton = True

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return accounts.profile(request.actor)

    def post(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        return accounts.update_profile(request.actor, request.payload)

    put = patch = post

"""The ``user`` service's document: sessions, passwords, profiles, registration and settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.openapi import builder
from app.openapi.accounts import add_account_paths, add_register_path
from app.openapi.records import add_model_paths
from app.services.user import UserService
from app.services.user.custom import UserCustomResource

if TYPE_CHECKING:
    from app.openapi.access import Reach
    from app.openapi.document import Spec


@builder(UserService)
def build_user(service: UserService, spec: Spec, reach: Reach) -> None:
    spec.add_root()
    tag = spec.tag("user", "End-user sessions, passwords, profiles and registration.")
    add_account_paths(spec, "", "user", tag)
    add_register_path(spec, tag)
    add_model_paths(spec, UserCustomResource, spec.tag("custom", UserCustomResource.description))

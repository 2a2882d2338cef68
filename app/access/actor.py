"""Who is calling: the resolved user, app and role of one request or internal call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.system_cache import AppInfo, RoleInfo, UserInfo, user_has_app_roles
from app.vocabulary.calls import Requestor


@dataclass
class Actor:
    """The caller, resolved once per request and stored on ``g.actor``.

    ``role`` is the user's role through the app, else the app's default role.
    A sys admin may do everything unless a per-app role is assigned to them
    (DreamFactory's role-restricted admin).
    """

    user: UserInfo | None = None
    app: AppInfo | None = None
    role: RoleInfo | None = None
    api_key: str | None = None
    session_token: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    requestor: Requestor = Requestor.API

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def is_sys_admin(self) -> bool:
        return bool(
            self.user is not None
            and self.user.is_sys_admin
            and not (self.app is not None and user_has_app_roles(self.user.id))
        )


ANONYMOUS = Actor()

"""Role paths through links: a link is followed only where the caller's role reaches too.

The access pipeline authorizes the path a client names: a role allowing
``shared/*`` may ask for ``shared/link.txt``. A symlink there can lead
anywhere in the container (``private/secret.txt``), so a file service sees
its container through the caller's ``RoleReach``: every time resolving a
path changed it (``Container.locate``), the resolved path must be allowed
for the verb as well (GET to read, POST or PUT to write, PATCH, DELETE), and
listings and folder zips leave out links whose target the role may not read.
This is what a DreamFactory user expects of role paths: a role confines
wherever the files really are, and links within what it allows keep working.
A link itself (removed, replaced) lives where it is named and needs no more.

Sys admins and internal calls without an actor reach every path, as the
pipeline lets them (links leaving the container are refused for everyone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.access import authz

if TYPE_CHECKING:
    from app.access.actor import Actor
    from app.vocabulary.calls import ServiceRequest


@dataclass(frozen=True)
class RoleReach:
    """The paths of one service a caller's role allows, and the verb of their request."""

    actor: Actor
    service: str
    verb: str

    def allows(self, path: str, verb: str) -> bool:
        return authz.can(self.actor, verb, self.service, path)


def reach_of(request: ServiceRequest) -> RoleReach | None:
    """The caller's reach, or None when they may use every path (sys admin, internal call)."""
    actor = request.actor
    if actor is None or actor.is_sys_admin:
        return None
    return RoleReach(actor, request.service, request.method)

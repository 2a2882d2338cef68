"""Which operations of a service a caller may reach, as the access pipeline would decide.

A path of a document carries the role component it is authorized under
(``_table/contacts/{id}``: a path parameter stands for any value, so only
wildcard and service-wide rows reach it, as they would reach every concrete
id). The verbs kept for a path are the caller's role mask on that component,
plus the service type's access exceptions (login, registration...). A sys
admin reaches everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.access.authz import normalize_component, verb_mask
from app.vocabulary import verbs

if TYPE_CHECKING:
    from app.access.actor import Actor


@dataclass(frozen=True)
class Reach:
    """The caller's verb masks over one service's components."""

    actor: Actor | None
    service: str
    exceptions: dict[str, int]

    @property
    def is_admin(self) -> bool:
        return self.actor is None or self.actor.is_sys_admin

    def cache_key(self) -> str:
        """Who this reach is for: the admin, else the role and requestor type."""
        if self.is_admin:
            return "admin"
        actor = self.actor
        assert actor is not None
        role = actor.role.id if actor.role is not None else "none"
        return f"role:{role}:{int(actor.requestor)}"

    def mask(self, component: str) -> int:
        """The verbs (``app.vocabulary.verbs`` bits) the caller may use on ``component``."""
        if self.is_admin:
            return verbs.EVERY_VERB
        assert self.actor is not None
        found = verb_mask(self.actor, self.service, component)
        return found | self.exceptions.get(normalize_component(component).strip("/"), 0)

    def allows(self, verb: str, component: str) -> bool:
        return bool(self.mask(component) & verbs.bit(verb))

    def public(self, verb: str, component: str) -> bool:
        """Whether the call needs no credentials at all (an access exception)."""
        mask = self.exceptions.get(normalize_component(component).strip("/"), 0)
        return bool(mask & verbs.bit(verb))

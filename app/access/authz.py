"""Authorization: may this actor use this verb on this component of this service?

Matching follows DreamFactory's ``Session::getServicePermissions``. For each
role access row that applies to the requestor (API=1, SCRIPT=2 in
``requestor_mask``):

- same service (case-insensitive), non-empty component: the row's component
  equal to it is *exact*; a row ``x/*`` whose prefix matches ``component + "/"``
  is *wildcard* (``_table/*`` covers ``_table``, ``_table/a``, ``_table/a/5``);
  a row ``*`` is *service*;
- same service, empty component: an empty row component is *exact*, ``*`` is
  *service*;
- a row for no service: ``*`` (or both components empty) is *all*.

The verb masks of the most specific class found are OR-ed: exact > wildcard >
service > all. Sys admins get every verb; an inactive role gets none. The
decision (``can``/``verb_mask``, the rows that took it in ``deciding_rows``)
is separate from the enforcement: ``refusal`` picks DreamFactory's error for a
denial, which ``require`` raises and ``access.explain`` reports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from app.vocabulary import verbs
from app.vocabulary.calls import Requestor
from app.vocabulary.errors import ApiError, BadRequest, Forbidden, Unauthorized

if TYPE_CHECKING:
    from app.access.actor import Actor
    from app.system_cache import AccessRow, RoleInfo

EXACT, WILDCARD, SERVICE, ALL = 4, 3, 2, 1

NO_CREDENTIALS = (
    "No session token (JWT) or API Key detected in request. Please send in "
    "X-DreamFactory-Session-Token and/or X-DreamFactory-API-Key request header. "
    "You can also use URL query parameters session_token and/or api_key."
)
NO_API_KEY = (
    "No API Key provided. Please provide a valid API Key using X-DreamFactory-API-Key "
    "request header or 'api_key' url query parameter."
)
NO_TOKEN = (
    "No session token (JWT) provided. Please provide a valid JWT using "  # noqa: S105
    "X-DreamFactory-Session-Token request header or 'session_token' url query parameter."
)
NO_ROLE = "Role not found. A role may not be assigned to you or your application."
ROLE_INACTIVE = (
    "Access Forbidden. The role assigned to you or your application or the default role "
    "of your application is not active."
)
NOT_AUTHENTICATED = "Unauthorized. User is not authenticated."

_PARENS = re.compile(r"\([^)]*\)")


def normalize_component(component: str) -> str:
    """Lower-cased, without a leading ``/`` and without the first ``(...)`` group."""
    return _PARENS.sub("", component.lower(), count=1).lstrip("/")


def _match_class(row_service: str | None, row_component: str, service: str, component: str) -> int:
    row_component = row_component.lower()
    if row_service is not None and row_service.lower() == service:
        if component:
            if row_component == component:
                return EXACT
            star = row_component.find("*")
            if star > 0 and (component + "/")[:star] + "*" == row_component:
                return WILDCARD
            if row_component == "*":
                return SERVICE
            return 0
        if row_component == "":
            return EXACT
        if row_component == "*":
            return SERVICE
        return 0
    if row_service is None and (row_component == "*" or (not row_component and not component)):
        return ALL
    return 0


def deciding_rows(role: RoleInfo, service: str, component: str, requestor: int) -> list[AccessRow]:
    """The matching rows of the most specific class, whose verb masks are OR-ed (none: [])."""
    if not role.is_active:
        return []
    service = service.lower()
    component = normalize_component(component).strip("/")
    best, rows = 0, []
    for row in role.accesses:
        if not (requestor & row.requestor_mask):
            continue
        rank = _match_class(row.service, row.component, service, component)
        if rank > best:
            best, rows = rank, [row]
        elif rank and rank == best:
            rows.append(row)
    return rows


def role_verb_mask(role: RoleInfo, service: str, component: str, requestor: int) -> int:
    """The OR of verb masks of the most specific matching rows (0 when nothing matches)."""
    mask = 0
    for row in deciding_rows(role, service, component, requestor):
        mask |= row.verb_mask
    return mask


def best_access_row(role: RoleInfo, verb: str, service: str, component: str, requestor: int):
    """The most specific row that allows ``verb`` (its filters apply to the call), or None."""
    if not role.is_active:
        return None
    bit = verbs.bit(verb)
    service = service.lower()
    component = normalize_component(component).strip("/")
    best, chosen = 0, None
    for row in role.accesses:
        if row.service is None or not (requestor & row.requestor_mask) or not (row.verb_mask & bit):
            continue
        rank = _match_class(row.service, row.component, service, component)
        if rank > best:
            best, chosen = rank, row
    return chosen


def verb_mask(actor: Actor, service: str, component: str) -> int:
    if actor.is_sys_admin:
        return verbs.SERVICE_VERBS
    if actor.role is None:
        return 0
    return role_verb_mask(actor.role, service, component, int(actor.requestor))


def can(actor: Actor, verb: str, service: str, component: str = "") -> bool:
    return bool(verb_mask(actor, service, component) & verbs.bit(verb))


def is_access_exception(exceptions: Mapping[str, int], verb: str, component: str) -> bool:
    mask = exceptions.get(normalize_component(component).strip("/"), 0)
    return bool(mask & verbs.bit(verb))


def refusal(
    actor: Actor,
    verb: str,
    service: str,
    component: str,
    exceptions: Mapping[str, int] | None = None,
) -> ApiError | None:
    """DreamFactory's error for ``actor``'s ``verb`` on the component; None when allowed."""
    if can(actor, verb, service, component):
        return None
    if exceptions and is_access_exception(exceptions, verb, component):
        return None
    scripted = actor.requestor == Requestor.SCRIPT
    token = actor.session_token or actor.user is not None
    if not actor.api_key and not token and not scripted:
        return BadRequest(NO_CREDENTIALS)
    if actor.role is None and not actor.is_sys_admin:
        if not actor.api_key and not scripted:
            return BadRequest(NO_API_KEY)
        if not token and not scripted:
            return BadRequest(NO_TOKEN)
        return Forbidden(NO_ROLE)
    if actor.role is not None and not actor.role.is_active:
        return Forbidden(ROLE_INACTIVE)
    if actor.user is None and not scripted:
        return Unauthorized(NOT_AUTHENTICATED)
    component = normalize_component(component).strip("/")
    where = (
        f"component '{component}' of service '{service}'" if component else f"service '{service}'"
    )
    return Forbidden(
        f"Access Forbidden. {verb.upper()} access to {where} is not allowed by this user's role."
    )


def require(
    actor: Actor,
    verb: str,
    service: str,
    component: str,
    exceptions: Mapping[str, int] | None = None,
) -> None:
    """Raise DreamFactory's error when ``actor`` may not ``verb`` the component."""
    error = refusal(actor, verb, service, component, exceptions)
    if error is not None:
        raise error


def can_see_service(actor: Actor, service: str) -> bool:
    """Whether a service belongs in the actor's listings (any row of the role reaches it)."""
    if actor.is_sys_admin:
        return True
    role = actor.role
    if role is None or not role.is_active:
        return False
    service = service.lower()
    return any(
        (int(actor.requestor) & row.requestor_mask)
        and row.verb_mask
        and (row.service is None or row.service.lower() == service)
        for row in role.accesses
    )


def can_reach(actor: Actor, verb: str, service: str, prefix: str = "") -> bool:
    """Whether some component of ``service`` under ``prefix`` (``_table/``, ``_proc/``; ``""``
    for any) allows ``verb``: the rows that could decide a call there, for listing what an
    actor may try (a record filter or a more specific row may still refuse one call)."""
    if actor.is_sys_admin:
        return True
    role = actor.role
    if role is None or not role.is_active:
        return False
    service, bit = service.lower(), verbs.bit(verb)
    for row in role.accesses:
        if not (int(actor.requestor) & row.requestor_mask) or not (row.verb_mask & bit):
            continue
        if row.service is not None and row.service.lower() != service:
            continue
        component = normalize_component(row.component or "").strip("/")
        if component == "*" or component.startswith(prefix):
            return True
        if component.endswith("*") and prefix.startswith(component[:-1]):
            return True
    return False

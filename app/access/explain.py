"""Why a call is allowed or denied: the pipeline's own decision, with the row that took it.

``explain(actor, verb, service, component)`` runs the functions the pipeline's
``authorize`` step runs (``authz.refusal`` with the service type's access
exceptions) and reports their answer: allowed or not, the error the call would
get, and the role's access row that decided (``authz.deciding_rows``: the most
specific rows that match, whose verbs are OR-ed). The actor comes from
``actor_for``: a role alone (as a signed-in non-admin user given that role), or
an app and/or user, whose role is found as authentication finds it
(``authn.role_of``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app import system_cache
from app.access import authn, authz, calls
from app.access.actor import Actor
from app.extensions import db
from app.models import App, User
from app.system_cache import AccessRow, RoleInfo, UserInfo
from app.vocabulary import verbs
from app.vocabulary.calls import Requestor
from app.vocabulary.errors import ApiError, NotFound


@dataclass(frozen=True)
class Explanation:
    allowed: bool
    reason: str
    status_code: int | None
    """The status the call is refused with (None when allowed)."""
    access: AccessRow | None
    """The role's access row that decided, if a row did."""


ROLE_HOLDER = UserInfo(
    id=0,
    name="a signed-in user",
    first_name=None,
    last_name=None,
    email="",
    username=None,
    is_active=True,
    is_sys_admin=False,
    last_login_date=None,
    password=None,
)
"""The caller a role is explained for: a signed-in user who is no admin."""


@dataclass(frozen=True)
class Subject:
    """Who a question is about: the actor, or the error their credentials would get."""

    actor: Actor
    refused: ApiError | None = None


def for_role(role: RoleInfo, requestor: Requestor) -> Subject:
    return Subject(Actor(user=ROLE_HOLDER, role=role, requestor=requestor))


def for_app_and_user(app: str | None, user: str | None, requestor: Requestor) -> Subject:
    """The actor calling with ``app``'s key and ``user``'s session (ids, names or e-mails)."""
    app_info = find_app(app) if app else None
    user_info = find_user(user) if user else None
    actor = Actor(
        user=user_info,
        app=app_info,
        api_key=app_info.api_key if app_info else None,
        requestor=requestor,
    )
    try:
        authn.check_app(app_info)
        if user_info is not None:
            authn.check_user(user_info)
    except ApiError as error:
        return Subject(actor, error)
    actor.role = authn.role_of(user_info, app_info)
    return Subject(actor)


def find_app(key: str) -> system_cache.AppInfo:
    where = App.id == int(key) if key.isdigit() else App.name == key
    row = db.session.scalar(sa.select(App.api_key).where(where))
    info = system_cache.get_app_by_key(row) if row is not None else None
    if info is None:
        raise NotFound(f"App '{key}' not found.")
    return info


def find_user(key: str) -> UserInfo:
    where = User.id == int(key) if key.isdigit() else sa.func.lower(User.email) == key.lower()
    user_id = db.session.scalar(sa.select(User.id).where(where))
    info = system_cache.get_user(user_id) if user_id is not None else None
    if info is None:
        raise NotFound(f"User '{key}' not found.")
    return info


def explain(subject: Subject, verb: str, service: str, component: str) -> Explanation:
    """Allowed or not, as the pipeline decides it for this actor, and why."""
    actor = subject.actor
    if subject.refused is not None:
        error = subject.refused
        return Explanation(False, error.message, error.status, None)
    exceptions = calls.access_exceptions(service)
    error = authz.refusal(actor, verb, service, component, exceptions)
    rows = deciding(actor, service, component)
    if error is not None:
        row = rows[0] if rows else None
        return Explanation(False, denial(error, actor, row, service), error.status, row)
    if actor.is_sys_admin:
        return Explanation(True, "Allowed: sys admins may make every call.", None, None)
    row = granting_row(actor, rows, verb, service, component)
    if row is None:
        return Explanation(
            True,
            f"Allowed without role permission: the '{service}' service lets anyone "
            f"{verb} '{component}'.",
            None,
            None,
        )
    return Explanation(True, grant(actor, row, verb), None, row)


def deciding(actor: Actor, service: str, component: str) -> list[AccessRow]:
    if actor.role is None or actor.is_sys_admin:
        return []
    return authz.deciding_rows(actor.role, service, component, int(actor.requestor))


def granting_row(
    actor: Actor, rows: list[AccessRow], verb: str, service: str, component: str
) -> AccessRow | None:
    """The row whose record filters apply (as ``row_filters``), else the first granting one."""
    if actor.role is None:
        return None
    chosen = authz.best_access_row(actor.role, verb, service, component, int(actor.requestor))
    if chosen is not None:
        return chosen
    return next((r for r in rows if r.verb_mask & verbs.bit(verb)), None)


def where(row: AccessRow) -> str:
    if row.service is None:
        return "every service"
    return f"'{row.service}', component '{row.component or '(none)'}'"


def grant(actor: Actor, row: AccessRow, verb: str) -> str:
    role = actor.role.name if actor.role else ""
    text = f"Allowed by role '{role}': its row for {where(row)} grants {verb}."
    if row.filters:
        text += f" Its {len(row.filters)} record filter(s) ({row.filter_op}) limit the records."
    return text


def denial(error: ApiError, actor: Actor, row: AccessRow | None, service: str) -> str:
    """The error's message, and the row behind it (or that no row matches)."""
    if actor.role is None or not actor.role.is_active or error.status != 403:
        return error.message
    if row is None:
        return (
            f"{error.message} No row of role '{actor.role.name}' reaches service '{service}' "
            f"for requestor {actor.requestor.name}."
        )
    allowed = verbs.names(row.verb_mask) or ["no verb"]
    return (
        f"{error.message} The most specific matching row ({where(row)}) allows "
        f"{', '.join(allowed)}; less specific rows do not count."
    )

"""``system/access``: would this call be allowed, and which access row decides? (admins only)

``GET system/access?role_id=3&verb=GET&path=db/_table/contact`` asks about a role
(as a signed-in non-admin user given it); ``?app=<id or name>&user=<id or e-mail>``
asks about a caller with that app's key and that user's session (either may be
left out), whose role is found as authentication finds it. ``requestor`` is
``API`` (the default) or ``SCRIPT``. The answer comes from the pipeline's own
decision (``app.access.explain``)::

    {"allowed": false, "reason": "...", "status_code": 403,
     "access": {"id": 7, "role_id": 3, "service": "db", "component": "_table/*", ...},
     "verb": "DELETE", "service": "db", "component": "_table/contact",
     "requestor": "API", "role": {"id": 3, "name": "clerk"}, "app": null, "user": null}

Only sys admins may ask: the answer shows any role's rules.
"""

from __future__ import annotations

from typing import Any

from app import system_cache
from app.access import explain
from app.access.authz import NOT_AUTHENTICATED
from app.access.calls import normalize_verb
from app.services.base import Resource
from app.services.system import resource
from app.system_cache import AccessRow
from app.vocabulary.calls import Requestor, ServiceRequest
from app.vocabulary.errors import ApiError, BadRequest, Forbidden, NotFound, Unauthorized
from app.vocabulary.paths import parse_api_path

ADMINS_ONLY = "Only sys admins may ask why a call is allowed or denied."
WHO = "Name a role (role_id), or an app and/or a user (app, user) to ask about."


@resource
class AccessResource(Resource):
    name = "access"
    label = "Access"
    description = "Why a call is allowed or denied: the access row of the role that decides."
    read_only = True

    def get(self, request: ServiceRequest, rest: list[str]) -> dict[str, Any]:
        actor = request.actor
        if actor is None or actor.user is None:
            raise Unauthorized(NOT_AUTHENTICATED)
        if not actor.is_sys_admin:
            raise Forbidden(ADMINS_ONLY)
        verb, service, component, requestor = _question(request)
        subject = _subject(request, requestor)
        answer = explain.explain(subject, verb, service, component)
        asked = subject.actor
        shown_user = asked.user if asked.user is not explain.ROLE_HOLDER else None
        return {
            "allowed": answer.allowed,
            "reason": answer.reason,
            "status_code": answer.status_code,
            "access": _row(answer.access, asked.role),
            "verb": verb,
            "service": service,
            "component": component,
            "requestor": requestor.name,
            "role": {"id": asked.role.id, "name": asked.role.name} if asked.role else None,
            "app": {"id": asked.app.id, "name": asked.app.name} if asked.app else None,
            "user": (
                {"id": shown_user.id, "email": shown_user.email, "name": shown_user.name}
                if shown_user
                else None
            ),
        }


def _question(request: ServiceRequest) -> tuple[str, str, str, Requestor]:
    errors: dict[str, list[str]] = {}
    verb = str(request.param("verb") or "GET")
    try:
        verb = normalize_verb(verb)
    except ApiError:
        errors["verb"] = [f"'{verb}' is no HTTP verb: use GET, POST, PUT, PATCH or DELETE."]
    path = str(request.param("path") or "").strip().lstrip("/")
    if path.lower().startswith("api/"):
        path = path[4:]
    _, service, component = parse_api_path(path)
    if not service:
        errors["path"] = ["Give the path of the call, a service first: db/_table/contact."]
    name = str(request.param("requestor") or "API").upper()
    if name not in Requestor.__members__:
        errors["requestor"] = ["The requestor is API or SCRIPT."]
    if errors:
        message = " ".join(m for messages in errors.values() for m in messages)
        raise BadRequest(message, context=errors)
    return verb, service, component.strip("/"), Requestor[name]


def _subject(request: ServiceRequest, requestor: Requestor) -> explain.Subject:
    role_id = request.param("role_id")
    app, user = request.param("app"), request.param("user")
    if role_id not in (None, ""):
        if not str(role_id).isdigit():
            raise BadRequest("The role_id is a number.", context={"role_id": ["A number."]})
        role = system_cache.get_role(int(role_id))
        if role is None:
            raise NotFound(f"Role '{role_id}' not found.")
        return explain.for_role(role, requestor)
    if not app and not user:
        raise BadRequest(WHO)
    return explain.for_app_and_user(app or None, user or None, requestor)


def _row(row: AccessRow | None, role: system_cache.RoleInfo | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "role_id": role.id if role else None,
        "service_id": row.service_id,
        "service": row.service,
        "component": row.component,
        "verb_mask": row.verb_mask,
        "requestor_mask": row.requestor_mask,
        "filters": list(row.filters),
        "filter_op": row.filter_op,
    }

"""Limit types, their ``key_text`` and how an endpoint matches a request's resource.

A type names what a limit counts, from the widest (``instance``: every call)
to the narrowest (``instance.user.service.endpoint``); ``each_user`` means
"every authenticated user, each with a counter of their own". ``key_text``
is DreamFactory's rendering of a limit's scope, e.g.
``instance.user:5.service:3.endpoint:_table/contact.verb:GET.minute``; it is
unique per limit, and with a user id filled in for ``each_user`` it also names
one user's counter.
"""

from __future__ import annotations

from app.counters.windows import PERIODS
from app.vocabulary.verbs import DATA_VERB_NAMES

LIMIT_TYPES = (
    "instance",
    "instance.user",
    "instance.each_user",
    "instance.user.service",
    "instance.each_user.service",
    "instance.service",
    "instance.service.endpoint",
    "instance.user.service.endpoint",
    "instance.each_user.service.endpoint",
    "instance.role",
)

LIMIT_VERBS = DATA_VERB_NAMES
"""Verbs a limit may be restricted to (none means every verb)."""


def parts(limit_type: str) -> frozenset[str]:
    """The scopes of a type: ``{"each_user", "service"}`` for ``instance.each_user.service``."""
    return frozenset(limit_type.split(".")[1:])


def is_each_user(limit_type: str) -> bool:
    return "each_user" in parts(limit_type)


def user_type_for(each_user_type: str) -> str:
    """The per-user type that overrides an each-user type for that user."""
    return each_user_type.replace("each_user", "user")


def resolve_key(
    limit_type: str,
    user_id: int | None,
    role_id: int | None,
    service_id: int | None,
    endpoint: str | None,
    verb: str | None,
    period: int,
) -> str:
    """DreamFactory's key for a limit (``resolveCheckKey``); ids missing render empty."""

    def show(value: object) -> str:
        return "" if value is None else str(value)

    scopes = parts(limit_type)
    key = "instance"
    if "user" in scopes:
        key += f".user:{show(user_id)}"
    if "each_user" in scopes:
        key += f".each_user:{show(user_id)}"
    if "role" in scopes:
        key += f".role:{show(role_id)}"
    if "service" in scopes:
        key += f".service:{show(service_id)}"
    if "endpoint" in scopes:
        key += f".endpoint:{show(endpoint)}"
    if verb:
        key += f".verb:{verb}"
    return f"{key}.{PERIODS[period]}"


def clean_endpoint(endpoint: str | None) -> str | None:
    """Without leading and trailing slashes; empty becomes None."""
    if endpoint is None:
        return None
    endpoint = endpoint.strip().strip("/")
    return endpoint or None


def clean_resource(resource: str) -> str:
    """A request's resource path as endpoints are compared with it."""
    return resource.strip("/").lower()


def endpoint_matches(endpoint: str, resource: str) -> bool:
    """``_table/contact`` matches that resource exactly; ``_table/*`` any resource under it.

    Case does not matter, nor do slashes around the resource; ``*`` alone
    matches every resource of the service.
    """
    endpoint = endpoint.lower()
    resource = clean_resource(resource)
    if endpoint.endswith("*"):
        return resource.startswith(endpoint[:-1])
    return resource == endpoint

"""The ``system`` service's document: one tag per registered resource.

Record resources (subclasses of ``ModelResource``) get the generic record
paths of ``records``; the others are described here by name (``CUSTOM``).
A resource registered later without an entry here is still documented: its
verbs are the methods its class defines, on ``/{name}``, with any JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.openapi import builder
from app.openapi.accounts import add_account_paths
from app.openapi.document import (
    SUCCESS_SCHEMA,
    VERBS,
    json_body,
    operation,
    path_param,
    records_of,
)
from app.openapi.records import add_model_paths
from app.services.system import SystemService
from app.services.system.records import ModelResource

if TYPE_CHECKING:
    from app.openapi.access import Reach
    from app.openapi.document import Spec
    from app.services.base import Resource

OBJECT: dict[str, Any] = {"type": "object"}
ANY_JSON: dict[str, Any] = {}

SERVICE_TYPE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "label": {"type": "string"},
        "description": {"type": "string"},
        "group": {"type": "string"},
        "singleton": {"type": "boolean"},
        "config_schema": {"type": "array", "items": OBJECT},
    },
}
CONFIG: dict[str, Any] = {
    "type": "object",
    "properties": {
        key: {"type": ["integer", "null"]}
        for key in (
            "default_app_id",
            "invite_email_service_id",
            "invite_email_template_id",
            "password_email_service_id",
            "password_email_template_id",
        )
    },
}
NAMES_LIST = records_of(
    {
        "type": "object",
        "properties": {"name": {"type": "string"}, "label": {"type": ["string", "null"]}},
    }
)


def _cache(spec: Spec, tag: str) -> None:
    success = spec.define("Success", SUCCESS_SCHEMA)
    spec.add(
        "/cache",
        "cache",
        {
            "get": operation("Services whose caches can be flushed", NAMES_LIST),
            "delete": operation("Flush every cache", success),
        },
        tag=tag,
    )
    spec.add(
        "/cache/{service}",
        "cache/{service}",
        {"delete": operation("Flush one service's caches", success)},
        parameters=[path_param("service", {"type": "string"}, "The service's name.")],
        tag=tag,
    )


def _config(spec: Spec, tag: str) -> None:
    config = spec.define("SystemConfig", CONFIG)
    body = json_body(config)
    spec.add(
        "/config",
        "config",
        {
            "get": operation("Instance settings", config),
            "post": operation("Change instance settings", config, body=body),
            "put": operation("Change instance settings", config, body=body),
            "patch": operation("Change instance settings", config, body=body),
        },
        tag=tag,
    )


def _environment(spec: Spec, tag: str) -> None:
    spec.add(
        "/environment",
        "environment",
        {"get": operation("Authentication options, apps and platform facts", OBJECT)},
        tag=tag,
    )


def _service_type(spec: Spec, tag: str) -> None:
    described = spec.define("ServiceType", SERVICE_TYPE)
    group = {"name": "group", "in": "query", "schema": {"type": "string"}}
    type_name = {"name": "type", "in": "query", "schema": {"type": "string"}}
    spec.add(
        "/service_type",
        "service_type",
        {
            "get": operation(
                "Service types of this instance",
                records_of(described),
                params=("fields", group, type_name),
            )
        },
        tag=tag,
    )
    spec.add(
        "/service_type/{name}",
        "service_type/{name}",
        {"get": operation("One service type", described, params=("fields",))},
        parameters=[path_param("name", {"type": "string"}, "The type's name.")],
        tag=tag,
    )


def _limit_cache(spec: Spec, tag: str) -> None:
    entries = records_of(OBJECT)
    spec.add(
        "/limit_cache",
        "limit_cache",
        {
            "get": operation("Counters of the usage limits", entries, params=("ids",)),
            "delete": operation(
                "Reset counters (by ids, or all with force)", OBJECT, params=("ids", "force")
            ),
        },
        tag=tag,
    )
    spec.add(
        "/limit_cache/{id}",
        "limit_cache/{id}",
        {
            "get": operation("Counters of one limit", OBJECT),
            "delete": operation("Reset one limit's counters", OBJECT),
        },
        parameters=[path_param("id", {"type": "integer", "minimum": 1}, "The limit's id.")],
        tag=tag,
    )


TEST_CALL: dict[str, Any] = {
    "type": "object",
    "required": ["path"],
    "properties": {
        "verb": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
        "path": {"type": "string", "description": "Service and resource, e.g. db/_table/todo."},
        "params": {"type": "object", "additionalProperties": {"type": "string"}},
        "body": {"description": "The call's JSON body."},
    },
}
TEST_ANSWER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "status_code": {"type": "integer"},
        "content_type": {"type": ["string", "null"]},
        "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        "content": {"description": "JSON as answered, text as text, other bodies null."},
        "log": {
            "type": "array",
            "description": "What the scripts the call ran printed (info) and how they failed "
            "(error); queued scripts are not in it.",
            "items": {
                "type": "object",
                "properties": {
                    "script": {"type": "string"},
                    "level": {"type": "string", "enum": ["info", "error"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
NAMED = {"type": ["object", "null"], "properties": {"id": {"type": "integer"}}}
EXPLANATION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "allowed": {"type": "boolean"},
        "reason": {"type": "string", "description": "Why, in words: the error or the grant."},
        "status_code": {
            "type": ["integer", "null"],
            "description": "The status the call would be refused with; null when allowed.",
        },
        "access": {
            "type": ["object", "null"],
            "description": "The role_service_access row that decided; null when none did.",
        },
        "verb": {"type": "string"},
        "service": {"type": "string"},
        "component": {"type": "string"},
        "requestor": {"type": "string", "enum": ["API", "SCRIPT"]},
        "role": NAMED,
        "app": NAMED,
        "user": NAMED,
    },
}


def _test_call(spec: Spec, tag: str) -> None:
    spec.add(
        "/test_call",
        "test_call",
        {
            "post": operation(
                "Make one API call as yourself; its answer and its scripts' log lines",
                spec.define("TestCallAnswer", TEST_ANSWER),
                body=json_body(spec.define("TestCall", TEST_CALL)),
            )
        },
        tag=tag,
    )


def _query(name: str, description: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": {"type": "string"},
        "description": description,
    }


def _access(spec: Spec, tag: str) -> None:
    answer = spec.define("AccessExplanation", EXPLANATION)
    params = (
        _query("role_id", "The role to ask about (as a signed-in non-admin user given it)."),
        _query("app", "Or: the app (id or name) whose key the call carries."),
        _query("user", "And/or: the user (id or e-mail) whose session the call carries."),
        _query("verb", "The call's verb (GET when left out)."),
        _query("path", "The call's path, its service first: db/_table/contact.", True),
        _query("requestor", "API (the default) or SCRIPT (a script's platform.api call)."),
    )
    summary = "Would this call be allowed, and which access row decides (admins only)"
    spec.add("/access", "access", {"get": operation(summary, answer, params=params)}, tag=tag)


def _admin_accounts(spec: Spec, tag: str) -> None:
    add_account_paths(spec, "admin/", "admin", tag)


def _skip(spec: Spec, tag: str) -> None:
    """Documented with another resource (``admin/session`` etc. by ``_admin_accounts``)."""


CUSTOM: dict[str, Callable[[Spec, str], None]] = {
    "access": _access,
    "admin/session": _admin_accounts,
    "admin/password": _skip,
    "admin/profile": _skip,
    "cache": _cache,
    "config": _config,
    "environment": _environment,
    "limit_cache": _limit_cache,
    "service_type": _service_type,
    "test_call": _test_call,
}
"""Resource name → how its paths are described (those not built on ``ModelResource``)."""


def _generic(spec: Spec, cls: type[Resource], tag: str) -> None:
    verbs = [v for v in VERBS if callable(getattr(cls, v, None))]
    operations = {}
    for verb in verbs:
        body = json_body(ANY_JSON, required=False) if verb != "get" else None
        operations[verb] = operation(f"{verb.upper()} {cls.label or cls.name}", ANY_JSON, body=body)
    if operations:
        spec.add(f"/{cls.name}", cls.name, operations, tag=tag)


@builder(SystemService)
def build_system(service: SystemService, spec: Spec, reach: Reach) -> None:
    spec.add_root()
    for name, cls in sorted(service.resources.items()):
        tag = spec.tag(name.split("/")[0], cls.description)
        if name in CUSTOM:
            CUSTOM[name](spec, tag)
        elif isinstance(cls, type) and issubclass(cls, ModelResource):
            add_model_paths(spec, cls, tag)
        else:
            _generic(spec, cls, tag)

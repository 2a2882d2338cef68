"""The authorization table, ported from DreamFactory's ``RoleServiceAccessTest``, and ``require``.

Pure units: roles are built as ``RoleInfo``/``AccessRow`` values, actors as
``Actor`` values; nothing touches a database.
"""

from __future__ import annotations

import pytest

from app.access import authz
from app.access.actor import Actor
from app.system_cache import AccessRow, AppInfo, RoleInfo, UserInfo
from app.vocabulary.calls import Requestor
from app.vocabulary.errors import BadRequest, Forbidden, Unauthorized
from app.vocabulary.verbs import DATA_VERBS, Verb

V = Verb.__members__
API, SCRIPT = int(Requestor.API), int(Requestor.SCRIPT)


def mask(*verbs: str) -> int:
    out = 0
    for verb in verbs:
        out |= V[verb]
    return out


def row(service, component=None, verbs=("GET", "POST", "PUT", "PATCH", "DELETE"), requestor=API):
    return AccessRow(
        service_id=None if service is None else 1,
        service=service,
        component=(component or "").strip("/"),
        verb_mask=mask(*verbs),
        requestor_mask=requestor,
        filters=(),
        filter_op="AND",
    )


def role(*rows: AccessRow, active: bool = True) -> RoleInfo:
    return RoleInfo(id=3, name="Sales", is_active=active, accesses=tuple(rows))


def check(r: RoleInfo, service=None, component=None, requestor=API) -> int:
    return authz.role_verb_mask(r, service or "", component or "", requestor)


# RoleServiceAccessTest -----------------------------------------------------------------


def test_sys_admin():
    admin = Actor(user=user(is_sys_admin=True))
    assert authz.verb_mask(admin, "system", "*") & DATA_VERBS == DATA_VERBS
    assert authz.verb_mask(Actor(user=user()), "system", "*") == 0


@pytest.mark.parametrize("component", [None, ""])
def test_get_null_null_and_null_blank(component):
    r = role(row(None, component, ["GET"]))
    assert check(r) == V["GET"]
    assert check(r, "user") == V["GET"]
    assert check(r, "system") == V["GET"]
    assert check(r, "system", "app") == 0
    assert check(r, "system", "app/1") == 0
    assert check(r, None, "admin") == 0


def test_get_null_star():
    r = role(row(None, "*", ["GET"]))
    for service, component in [
        (None, None),
        ("user", None),
        ("system", None),
        ("system", "app"),
        ("system", "app/1"),
        ("system", "app/foo/bar"),
        (None, "admin"),
    ]:
        assert check(r, service, component) == V["GET"], (service, component)


@pytest.mark.parametrize("component", [None, ""])
def test_get_system_null_and_system_blank(component):
    r = role(row("system", component, ["GET"]))
    assert check(r, "system") == V["GET"]
    assert check(r, "user") == 0
    assert check(r, "system", "app") == 0
    assert check(r, "system", "app/1") == 0
    assert check(r, None, "admin") == 0


def test_get_system_star():
    r = role(row("system", "*", ["GET", "DELETE"]), row("system", "admin/password", ["POST"]))
    both = mask("GET", "DELETE")
    assert check(r, "system") == both
    assert check(r, "user") == 0
    for component in ("app", "app/1", "role", "role/1"):
        assert check(r, "system", component) == both, component
    assert check(r, "system", "admin/password") == V["POST"]
    assert check(r, None, "admin") == 0


def test_get_system_app():
    r = role(row("system", "app", ["GET"]))
    assert check(r, "system", "app") == V["GET"]
    assert check(r, "system", "app/1") == 0
    assert check(r, "system", "") == 0
    assert check(r, "system") == 0
    assert check(r, "system", "role") == 0
    assert check(r, "user") == 0


def test_get_system_app_star():
    r = role(row("system", "app/*", ["GET"]))
    assert check(r, "system", "app") == V["GET"]
    assert check(r, "system", "app/1") == V["GET"]
    assert check(r, "system", "app/1/deeper") == V["GET"]
    assert check(r, "system", "") == 0
    assert check(r, "system") == 0
    assert check(r, "system", "role") == 0
    assert check(r, "system", "apple") == 0
    assert check(r, "user") == 0


def test_get_system_app_and_app_star():
    r = role(row("system", "app", ["GET"]), row("system", "app/*", ["GET"]))
    assert check(r, "system", "app") == V["GET"]
    assert check(r, "system", "app/1") == V["GET"]
    assert check(r, "system", "") == 0
    assert check(r, "system", "role") == 0
    assert check(r, "user") == 0


def test_most_specific_overrides():
    r = role(row("system", "*", ["GET"]), row("system", "app", ["POST"]))
    assert check(r, "system") == V["GET"]
    assert check(r, "system", "role") == V["GET"]
    assert check(r, "system", "app") == V["POST"]


def test_most_specific_overrides_the_wildcard():
    r = role(row("system", "app", ["GET"]), row("system", "app/*", ["POST"]))
    assert check(r, "system", "app") == V["GET"]
    assert check(r, "system", "app/1") == V["POST"]
    assert check(r, "system", "role") == 0


def test_service_row_beats_all_services_row():
    r = role(row(None, "*", ["GET"]), row("db", "*", ["DELETE"]))
    assert check(r, "db", "_table/x") == V["DELETE"]
    assert check(r, "files", "x") == V["GET"]


def test_multi_verb():
    verbs = ["GET", "POST", "PUT", "PATCH"]
    r = role(row("system", "role", verbs))
    assert check(r, "system", "role") == mask(*verbs)
    assert check(r, "system", "role/1") == 0


def test_multi_row_or():
    r = role(
        row("system", "role", ["GET"]),
        row("system", "role", ["POST"]),
        row("system", "role", ["PATCH"]),
    )
    assert check(r, "system", "role") == mask("GET", "POST", "PATCH")


def test_requestor():
    r = role(
        row("system", "role", ["GET"]),
        row("system", "role", ["POST"], SCRIPT),
        row("system", "role", ["PATCH"]),
    )
    assert check(r, "system", "role") == mask("GET", "PATCH")
    assert check(r, "system", "role", SCRIPT) == V["POST"]


def test_requestor_both():
    r = role(
        row("system", "role", ["GET"]),
        row("system", "role", ["POST"], SCRIPT),
        row("system", "role", ["PATCH"]),
        row("system", "role", ["DELETE"], API | SCRIPT),
    )
    assert check(r, "system", "role") == mask("GET", "PATCH", "DELETE")
    assert check(r, "system", "role", SCRIPT) == mask("POST", "DELETE")


def test_requestor_mask_zero_never_applies():
    r = role(row("system", "role", ["GET"], 0))
    assert check(r, "system", "role") == 0
    assert check(r, "system", "role", SCRIPT) == 0


def test_inactive_role_allows_nothing():
    assert check(role(row(None, "*", ["GET"]), active=False), "system", "app") == 0


def test_components_are_normalized():
    r = role(row("DB", "_Table/Todo", ["GET"]), row("db", "_proc/*", ["POST"]))
    assert check(r, "db", "_table/todo") == V["GET"]
    assert check(r, "Db", "/_TABLE/TODO/") == V["GET"]
    assert check(r, "db", "_proc/totals(1,2)") == V["POST"]
    assert authz.normalize_component("/_Proc/Totals(1, 2)/x") == "_proc/totals/x"


# require: DreamFactory's choice of error ------------------------------------------------


def user(is_sys_admin: bool = False, user_id: int = 7) -> UserInfo:
    return UserInfo(
        id=user_id,
        name="Jane Doe",
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        username=None,
        is_active=True,
        is_sys_admin=is_sys_admin,
        last_login_date=None,
        password=None,
    )


APP = AppInfo(id=4, name="todo", api_key="k" * 64, is_active=True, role_id=3, type=0)
ROLE = role(row("db", "_table/todo", ["GET"]))


def denial(actor: Actor, verb="DELETE", service="db", component="_table/todo"):
    with pytest.raises((BadRequest, Unauthorized, Forbidden)) as info:
        authz.require(actor, verb, service, component)
    return type(info.value), info.value.message


def test_step_1_no_credentials():
    assert denial(Actor()) == (BadRequest, authz.NO_CREDENTIALS)


def test_step_2_no_role():
    assert denial(Actor(user=user(), session_token="t")) == (BadRequest, authz.NO_API_KEY)
    assert denial(Actor(api_key="unknown")) == (BadRequest, authz.NO_TOKEN)
    assert denial(Actor(api_key="k", app=APP)) == (BadRequest, authz.NO_TOKEN)
    both = Actor(api_key="k", app=APP, user=user(), session_token="t")
    assert denial(both) == (Forbidden, authz.NO_ROLE)
    scripted = Actor(requestor=Requestor.SCRIPT)
    assert denial(scripted) == (Forbidden, authz.NO_ROLE)


def test_step_3_inactive_role():
    inactive = role(row("db", "*", ["GET"]), active=False)
    assert denial(Actor(api_key="k", app=APP, role=inactive), "GET") == (
        Forbidden,
        authz.ROLE_INACTIVE,
    )
    signed_in = Actor(api_key="k", app=APP, role=inactive, user=user(), session_token="t")
    assert denial(signed_in, "GET") == (Forbidden, authz.ROLE_INACTIVE)


def test_step_4_not_authenticated():
    assert denial(Actor(api_key="k", app=APP, role=ROLE)) == (
        Unauthorized,
        authz.NOT_AUTHENTICATED,
    )


def test_step_5_forbidden_with_and_without_component():
    actor = Actor(api_key="k", app=APP, role=ROLE, user=user(), session_token="t")
    assert denial(actor, "delete") == (
        Forbidden,
        "Access Forbidden. DELETE access to component '_table/todo' of service 'db' "
        "is not allowed by this user's role.",
    )
    assert denial(actor, "GET", "db", "") == (
        Forbidden,
        "Access Forbidden. GET access to service 'db' is not allowed by this user's role.",
    )
    scripted = Actor(app=APP, role=ROLE, requestor=Requestor.SCRIPT)
    assert denial(scripted)[0] is Forbidden


def test_allowed_calls_pass():
    actor = Actor(api_key="k", app=APP, role=ROLE, user=user(), session_token="t")
    authz.require(actor, "GET", "db", "_table/todo")
    authz.require(Actor(api_key="k", app=APP, role=ROLE), "GET", "db", "_table/Todo")
    admin = Actor(user=user(is_sys_admin=True), session_token="t")
    for verb in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        authz.require(admin, verb, "system", "admin/1")


def test_access_exceptions():
    exceptions = {"admin/session": 31, "admin/password": V["POST"], "environment": V["GET"]}
    authz.require(Actor(), "POST", "system", "admin/session", exceptions)
    authz.require(Actor(), "DELETE", "system", "Admin/Session/", exceptions)
    authz.require(Actor(), "POST", "system", "admin/password", exceptions)
    authz.require(Actor(), "GET", "system", "environment", exceptions)
    with pytest.raises(BadRequest):
        authz.require(Actor(), "GET", "system", "admin/password", exceptions)
    with pytest.raises(BadRequest):
        authz.require(Actor(), "GET", "system", "admin/session/5/x", exceptions)


def test_can_see_service():
    actor = Actor(
        api_key="k", app=APP, role=role(row("db", "_table/x", ["GET"]), row(None, "*", []))
    )
    assert authz.can_see_service(actor, "DB")
    assert not authz.can_see_service(actor, "files")
    everything = Actor(api_key="k", app=APP, role=role(row(None, "*", ["GET"])))
    assert authz.can_see_service(everything, "files")
    script_only = Actor(api_key="k", app=APP, role=role(row("db", "*", ["GET"], SCRIPT)))
    assert not authz.can_see_service(script_only, "db")
    assert not authz.can_see_service(Actor(), "db")
    assert authz.can_see_service(Actor(user=user(is_sys_admin=True)), "db")

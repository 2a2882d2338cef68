"""Lookup substitution: session, user, role, app and instance values, lookup precedence."""

from __future__ import annotations

import pytest

from app.access import lookups
from app.access.actor import Actor
from app.system_cache import AppInfo, UserInfo


def test_substitute_names_and_modifiers():
    values = {"user.email": "Jane Doe@x.com", "k": "v"}
    assert lookups.substitute("{user.email}", values) == "Jane Doe@x.com"
    assert lookups.substitute("a={k}&b={k}", values) == "a=v&b=v"
    assert lookups.substitute("{urlencode(user.email)}", values) == "Jane+Doe%40x.com"
    assert lookups.substitute("{rawurlencode(user.email)}", values) == "Jane%20Doe%40x.com"
    assert lookups.substitute("{strtoupper(k)}", values) == "V"
    assert lookups.substitute("{base64_encode(k)}", values) == "dg=="
    assert lookups.substitute("{unknown}", values) == "{unknown}"
    assert lookups.substitute("{system(k)}", values) == "{system(k)}"  # not an allowed modifier
    assert lookups.substitute_all({"a": ["{k}", 1, None]}, values) == {"a": ["v", 1, None]}


def make_lookup(admin, **owner):
    body = {"resource": [{"name": owner.pop("name"), "value": owner.pop("value"), **owner}]}
    return admin.post("system/lookup", json=body)


@pytest.fixture
def owned(app, admin):
    """A role and an app with lookups of the same name at each level."""
    role = admin.post(
        "system/role",
        json={
            "resource": [
                {
                    "name": "viewer",
                    "lookup_by_role_id": [
                        {"name": "level", "value": "role"},
                        {"name": "secret", "value": "role-secret", "private": True},
                    ],
                }
            ]
        },
    ).get_json()["resource"][0]["id"]
    response = admin.post(
        "system/app",
        json={
            "resource": [
                {
                    "name": "viewer-app",
                    "role_id": role,
                    "lookup_by_app_id": [{"name": "level", "value": "app"}],
                }
            ]
        },
    )
    assert response.status_code == 201, response.get_json()
    app_id = response.get_json()["resource"][0]["id"]
    assert make_lookup(admin, name="level", value="system").status_code == 201
    assert make_lookup(admin, name="only_system", value="s").status_code == 201
    return role, app_id


def test_values_follow_precedence_and_hide_private(app, owned):
    role_id, app_id = owned
    with app.test_request_context(base_url="http://api.example.com"):
        from app import system_cache

        role = system_cache.get_role(role_id)
        actor = Actor(
            user=UserInfo(5, "Jane", "Jane", "Doe", "jane@x.com", "jane", True, False, None, None),
            app=AppInfo(app_id, "viewer-app", "k" * 64, True, role_id, 0),
            role=role,
            session_token="tok",
        )
        values = lookups.values_for(actor)
        assert values["level"] == "role"
        assert values["only_system"] == "s"
        assert "secret" not in values
        assert lookups.values_for(actor, allow_private=True)["secret"] == "role-secret"
        assert values["user.id"] == "5" and values["user.email"] == "jane@x.com"
        assert values["role.name"] == "viewer" and values["app.api_key"] == "k" * 64
        assert values["session.token"] == "tok"
        assert values["df.host_url"] == "http://api.example.com"
        anonymous = lookups.values_for(None)
        assert anonymous["level"] == "system"
        assert "user.id" not in anonymous

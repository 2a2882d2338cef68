"""``user/session``: login, session, refresh, logout and the blacklist for non-admins."""

from __future__ import annotations

from tests.conftest import ADMIN_EMAIL, ADMIN_KEY, ADMIN_PASSWORD, Api, assert_error
from tests.services.user.conftest import USER_PASSWORD, create_user


def test_login_session_refresh_logout_and_blacklist(admin, client):
    user_id = create_user(admin, "uma@example.com")
    user = Api(client)
    body = user.login("uma@example.com", USER_PASSWORD, admin=False)
    assert body["id"] == user_id
    assert body["is_sys_admin"] is False
    assert body["email"] == "uma@example.com"
    assert body["session_token"] == body["session_id"]
    first = user.token

    current = user.get("user/session")
    assert current.status_code == 200, current.get_json()
    assert current.get_json()["id"] == user_id

    refreshed = user.put("user/session")
    assert refreshed.status_code == 200, refreshed.get_json()
    second = refreshed.get_json()["session_token"]
    assert second != first
    old = Api(client, token=first)
    assert_error(
        old.get("user/session"),
        403,
        "The token has been blacklisted: Session terminated. Please re-login.",
    )

    user.token = second
    assert user.get("user/session").status_code == 200
    assert user.delete("user/session").get_json() == {"success": True}
    assert_error(user.get("user/session"), 403)


def test_wrong_password_and_unknown_user_look_the_same(admin, anon):
    create_user(admin, "uma@example.com")
    wrong = anon.post("user/session", json={"email": "uma@example.com", "password": "x" * 20})
    unknown = anon.post("user/session", json={"email": "nobody@example.com", "password": "x" * 20})
    assert_error(wrong, 401, "Invalid credentials supplied.")
    assert_error(unknown, 401, "Invalid credentials supplied.")
    assert_error(
        anon.post("user/session", json={"password": "x"}),
        400,
        "Login request is missing required email.",
    )


def test_admins_refused_at_user_session(admin, anon):
    response = anon.post("user/session", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert_error(response, 401, "Invalid credentials supplied.")
    assert_error(admin.put("user/session"), 401, "Token refresh failed. User verification failed.")


def test_users_refused_at_admin_session(admin, anon, client):
    create_user(admin, "uma@example.com")
    response = anon.post(
        "system/admin/session", json={"email": "uma@example.com", "password": USER_PASSWORD}
    )
    assert_error(response, 401, "Invalid credentials supplied.")
    user = Api(client)
    user.login("uma@example.com", USER_PASSWORD, admin=False)
    assert_error(user.get("system/admin/session"), 401)


def test_no_session(anon):
    assert_error(
        anon.get("user/session"), 401, "There is no valid session for the current request."
    )


def test_login_through_an_app_reports_the_per_app_role(admin, client):
    role = admin.post("system/role", json={"name": "reader", "is_active": True}).get_json()
    app = admin.post("system/app", json={"name": "shop", "type": 0, "role_id": role["id"]})
    app_id = app.get_json()["id"]
    api_key = admin.get(f"system/app/{app_id}").get_json()["api_key"]
    create_user(admin, "uma@example.com")
    user = Api(client, api_key=api_key)
    body = user.login("uma@example.com", USER_PASSWORD, admin=False)
    assert (body["role"], body["role_id"]) == ("reader", role["id"])


def test_resource_listing(admin):
    response = admin.get("user", query_string={"as_list": "true"})
    names = ["password", "profile", "register", "session", "custom"]
    assert response.get_json() == {"resource": names}
    assert admin.get("user").get_json() == {"resource": [{"name": n} for n in names]}
    assert_error(admin.get("user/nothing"), 404)


def test_listing_needs_role_access_but_session_is_an_exception(anon):
    assert_error(anon.get("user"), 400)
    keyed = Api(anon.client, api_key=ADMIN_KEY)
    response = keyed.post("user/session", json={"email": "a@example.com", "password": "p" * 16})
    assert_error(response, 401, "Invalid credentials supplied.")

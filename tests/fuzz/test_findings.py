"""Server errors the fuzz job found, pinned as plain HTTP tests (they were 500s)."""

from __future__ import annotations

from tests.conftest import USER_PASSWORD, Api, assert_error, create_user


def test_profile_with_a_default_app_that_does_not_exist(admin, client):
    error = assert_error(admin.patch("system/admin/profile", json={"default_app_id": 900}), 400)
    assert error["context"] == {"default_app_id": ["The selected default app id is invalid."]}
    create_user(admin, "pat@example.com")
    user = Api(client)
    user.login("pat@example.com", USER_PASSWORD, admin=False)
    assert_error(user.post("user/profile", json={"default_app_id": 900}), 400)
    app_id = admin.get("system/app").get_json()["resource"][0]["id"]
    assert user.post("user/profile", json={"default_app_id": app_id}).status_code == 200
    assert user.get("user/profile").get_json()["default_app_id"] == app_id


def test_profile_with_a_username_someone_has(admin, client):
    create_user(admin, "pat@example.com", username="pat_the_user")
    error = assert_error(admin.post("system/admin/profile", json={"username": "PAT_the_user"}), 400)
    assert error["message"] == "The username has already been taken."
    assert admin.post("system/admin/profile", json={"username": "the_admin"}).status_code == 200


def test_limit_counters_of_an_id_beyond_any_integer(admin):
    huge = "12531475890966024421376"
    message = f"Record with identifier '{huge}' not found."
    assert_error(admin.get(f"system/limit_cache/{huge}"), 404, message)
    assert_error(admin.delete(f"system/limit_cache/{huge}"), 404, message)
    assert_error(admin.get("system/limit_cache/0"), 404)


def test_ids_beyond_an_integer_column(admin):
    """An outside attack run's 500s on PostgreSQL (``integer out of range``)."""
    message = "Record with identifier '2147483648' not found."
    assert_error(admin.get("system/user/2147483648"), 404, message)
    error = assert_error(admin.get("system/role?ids=9999999999"), 400, code=1000)
    assert error["context"]["resource"][0]["message"] == (
        "Record with identifier '9999999999' not found."
    )


def test_nul_in_ids_of_text_keys(admin):
    """An outside attack run's 500 on PostgreSQL (NUL in text)."""
    assert_error(
        admin.get("system/event_script?ids=%00"),
        400,
        "Invalid value for field 'name': text may not contain NUL characters.",
    )

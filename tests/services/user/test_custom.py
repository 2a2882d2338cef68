"""``user/custom``: each logged-in user's own name/value settings, on every system store."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import UserCustom
from tests.conftest import (
    USER_PASSWORD,
    Api,
    assert_error,
    create_api_app,
    create_role,
    create_user,
)

ALL_VERBS = 1 | 2 | 4 | 8 | 16
NO_SESSION = "There is no valid session for the current request."


def user_service_id(admin: Api) -> int:
    response = admin.get("system/service", query_string={"filter": "name='user'"})
    return response.get_json()["resource"][0]["id"]


@pytest.fixture
def api_key(admin) -> str:
    """An app whose default role grants every verb on ``user/custom`` and below."""
    service = user_service_id(admin)
    accesses = [
        {"service_id": service, "component": c, "verb_mask": ALL_VERBS, "requestor_mask": 1}
        for c in ("custom", "custom/*")
    ]
    _, key = create_api_app(admin, "settings", create_role(admin, "settings", accesses))
    return key


def log_in(admin: Api, api_key: str, email: str) -> Api:
    """A new non-admin user, logged in through the app of ``api_key``."""
    create_user(admin, email)
    api = Api(admin.client, api_key=api_key)
    api.login(email, USER_PASSWORD, admin=False)
    return api


@pytest.fixture
def uma(admin, api_key) -> Api:
    return log_in(admin, api_key, "uma@example.com")


@pytest.fixture
def otto(admin, api_key) -> Api:
    return log_in(admin, api_key, "otto@example.com")


def stored(app) -> list[tuple[int, str, str | None]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(UserCustom.user_id, UserCustom.name, UserCustom.value).order_by(UserCustom.id)
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def test_crud_keeps_json_types_and_answers_like_system_custom(uma, app):
    values = {"theme": {"dark": True}, "limit": 3, "tags": ["a", "b"], "motto": "hi"}
    body = {"resource": [{"name": k, "value": v} for k, v in values.items()]}
    created = uma.post("user/custom", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json() == {"resource": [{"name": k} for k in values]}

    listed = uma.get("user/custom").get_json()["resource"]
    assert {r["name"]: r["value"] for r in listed} == values
    assert not {"id", "user_id"} & set(listed[0])
    assert set(listed[0]) == {
        "name",
        "value",
        "created_date",
        "last_modified_date",
        "created_by_id",
        "last_modified_by_id",
    }
    only = uma.get("user/custom", query_string={"fields": "name,value", "ids": "tags,limit"})
    assert only.get_json() == {
        "resource": [{"name": "tags", "value": ["a", "b"]}, {"name": "limit", "value": 3}]
    }
    assert uma.get("user/custom/theme").get_json()["value"] == {"dark": True}
    assert uma.get("user/custom", query_string={"count_only": "true"}).get_json() == 4

    assert uma.patch("user/custom/limit", json={"value": 4}).get_json() == {"name": "limit"}
    renamed = uma.put("user/custom/motto", json={"name": "slogan", "value": None})
    assert renamed.get_json() == {"name": "motto"}  # an update never renames
    listed_update = uma.patch(
        "user/custom",
        json={"resource": [{"name": "tags", "value": []}]},
        query_string={"fields": "name,value"},
    )
    assert listed_update.get_json() == {"resource": [{"name": "tags", "value": []}]}
    assert uma.get("user/custom/limit").get_json()["value"] == 4
    assert uma.get("user/custom/motto").get_json()["value"] is None

    assert uma.delete("user/custom/theme").get_json() == {"name": "theme"}
    assert_error(uma.get("user/custom/theme"), 404, "Record with identifier 'theme' not found.")
    deleted = uma.delete("user/custom", query_string={"ids": "tags,limit"})
    assert deleted.get_json() == {"resource": [{"name": "tags"}, {"name": "limit"}]}
    assert [name for _, name, _ in stored(app)] == ["motto"]
    assert stored(app)[0][2] == "null"  # JSON text, as system/custom stores it


def test_two_users_never_see_or_change_each_others_values(uma, otto, app):
    assert uma.post("user/custom", json={"name": "theme", "value": "dark"}).status_code == 201
    assert otto.post("user/custom", json={"name": "theme", "value": "light"}).status_code == 201
    assert uma.post("user/custom", json={"name": "secret", "value": 1}).status_code == 201

    assert otto.get("user/custom/theme").get_json()["value"] == "light"
    assert [r["name"] for r in otto.get("user/custom").get_json()["resource"]] == ["theme"]
    assert_error(otto.get("user/custom/secret"), 404)
    assert_error(otto.patch("user/custom/secret", json={"value": 2}), 404)
    assert_error(otto.delete("user/custom/secret"), 404)
    forced = otto.delete("user/custom", query_string={"force": "true"})
    assert forced.get_json() == {"resource": [{"name": "theme"}]}
    assert otto.get("user/custom").get_json() == {"resource": []}
    assert uma.get("user/custom/secret").get_json()["value"] == 1
    assert uma.get("user/custom/theme").get_json()["value"] == "dark"


def test_a_name_is_unique_per_user(uma):
    assert uma.post("user/custom", json={"name": "a", "value": 1}).status_code == 201
    error = assert_error(
        uma.post("user/custom", json={"name": "A", "value": 2}),
        400,
        "A custom setting by name A already exists. Please use a different name.",
    )
    assert error["context"] == {"name": ["The name has already been taken."]}
    batch = uma.post("user/custom", json={"resource": [{"name": "b"}, {"name": "b"}]})
    assert_error(batch, 400, code=1000)  # the first "b" stays: no rollback was asked for
    assert [r["name"] for r in uma.get("user/custom").get_json()["resource"]] == ["a", "b"]


def test_admin_sessions_have_their_own_values(admin, uma):
    assert admin.post("user/custom", json={"name": "theme", "value": "admin"}).status_code == 201
    assert uma.get("user/custom").get_json() == {"resource": []}
    assert admin.get("user/custom/theme").get_json()["value"] == "admin"


def test_without_a_user_session_every_verb_is_a_401(anon, api_key):
    keyed = Api(anon.client, api_key=api_key)
    for call in (
        keyed.get("user/custom"),
        keyed.get("user/custom/theme"),
        keyed.post("user/custom", json={"name": "theme", "value": 1}),
        keyed.patch("user/custom/theme", json={"value": 1}),
        keyed.delete("user/custom/theme"),
    ):
        assert_error(call, 401, NO_SESSION)


def test_role_access_applies(admin, client):
    """``custom`` is no access exception: a user whose role does not grant it is refused."""
    service = user_service_id(admin)
    read_only = [
        {"service_id": service, "component": c, "verb_mask": 1, "requestor_mask": 1}
        for c in ("custom", "custom/*")
    ]
    _, reader_key = create_api_app(admin, "reader", create_role(admin, "reader", read_only))
    _, bare_key = create_api_app(admin, "bare", create_role(admin, "bare", []))
    reader = log_in(admin, reader_key, "reader@example.com")
    assert reader.get("user/custom").get_json() == {"resource": []}
    assert_error(reader.post("user/custom", json={"name": "a", "value": 1}), 403)
    bare = Api(client, api_key=bare_key, token=reader.token)
    assert_error(bare.get("user/custom"), 403)
    assert bare.get("user/profile").status_code == 200  # an exception, unlike custom


def test_deleting_the_user_removes_their_values(admin, uma, otto, app):
    uma.post("user/custom", json={"resource": [{"name": "a"}, {"name": "b", "value": 2}]})
    otto.post("user/custom", json={"name": "a", "value": 3})
    uma_id = uma.get("user/session").get_json()["id"]
    otto_id = otto.get("user/session").get_json()["id"]
    assert admin.delete(f"system/user/{uma_id}").status_code == 200
    assert stored(app) == [(otto_id, "a", "3")]


def test_bad_input_is_a_400_envelope(uma, app):
    error = assert_error(uma.post("user/custom", json={"value": 1}), 400)
    assert error["context"] == {"name": ["The name field is required."]}
    error = assert_error(uma.post("user/custom", json={"name": "n" * 256, "value": 1}), 400)
    assert error["context"] == {"name": ["The name must be between 1 and 255 characters."]}
    error = assert_error(uma.post("user/custom", json={"name": "", "value": 1}), 400)
    assert list(error["context"]) == ["name"]
    big = "x" * 70_000
    error = assert_error(uma.post("user/custom", json={"name": "big", "value": big}), 400)
    assert error["context"] == {"value": ["The value may not be greater than 65535 bytes."]}
    not_json = uma.post(
        "user/custom", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert_error(not_json, 400, "Invalid or malformed JSON.")
    assert_error(uma.post("user/custom", json=["x"]), 400, code=1000)  # a batch of one bad record
    assert_error(
        uma.post("user/custom/theme", json={"value": 1}),
        400,
        "Create record by identifier not currently supported.",
    )
    assert_error(
        uma.patch("user/custom", json={"value": 1}),
        400,
        "No identifier 'name' found in the record.",
    )
    assert_error(uma.delete("user/custom"), 400)
    assert stored(app) == []

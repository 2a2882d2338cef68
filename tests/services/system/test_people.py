"""``system/user`` and ``system/admin`` (DreamFactory's UserResourceTestCase, for both)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Lookup, User, UserAppRole
from tests.conftest import ADMIN_EMAIL, ADMIN_KEY, Api, assert_error
from tests.services.system.conftest import MASK, PASSWORD, SECRET, make_app, make_role, make_user

NEW_PASSWORD = "another-password-0123456789"  # noqa: S105

both = pytest.mark.parametrize("kind", ["user", "admin"])
"""Tests that hold for ``system/user`` and ``system/admin`` alike."""


def people(kind: str) -> list[dict]:
    return [
        {
            "email": f"dan@{kind}.test",
            "first_name": "Dan",
            "last_name": "Doe",
            "password": PASSWORD,
        },
        {
            "email": f"ann@{kind}.test",
            "first_name": "Ann",
            "last_name": "Roe",
            "password": PASSWORD,
        },
        {
            "email": f"zed@{kind}.test",
            "first_name": "Zed",
            "last_name": "Poe",
            "password": PASSWORD,
        },
    ]


def seed_people(admin: Api, kind: str) -> list[int]:
    response = admin.post(f"system/{kind}", json={"resource": people(kind)})
    assert response.status_code == 201, response.get_json()
    return [r["id"] for r in response.get_json()["resource"]]


def stored(store, user_id: int, column: str):
    return store.scalar(sa.select(getattr(User, column)).where(User.id == user_id))


def login(client, kind: str, email: str, password: str):
    path = "/api/v2/system/admin/session" if kind == "admin" else "/api/v2/user/session"
    return client.post(
        path,
        json={"email": email, "password": password},
        headers={"X-DreamFactory-API-Key": ADMIN_KEY},
    )


@both
def test_create_with_fields_and_related_lookups(admin, kind):
    body = {
        "resource": [
            {
                **people(kind)[0],
                "lookup_by_user_id": [
                    {"name": "open", "value": "v", "private": False},
                    {"name": "hidden", "value": SECRET, "private": True},
                ],
            }
        ]
    }
    response = admin.post(
        f"system/{kind}", json=body, query_string={"fields": "*", "related": "lookup_by_user_id"}
    )
    assert response.status_code == 201, response.get_json()
    (record,) = response.get_json()["resource"]
    assert record["email"] == f"dan@{kind}.test"
    assert record["name"] == "Dan Doe"
    assert record["created_by_id"] == 1
    assert record["confirmed"] is True and record["expired"] is False
    for hidden in ("password", "security_answer", "confirm_code", "remember_token", "is_sys_admin"):
        assert hidden not in record
    assert [(i["name"], i["value"]) for i in record["lookup_by_user_id"]] == [
        ("open", "v"),
        ("hidden", MASK),
    ]
    assert SECRET not in response.get_data(as_text=True)
    assert PASSWORD not in response.get_data(as_text=True)


@both
def test_admins_and_users_are_listed_apart(admin, store, kind):
    make_user(admin, "someone@user.test", "user")
    make_user(admin, "someone@admin.test", "admin")
    users = admin.get("system/user", query_string={"fields": "email"}).get_json()["resource"]
    admins = admin.get("system/admin", query_string={"fields": "email"}).get_json()["resource"]
    assert users == [{"email": "someone@user.test"}]
    assert admins == [{"email": ADMIN_EMAIL}, {"email": "someone@admin.test"}]
    flags = store.run(lambda s: dict(s.execute(sa.select(User.email, User.is_sys_admin)).all()))
    assert flags["someone@user.test"] is False and flags["someone@admin.test"] is True
    other = "admin" if kind == "user" else "user"
    other_id = 2 if other == "user" else 3
    assert_error(admin.get(f"system/{kind}/{other_id}"), 404)


@both
def test_password_rules_and_hashing(admin, store, client, kind):
    short = admin.post(f"system/{kind}", json={"email": "s@x.test", "password": "short"})
    error = assert_error(short, 400)
    assert error["context"] == {"password": ["The password field must be at least 16 characters."]}
    assert (
        error["message"]
        == "Invalid data supplied. The password field must be at least 16 characters."
    )

    user_id = make_user(admin, "p@x.test", kind)
    hashed = stored(store, user_id, "password")
    assert hashed and hashed != PASSWORD and PASSWORD not in hashed
    assert login(client, kind, "p@x.test", PASSWORD).status_code == 200

    response = admin.patch(f"system/{kind}/{user_id}", json={"password": NEW_PASSWORD})
    assert response.status_code == 200, response.get_json()
    assert login(client, kind, "p@x.test", PASSWORD).status_code == 401
    assert login(client, kind, "p@x.test", NEW_PASSWORD).status_code == 200


@both
def test_a_password_change_ends_the_sessions(admin, client, kind):
    user_id = make_user(admin, "p@x.test", kind)
    token = login(client, kind, "p@x.test", PASSWORD).get_json()["session_token"]
    session = "system/admin/session" if kind == "admin" else "user/session"
    me = Api(client, token=token, api_key=ADMIN_KEY)
    assert me.get(session).status_code == 200
    admin.patch(f"system/{kind}/{user_id}", json={"password": NEW_PASSWORD})
    assert me.get(session).status_code in (401, 403)


@both
def test_deactivation_ends_the_sessions(admin, client, kind):
    user_id = make_user(admin, "p@x.test", kind)
    token = login(client, kind, "p@x.test", PASSWORD).get_json()["session_token"]
    admin.patch(f"system/{kind}/{user_id}", json={"is_active": False})
    session = "system/admin/session" if kind == "admin" else "user/session"
    assert Api(client, token=token, api_key=ADMIN_KEY).get(session).status_code in (401, 403)


@both
def test_security_answer_is_stored_hashed(admin, store, kind):
    from app.access import passwords

    user_id = make_user(admin, "q@x.test", kind, security_question="Pet?", security_answer="Rex")
    answer = stored(store, user_id, "security_answer")
    assert answer != "Rex"
    assert store.run(lambda _: passwords.check_password(answer, "Rex"))
    assert not store.run(lambda _: passwords.check_password(answer, "Max"))
    record = admin.get(f"system/{kind}/{user_id}").get_json()
    assert record["security_question"] == "Pet?" and "security_answer" not in record


@both
def test_name_is_derived(admin, kind):
    first = make_user(admin, "only.email@x.test", kind)
    both = make_user(admin, "b@x.test", kind, first_name="Bo", last_name="Bee")
    given = make_user(admin, "g@x.test", kind, first_name="Gi", name="Custom")
    names = [admin.get(f"system/{kind}/{i}").get_json()["name"] for i in (first, both, given)]
    assert names == ["only.email", "Bo Bee", "Custom"]


@both
def test_email_is_required_valid_and_unique(admin, kind):
    error = assert_error(admin.post(f"system/{kind}", json={"password": PASSWORD}), 400)
    assert error["context"] == {"email": ["The email field is required."]}
    error = assert_error(
        admin.post(f"system/{kind}", json={"email": "nope", "password": PASSWORD}), 400
    )
    assert error["context"] == {"email": ["The email field must be a valid email address."]}
    error = assert_error(
        admin.post(f"system/{kind}", json={"email": ADMIN_EMAIL.upper(), "password": PASSWORD}), 400
    )
    assert error["context"] == {"email": ["The email has already been taken."]}


@both
def test_user_to_app_to_role_written_and_read(admin, store, kind):
    role_id = make_role(admin, "r")
    app_id = make_app(admin, "a", role_id=role_id)
    body = {
        "resource": [
            {
                **people(kind)[0],
                "user_to_app_to_role_by_user_id": [{"app_id": app_id, "role_id": role_id}],
            }
        ]
    }
    response = admin.post(
        f"system/{kind}",
        json=body,
        query_string={
            "fields": "id,name",
            "related": "lookup_by_user_id,user_to_app_to_role_by_user_id",
        },
    )
    (record,) = response.get_json()["resource"]
    user_id = record["id"]
    assert record == {
        "id": user_id,
        "name": "Dan Doe",
        "lookup_by_user_id": [],
        "user_to_app_to_role_by_user_id": [
            {"id": 1, "user_id": user_id, "app_id": app_id, "role_id": role_id}
        ],
    }
    duplicate = admin.patch(
        f"system/{kind}/{user_id}",
        json={"user_to_app_to_role_by_user_id": [{"app_id": app_id, "role_id": role_id}]},
    )
    assert_error(duplicate, 400, "Duplicate entry: the user already has a role for this app.")
    missing = admin.patch(
        f"system/{kind}/{user_id}", json={"user_to_app_to_role_by_user_id": [{"app_id": app_id}]}
    )
    assert assert_error(missing, 400)["context"] == {"role_id": ["The role id field is required."]}
    admin.patch(
        f"system/{kind}/{user_id}",
        json={"user_to_app_to_role_by_user_id": [{"id": 1, "user_id": None}]},
    )
    assert store.count(UserAppRole) == 0


@both
def test_get_all_by_id_ids_and_records(admin, kind):
    ids = seed_people(admin, kind)
    listed = admin.get(f"system/{kind}", query_string={"filter": "email like 'dan%'"}).get_json()
    assert [r["id"] for r in listed["resource"]] == [ids[0]]
    one = admin.get(f"system/{kind}/{ids[1]}").get_json()
    assert one["first_name"] == "Ann"
    by_ids = admin.get(
        f"system/{kind}", query_string={"ids": f"{ids[2]},{ids[0]}", "fields": "first_name"}
    )
    assert by_ids.get_json() == {"resource": [{"first_name": "Zed"}, {"first_name": "Dan"}]}
    by_records = admin.post(
        f"system/{kind}",
        json={"resource": [{"id": ids[1]}]},
        query_string={"fields": "first_name"},
        headers={"X-HTTP-Method": "GET"},
    )
    assert by_records.get_json() == {"resource": [{"first_name": "Ann"}]}


@both
def test_filter_paging_and_order(admin, kind):
    seed_people(admin, kind)
    dan = admin.get(
        f"system/{kind}", query_string={"filter": "first_name='Dan'", "fields": "first_name"}
    )
    assert dan.get_json() == {"resource": [{"first_name": "Dan"}]}
    scope = "email like '%.test'"
    page = admin.get(
        f"system/{kind}",
        query_string={
            "filter": scope,
            "fields": "first_name",
            "limit": 2,
            "offset": 1,
            "include_count": 1,
        },
    )
    assert page.get_json() == {
        "resource": [{"first_name": "Ann"}, {"first_name": "Zed"}],
        "meta": {"count": 3},
    }
    for direction, expected in (("asc", ["Ann", "Dan", "Zed"]), ("desc", ["Zed", "Dan", "Ann"])):
        ordered = admin.get(
            f"system/{kind}",
            query_string={
                "filter": scope,
                "fields": "first_name",
                "order": f"first_name {direction}",
            },
        )
        assert [r["first_name"] for r in ordered.get_json()["resource"]] == expected


@both
def test_hidden_fields_can_not_be_filtered_or_selected(admin, kind):
    seed_people(admin, kind)
    for hidden in ("password", "security_answer", "confirm_code", "is_sys_admin"):
        assert_error(
            admin.get(f"system/{kind}", query_string={"filter": f"{hidden}='x'"}),
            400,
            f"Invalid or unparsable field in filter request: '{hidden}'",
        )
        assert_error(admin.get(f"system/{kind}", query_string={"fields": f"email,{hidden}"}), 400)
        assert_error(admin.get(f"system/{kind}", query_string={"order": hidden}), 400)


@both
def test_is_sys_admin_can_not_be_set(admin, store, kind):
    user_id = make_user(admin, "x@x.test", kind, is_sys_admin=kind == "user")
    assert stored(store, user_id, "is_sys_admin") is (kind == "admin")
    admin.patch(f"system/{kind}/{user_id}", json={"is_sys_admin": kind == "user"})
    assert stored(store, user_id, "is_sys_admin") is (kind == "admin")


@both
def test_patch_by_ids_and_records(admin, store, kind):
    ids = seed_people(admin, kind)
    response = admin.patch(
        f"system/{kind}", query_string={"ids": f"{ids[0]},{ids[1]}"}, json={"phone": "555"}
    )
    assert response.get_json() == {"resource": [{"id": ids[0]}, {"id": ids[1]}]}
    response = admin.patch(
        f"system/{kind}",
        json={
            "resource": [
                {
                    "id": ids[2],
                    "last_name": "New",
                    "lookup_by_user_id": [{"name": "k", "value": "v"}],
                }
            ]
        },
        query_string={"fields": "last_name", "related": "lookup_by_user_id"},
    )
    (record,) = response.get_json()["resource"]
    assert record["last_name"] == "New"
    assert [(i["name"], i["user_id"]) for i in record["lookup_by_user_id"]] == [("k", ids[2])]
    phones = store.scalars(sa.select(User.phone).where(User.id.in_(ids)).order_by(User.id))
    assert phones == ["555", "555", None]


@both
def test_nobody_deletes_their_own_account(admin, store, kind):
    assert_error(admin.delete("system/admin/1"), 403, "Cannot delete your account.")
    error = assert_error(admin.delete("system/admin", query_string={"ids": "1"}), 400, code=1000)
    assert error["context"]["resource"][0]["message"] == "Cannot delete your account."
    assert stored(store, 1, "email") == ADMIN_EMAIL


@both
def test_delete_people_and_what_is_theirs(admin, store, kind):
    ids = seed_people(admin, kind)
    admin.patch(
        f"system/{kind}/{ids[0]}", json={"lookup_by_user_id": [{"name": "k", "value": "v"}]}
    )
    response = admin.delete(
        f"system/{kind}", query_string={"ids": f"{ids[0]},{ids[1]}", "fields": "email"}
    )
    assert response.get_json() == {
        "resource": [{"email": f"dan@{kind}.test"}, {"email": f"ann@{kind}.test"}]
    }
    assert store.count(Lookup) == 0
    assert_error(admin.get(f"system/{kind}/{ids[0]}"), 404)


@both
def test_force_delete_spares_the_caller(admin, store, kind):
    seed_people(admin, kind)
    response = admin.delete(
        f"system/{kind}", query_string={"force": "true", "fields": "first_name"}
    )
    assert response.get_json() == {"resource": [{"first_name": n} for n in ("Dan", "Ann", "Zed")]}
    assert store.scalars(sa.select(User.email)) == [ADMIN_EMAIL]


@both
def test_invitation_without_an_email_service_writes_nothing(admin, store, kind):
    response = admin.post(
        f"system/{kind}", json={"resource": [people(kind)[0]]}, query_string={"send_invite": "true"}
    )
    error = assert_error(response, 400, code=1000)
    assert error["context"]["resource"][0]["status_code"] == 503
    assert store.count(User) == 1


@both
def test_a_blank_username_is_none(admin, store, kind):
    """DreamFactory's console always sends the optional ``username``, ``""`` when left empty:
    that is no username, for any number of people, on create and on update."""
    made = []
    for email in (f"a@{kind}.test", f"b@{kind}.test"):
        body = {"email": email, "username": "", "first_name": "", "phone": "", "name": "A"}
        response = admin.post(f"system/{kind}", json={"resource": [body]})
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json()["resource"][0]["id"])
    assert [stored(store, i, "username") for i in made] == [None, None]
    named = admin.patch(f"system/{kind}/{made[0]}", json={"username": "ada_lovelace"})
    assert named.status_code == 200, named.get_json()
    assert stored(store, made[0], "username") == "ada_lovelace"
    cleared = admin.patch(f"system/{kind}/{made[0]}", json={"username": "  "})
    assert cleared.status_code == 200, cleared.get_json()
    assert admin.get(f"system/{kind}/{made[0]}").get_json()["username"] is None
    short = admin.post(f"system/{kind}", json={"email": f"c@{kind}.test", "username": "abc"})
    assert "username" in assert_error(short, 400)["context"]


@both
def test_computed_fields_can_be_selected(admin, kind):
    user_id = seed_people(admin, kind)[0]
    response = admin.get(f"system/{kind}/{user_id}", query_string={"fields": "email,confirmed"})
    assert response.get_json() == {"email": f"dan@{kind}.test", "confirmed": True}


def test_user_resource_refuses_admins(admin, store):
    assert_error(
        admin.patch("system/user/1", json={"first_name": "x"}),
        403,
        "Not allowed to change an admin user.",
    )
    assert_error(admin.delete("system/user/1"), 403, "Not allowed to delete an admin user.")
    assert_error(admin.get("system/user/1"), 404)
    assert stored(store, 1, "first_name") == "Ada"

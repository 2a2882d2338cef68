"""The access-control story of issue 3, end to end, as a new user would try it.

An admin creates a role with access to one table, an app bound to it, a user
with that per-app role, a limit and a CORS rule; the user logs in through the
app's key and may do exactly what the role allows, gets DreamFactory's errors
otherwise, is stopped at the limit, and the CORS rule answers a preflight.
"""

from __future__ import annotations

from tests.conftest import Api, assert_error

PASSWORD = "user-password-0123456789"


def setup_story(admin):
    db_id = next(
        s["id"] for s in admin.get("system/service").get_json()["resource"] if s["name"] == "db"
    )
    role = admin.post(
        "system/role",
        json={
            "resource": [
                {
                    "name": "todo_reader",
                    "role_service_access_by_role_id": [
                        {
                            "service_id": db_id,
                            "component": "_table/todo",
                            "verb_mask": 3,
                            "requestor_mask": 1,
                        },
                        {
                            "service_id": db_id,
                            "component": "_table/todo/*",
                            "verb_mask": 1,
                            "requestor_mask": 1,
                        },
                    ],
                }
            ]
        },
    ).get_json()["resource"][0]["id"]
    app = admin.post(
        "system/app?fields=*", json={"resource": [{"name": "todo_app", "role_id": None}]}
    )
    app_id, key = app.get_json()["resource"][0]["id"], app.get_json()["resource"][0]["api_key"]
    created = admin.post(
        "system/user",
        json={
            "resource": [
                {
                    "email": "u@example.com",
                    "first_name": "U",
                    "password": PASSWORD,
                    "user_to_app_to_role_by_user_id": [{"app_id": app_id, "role_id": role}],
                }
            ]
        },
    )
    assert created.status_code == 201, created.get_json()
    return db_id, role, key


def test_the_whole_story(client, admin):
    db_id, role, key = setup_story(admin)
    user = Api(client, api_key=key)
    session = user.login("u@example.com", PASSWORD, admin=False)
    assert session["role"] == "todo_reader" and session["role_id"] == role

    listed = user.get("db/_table/todo")
    assert listed.status_code == 200, listed.get_json()
    first = listed.get_json()["resource"][0]["id"]
    assert user.get(f"db/_table/todo/{first}").status_code == 200
    created = user.post("db/_table/todo", json={"resource": [{"name": "from the user"}]})
    assert created.status_code == 200, created.get_json()

    assert_error(
        user.delete(f"db/_table/todo/{first}"),
        403,
        "Access Forbidden. DELETE access to component '_table/todo/"
        f"{first}' of service 'db' is not allowed by this user's role.",
    )
    assert_error(user.get("db/_table/contact"), 403)
    assert_error(user.get("system/service"), 403)
    assert [s["name"] for s in user.get("/api/v2").get_json()["services"]] == ["db"]
    assert_error(Api(client, token=user.token).get("db/_table/todo"), 400)  # no API key
    no_session = assert_error(Api(client, api_key=key).get("db/_table/todo"), 400)
    assert no_session["message"].startswith("No session token (JWT) provided.")

    limit = admin.post(
        "system/limit",
        json={
            "resource": [
                {
                    "name": "two per minute",
                    "type": "instance.user",
                    "user_id": session["id"],
                    "rate": 2,
                    "period": "minute",
                }
            ]
        },
    )
    assert limit.status_code == 201, limit.get_json()
    assert user.get("db/_table/todo").status_code == 200
    assert user.get("db/_table/todo").status_code == 200
    refused = user.get("db/_table/todo")
    assert_error(refused, 429, "API limit(s) exceeded. ")
    assert refused.headers["X-RateLimit-Limit"] == "2"

    rule = {
        "path": "api/*",
        "origin": "https://todo.example",
        "method": ["GET", "POST"],
        "enabled": True,
    }
    assert admin.post("system/cors", json={"resource": [rule]}).status_code == 201
    preflight = client.options(
        "/api/v2/db/_table/todo",
        headers={"Origin": "https://todo.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://todo.example"


def test_lookups_reach_client_filters_and_service_configs(client, admin):
    assert (
        admin.post(
            "system/lookup", json={"resource": [{"name": "wanted", "value": "1"}]}
        ).status_code
        == 201
    )
    rows = admin.get("db/_table/todo", query_string={"filter": "id = {wanted}"}).get_json()[
        "resource"
    ]
    assert [r["id"] for r in rows] == [1]
    secret = {"name": "dbfile", "value": "db.sqlite", "private": True}
    assert admin.post("system/lookup", json={"resource": [secret]}).status_code == 201
    made = admin.post(
        "system/service",
        json={"resource": [{"name": "db2", "type": "sqlite", "config": {"database": "{dbfile}"}}]},
    )
    assert made.status_code == 201, made.get_json()
    assert admin.get("db2/_table/todo/1").status_code == 200
    assert (
        admin.get("system/service?filter=name='db2'").get_json()["resource"][0]["config"][
            "database"
        ]
        == "{dbfile}"
    )


def test_an_instance_without_admin_answers_503(app, client):
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.delete(User))
        db.session.commit()
    error = assert_error(client.get("/api/v2"), 503)
    assert "/setup" in error["message"]
    assert client.get("/status").status_code == 200

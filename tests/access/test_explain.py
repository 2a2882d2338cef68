"""``system/access``: why a role, or an app and user, may or may not make a call.

The answer is the decision the pipeline takes for that call (the same functions),
with the access row that took it; only admins may ask.
"""

from __future__ import annotations

import pytest

from tests.conftest import (
    USER_PASSWORD,
    Api,
    assert_error,
    create_api_app,
    create_role,
    create_user,
)

READ = 1
WRITE = 2 | 4 | 8
DELETE = 16
API, SCRIPT = 1, 2


@pytest.fixture
def stage(app, admin):
    """A role reading every table of ``db``, writing ``contact`` under a filter, with an app."""
    db_id = admin.get("system/service", query_string={"filter": "name=db"}).get_json()["resource"][
        0
    ]["id"]
    role_id = create_role(
        admin,
        "clerk",
        [
            {
                "service_id": db_id,
                "component": "_table/*",
                "verb_mask": READ,
                "requestor_mask": API,
            },
            {
                "service_id": db_id,
                "component": "_table/contact",
                "verb_mask": READ | WRITE,
                "requestor_mask": API | SCRIPT,
                "filters": [{"name": "id", "operator": ">", "value": "1"}],
                "filter_op": "AND",
            },
        ],
    )
    rows = admin.get(
        f"system/role/{role_id}", query_string={"related": "role_service_access_by_role_id"}
    ).get_json()["role_service_access_by_role_id"]
    app_id, api_key = create_api_app(admin, "clerk-app", role_id)
    return {"role": role_id, "app": app_id, "key": api_key, "rows": rows, "db": db_id}


def explain(admin: Api, **params):
    return admin.get("system/access", query_string=params)


def row_for(stage, component: str) -> dict:
    return next(r for r in stage["rows"] if r["component"] == component)


def test_one_record_falls_to_the_wildcard_row(admin, stage):
    """``_table/contact`` is no match for ``_table/contact/5``: ``_table/*`` decides (GET only)."""
    response = explain(admin, role_id=stage["role"], verb="patch", path="db/_table/contact/5")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["allowed"] is False
    assert answer["verb"] == "PATCH"
    assert answer["service"] == "db" and answer["component"] == "_table/contact/5"
    assert answer["requestor"] == "API"
    assert answer["role"] == {"id": stage["role"], "name": "clerk"}
    assert answer["access"]["id"] == row_for(stage, "_table/*")["id"]
    read = explain(admin, role_id=stage["role"], verb="GET", path="/api/v2/db/_table/contact/5")
    assert read.get_json()["allowed"] is True
    assert read.get_json()["component"] == "_table/contact/5"


def test_exact_row_allows_and_carries_its_filters(admin, stage):
    answer = explain(
        admin, role_id=stage["role"], verb="PATCH", path="db/_table/contact"
    ).get_json()
    assert answer["allowed"] is True
    row = row_for(stage, "_table/contact")
    assert answer["access"]["id"] == row["id"]
    assert answer["access"]["filters"] == [{"name": "id", "operator": ">", "value": "1"}]
    assert answer["access"]["filter_op"] == "AND"
    assert "_table/contact" in answer["reason"]
    assert answer["status_code"] is None


def test_a_more_specific_row_shadows_and_denies(admin, stage):
    """DELETE on contact: the exact row decides (no DELETE) even though nothing else would."""
    answer = explain(
        admin, role_id=stage["role"], verb="DELETE", path="db/_table/contact"
    ).get_json()
    assert answer["allowed"] is False
    assert answer["status_code"] == 403
    assert answer["access"]["id"] == row_for(stage, "_table/contact")["id"]
    assert "DELETE" in answer["reason"]


def test_wildcard_row_allows_reads_of_other_tables(admin, stage):
    answer = explain(admin, role_id=stage["role"], verb="GET", path="db/_table/todo").get_json()
    assert answer["allowed"] is True
    assert answer["access"]["id"] == row_for(stage, "_table/*")["id"]
    denied = explain(admin, role_id=stage["role"], verb="POST", path="db/_table/todo").get_json()
    assert denied["allowed"] is False
    assert denied["access"]["id"] == row_for(stage, "_table/*")["id"]


def test_no_row_for_the_service_denies_with_no_row(admin, stage):
    answer = explain(admin, role_id=stage["role"], verb="GET", path="files/").get_json()
    assert answer["allowed"] is False
    assert answer["access"] is None
    assert answer["status_code"] == 403


def test_script_requestor_sees_only_script_rows(admin, stage):
    answer = explain(
        admin, role_id=stage["role"], verb="GET", path="db/_table/todo", requestor="script"
    ).get_json()
    assert answer["requestor"] == "SCRIPT"
    assert answer["allowed"] is False
    contact = explain(
        admin, role_id=stage["role"], verb="GET", path="db/_table/contact", requestor="SCRIPT"
    ).get_json()
    assert contact["allowed"] is True


def test_an_inactive_role_denies(admin, stage):
    assert admin.patch(f"system/role/{stage['role']}", json={"is_active": False}).status_code == 200
    answer = explain(admin, role_id=stage["role"], verb="GET", path="db/_table/todo").get_json()
    assert answer["allowed"] is False
    assert "not active" in answer["reason"]


def test_the_answer_matches_the_real_call(client, admin, stage):
    """What the explanation says is what a call with the app's key gets."""
    user_id = create_user(admin, "clerk@example.com", first_name="Cleo")
    caller = Api(client, api_key=stage["key"])
    caller.login("clerk@example.com", USER_PASSWORD, admin=False)
    for verb, path in [
        ("GET", "db/_table/contact"),
        ("DELETE", "db/_table/contact"),
        ("POST", "db/_table/todo"),
        ("GET", "files/"),
        ("GET", "user/session"),
    ]:
        answer = explain(admin, app=stage["app"], user=user_id, verb=verb, path=path).get_json()
        real = caller.call(verb, path, query_string={"ids": "999999"} if verb == "DELETE" else {})
        assert answer["allowed"] == (real.status_code not in (400, 401, 403)), (verb, path, real)
        if not answer["allowed"]:
            assert answer["reason"].startswith(real.get_json()["error"]["message"])
            assert answer["status_code"] == real.status_code


def test_app_and_user_names_the_role_the_pipeline_would_use(admin, stage):
    other = create_role(admin, "other", [])
    user_id = create_user(admin, "per-app@example.com")
    body = {"app_id": stage["app"], "role_id": other}
    response = admin.patch(
        f"system/user/{user_id}", json={"user_to_app_to_role_by_user_id": [body]}
    )
    assert response.status_code == 200, response.get_json()
    answer = explain(
        admin, app="clerk-app", user="per-app@example.com", verb="GET", path="db/_table/todo"
    ).get_json()
    assert answer["role"] == {"id": other, "name": "other"}
    assert answer["allowed"] is False
    default = explain(admin, app=stage["app"], verb="GET", path="db/_table/todo").get_json()
    assert default["role"]["id"] == stage["role"]
    assert default["allowed"] is True
    assert default["user"] is None and default["app"]["name"] == "clerk-app"


def test_an_admin_user_and_exceptions_are_explained(admin, stage):
    me = admin.get("system/admin", query_string={"fields": "id"}).get_json()["resource"][0]["id"]
    answer = explain(admin, user=me, verb="DELETE", path="db/_table/contact").get_json()
    assert answer["allowed"] is True and answer["access"] is None
    assert "admin" in answer["reason"]
    login = explain(admin, app=stage["app"], verb="POST", path="user/session").get_json()
    assert login["allowed"] is True and login["access"] is None
    assert "without" in login["reason"]


def test_bad_questions_are_clear_errors(admin, stage):
    error = assert_error(explain(admin, verb="GET", path="db/_table/todo"), 400)
    assert "role_id" in error["message"]
    error = assert_error(explain(admin, role_id=stage["role"], verb="FETCH", path="db"), 400)
    assert "verb" in error["context"]
    error = assert_error(explain(admin, role_id=stage["role"], verb="GET", path=""), 400)
    assert "path" in error["context"]
    error = assert_error(
        explain(admin, role_id=stage["role"], verb="GET", path="db", requestor="x"), 400
    )
    assert "requestor" in error["context"]
    assert_error(explain(admin, role_id=999999, verb="GET", path="db"), 404)
    assert_error(explain(admin, role_id="x", verb="GET", path="db"), 400)
    assert_error(explain(admin, app="no-such-app", verb="GET", path="db"), 404)
    assert_error(explain(admin, user="nobody@example.com", verb="GET", path="db"), 404)


def test_only_admins_may_ask(client, admin, stage):
    """Even a role that reaches ``system/access`` gets no answer: it shows any role's rules."""
    system_id = admin.get("system/service", query_string={"filter": "name=system"}).get_json()[
        "resource"
    ][0]["id"]
    role_id = create_role(
        admin,
        "nosy",
        [{"service_id": system_id, "component": "*", "verb_mask": 31, "requestor_mask": API}],
    )
    _, key = create_api_app(admin, "nosy-app", role_id)
    create_user(admin, "nosy@example.com")
    nosy = Api(client, api_key=key)
    nosy.login("nosy@example.com", USER_PASSWORD, admin=False)
    assert_error(explain(nosy, role_id=stage["role"], verb="GET", path="db"), 403)
    assert_error(
        explain(Api(client, api_key=key), role_id=stage["role"], verb="GET", path="db"), 401
    )


def test_the_system_document_describes_it(admin):
    doc = admin.get("system/_spec")
    assert doc.status_code == 200, doc.get_data(as_text=True)[:300]
    paths = doc.get_json()["paths"]
    operation = paths["/access"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"role_id", "app", "user", "verb", "path", "requestor"} <= names

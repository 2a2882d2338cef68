"""The seed documents' example scripts, saved as a new user would and behaving as documented.

Each test is parametrized by the languages that have a version of its example
(``helpers.EXAMPLES``); engines add their language by adding entries there.
"""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_KEY, assert_error
from tests.scripting.helpers import (
    EXAMPLES,
    EXCEPTIONS,
    THROW,
    create_script_service,
    languages,
    save_script,
)


@pytest.mark.parametrize("language", languages("validate_input"))
def test_validating_input(admin, language):
    save_script(
        admin, "db._table.todo.post.pre_process", EXAMPLES["validate_input"][language], language
    )
    assert_error(
        admin.post("db/_table/todo", json={"resource": [{"complete": True}]}), 500, "Missing name."
    )
    assert_error(
        admin.post("db/_table/todo", json={"resource": [{"name": "ok"}]}), 500, "Missing complete."
    )
    assert_error(
        admin.post("db/_table/todo", json={"resource": [{"name": "ab", "complete": False}]}),
        500,
        "Name must be at least 3 characters.",
    )
    good = admin.post("db/_table/todo", json={"resource": [{"name": "fine", "complete": False}]})
    assert good.status_code == 200, good.get_json()
    names = [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]
    assert names == ["Try the API docs", "Create a role", "Add an app", "fine"]


@pytest.mark.parametrize("language", languages("transform_response"))
def test_transforming_a_response(admin, language):
    save_script(
        admin, "db._table.todo.get.post_process", EXAMPLES["transform_response"][language], language
    )
    records = admin.get("db/_table/todo").get_json()["resource"]
    assert records[0] == {"id": 1, "name": "Try the API docs", "title": "Try the API docs (done)"}
    assert records[1]["title"] == "Create a role (open)"
    assert all("complete" not in r for r in records)


@pytest.mark.parametrize("language", languages("stop_with_status"))
def test_stopping_with_a_status_code(admin, language):
    create_script_service(admin, "stopper", EXAMPLES["stop_with_status"][language], language)
    assert admin.get("stopper/test").get_json() == {"test": "value"}
    other = admin.get("stopper/other")
    assert other.status_code == 400
    assert other.get_json() == {"error": "Invalid resource requested."}
    assert_error(admin.post("stopper/test"), 500, "Only HTTP GET is allowed on this endpoint.")


@pytest.mark.parametrize("language", languages("missing_filter"))
def test_throwing_an_exception(admin, language):
    save_script(
        admin, "db._table.todo.get.pre_process", EXAMPLES["missing_filter"][language], language
    )
    assert_error(admin.get("db/_table/todo"), 400, "Missing filter")
    assert_error(
        admin.get("db/_table/todo", query_string={"coded": "1"}), 400, "Missing filter", code=123456
    )
    found = admin.get("db/_table/todo", query_string={"filter": "id=1"})
    assert [r["id"] for r in found.get_json()["resource"]] == [1]


@pytest.mark.parametrize("language", sorted(THROW))
@pytest.mark.parametrize(("call", "status", "code"), EXCEPTIONS, ids=[e[0] for e in EXCEPTIONS])
def test_exception_table(admin, language, call, status, code):
    message = call.split("'")[1]
    create_script_service(admin, "thrower", THROW[language].format(call=call), language)
    assert_error(admin.get("thrower"), status, message, code=code)


@pytest.mark.parametrize("language", languages("batch_exception"))
def test_batch_exception(admin, language):
    create_script_service(admin, "batch", EXAMPLES["batch_exception"][language], language)
    response = admin.get("batch")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "code": 1000,
            "context": {
                "error": [0, 2],
                "resource": [
                    {"code": 400, "context": None, "message": "Missing Name", "status_code": 400},
                    {"Name": "Tomo", "Location": "London"},
                    {
                        "code": 400,
                        "context": None,
                        "message": "Missing Location",
                        "status_code": 400,
                    },
                ],
            },
            "message": "Some failed requests",
            "status_code": 400,
        }
    }


@pytest.mark.parametrize("language", languages("df_exception"))
def test_df_exception_wraps_another(admin, language):
    create_script_service(admin, "wrapped", EXAMPLES["df_exception"][language], language)
    response = admin.get("wrapped")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert (error["code"], error["message"]) == (400, "Missing Location")


@pytest.mark.parametrize("language", languages("obfuscate_table"))
def test_obfuscating_a_table_endpoint(admin, language):
    create_script_service(admin, "todos", EXAMPLES["obfuscate_table"][language], language)
    assert admin.get("todos").get_json() == admin.get("db/_table/todo").get_json()
    assert admin.get("todos/2").get_json()["name"] == "Create a role"
    assert admin.get("todos", query_string={"filter": "id=3"}).get_json()["resource"][0]["id"] == 3
    created = admin.post("todos", json={"resource": [{"name": "short url"}]})
    new_id = created.get_json()["resource"][0]["id"]
    assert admin.patch(f"todos/{new_id}", json={"complete": True}).get_json() == {"id": new_id}
    assert admin.get(f"db/_table/todo/{new_id}").get_json()["complete"] is True
    assert admin.delete(f"todos/{new_id}").get_json() == {"id": new_id}
    missing = admin.get(f"todos/{new_id}")
    assert_error(missing, 404, f"Record with identifier '{new_id}' not found.")


HISTORY = {
    "name": "transaction_history",
    "field": [
        {"name": "id", "type": "id"},
        {"name": "api_key", "type": "string", "length": 80},
        {"name": "user_email", "type": "string", "length": 255},
        {"name": "path", "type": "string", "length": 255},
    ],
}


@pytest.mark.parametrize("language", languages("custom_logging"))
def test_custom_logging(admin, language):
    assert admin.post("db/_schema", json={"resource": [HISTORY]}).status_code == 200
    save_script(
        admin, "db._table.todo.get.post_process", EXAMPLES["custom_logging"][language], language
    )
    admin.api_key = ADMIN_KEY
    assert admin.get("db/_table/todo").status_code == 200
    assert admin.get("db/_table/todo/1").status_code == 200  # another endpoint: not logged
    rows = admin.get("db/_table/transaction_history").get_json()["resource"]
    assert rows == [
        {
            "id": 1,
            "api_key": ADMIN_KEY,
            "user_email": "admin@example.com",
            "path": "/api/v2/db/_table/todo",
        }
    ]


@pytest.mark.parametrize("language", languages("dynamic_headers"))
def test_dynamic_authorization_headers(app, admin, language):
    remote = {
        "name": "remote",
        "type": "rws",
        "config": {
            "base_url": "https://api.example.com",
            "headers": [{"name": "Authorization", "value": "Bearer old", "action": 31}],
        },
    }
    created = admin.post("system/service", json={"resource": [remote]})
    assert created.status_code == 201, created.get_json()
    service_id = created.get_json()["resource"][0]["id"]
    create_script_service(admin, "rotate", EXAMPLES["dynamic_headers"][language], language)
    result = admin.get("rotate", query_string={"service_id": service_id, "token": "new-token"})
    assert result.status_code == 200, result.get_json()
    shown = admin.get(f"system/service/{service_id}").get_json()["config"]
    assert shown["headers"][0]["value"] == "**********"  # an Authorization value stays masked
    with app.app_context():
        from app.extensions import db
        from app.models import Service

        stored = db.session.get(Service, service_id).config
        db.session.remove()
    assert stored["headers"][0]["value"] == "Bearer new-token"


@pytest.mark.parametrize("language", languages("route_on_method"))
def test_scripted_service_routing_on_method(admin, language):
    create_script_service(admin, "router", EXAMPLES["route_on_method"][language], language)
    assert admin.get("router").get_json() == {"hello": "world"}
    assert admin.get("router/there").get_json() == {"hello": "there"}
    posted = admin.post("router", json={"a": 1})
    assert posted.status_code == 201
    assert posted.get_json() == {"created": {"a": 1}}
    assert_error(admin.delete("router"), 501, "DELETE is not supported here.")

"""``system/event_script`` and ``system/script_type``: saving, validating and listing scripts."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.scripting.helpers import save_script

NAME = "db._table.todo.get.pre_process"


def test_post_by_name_creates_then_updates(admin):
    body = {"type": "python", "content": "pass", "is_active": True}
    created = admin.post(f"system/event_script/{NAME}", json=body)
    assert created.status_code == 201
    assert created.get_json() == {"name": NAME}
    updated = admin.post(f"system/event_script/{NAME}", json={**body, "content": "return None"})
    assert updated.status_code == 200
    assert updated.get_json() == {"name": NAME}
    record = admin.get(f"system/event_script/{NAME}").get_json()
    assert record["content"] == "return None"
    assert record["type"] == "python"
    assert record["is_active"] is True
    assert record["allow_event_modification"] is False
    assert record["storage_service_id"] is None
    assert {"created_date", "last_modified_date", "config"} <= set(record)


def test_list_put_patch_delete(admin):
    save_script(admin, NAME, "pass")
    save_script(admin, "db._table.todo.get.post_process", "pass", active=False)
    listing = admin.get("system/event_script", query_string={"fields": "name,is_active"})
    assert listing.get_json() == {
        "resource": [
            {"name": "db._table.todo.get.post_process", "is_active": False},
            {"name": NAME, "is_active": True},
        ]
    }
    put = admin.put(f"system/event_script/{NAME}", json={"content": "print(1)"})
    assert put.status_code == 200
    assert admin.get(f"system/event_script/{NAME}").get_json()["content"] == "print(1)"
    deleted = admin.delete(f"system/event_script/{NAME}")
    assert deleted.get_json() == {"name": NAME}
    assert_error(
        admin.get(f"system/event_script/{NAME}"), 404, f"Record with identifier '{NAME}' not found."
    )


def test_batch_create_refuses_a_duplicate(admin):
    save_script(admin, NAME, "pass")
    response = admin.post(
        "system/event_script", json={"resource": [{"name": NAME, "type": "python"}]}
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"type": "cobol"}, "type", "Script engine type 'cobol' not found."),
        ({"type": "python", "name": "db._table.todo.fetch.pre_process"}, "name", None),
        ({"type": "python", "name": "db._table.todo"}, "name", None),
        ({"type": "python", "name": "db._table.todo.get.finally"}, "name", None),
        ({"type": "python", "name": "has space.get.pre_process"}, "name", None),
        ({"type": "python", "storage_service_id": 1}, "storage_path", None),
        ({"type": "python", "config": "text"}, "config", None),
        ({"name": NAME}, "type", "The type field is required."),
    ],
)
def test_validation(admin, body, field, message):
    body = {"name": NAME, "content": "pass", **body}
    response = admin.post("system/event_script", json=body)
    error = assert_error(response, 400)
    assert field in error["context"], error
    if message is not None:
        assert error["context"][field] == [message]


def test_renaming_is_refused(admin):
    save_script(admin, NAME, "pass")
    response = admin.patch(
        f"system/event_script/{NAME}", json={"name": "db._table.todo.get.post_process"}
    )
    error = assert_error(response, 400)
    assert error["context"] == {"name": ["An event script can not be renamed."]}


def test_body_name_must_match_the_path(admin):
    response = admin.post(
        f"system/event_script/{NAME}", json={"name": "other.get.pre_process", "type": "python"}
    )
    assert_error(response, 400, f"The name in the body does not match '{NAME}'.")


def test_script_type_lists_usable_engines(admin):
    listing = admin.get("system/script_type").get_json()["resource"]
    by_name = {item["name"]: item for item in listing}
    assert by_name["python"] == {
        "name": "python",
        "label": "Python",
        "description": by_name["python"]["description"],
        "sandboxed": False,
        "supports_inline_execution": False,
    }
    assert "python3" in by_name
    assert admin.get("system/script_type/python3").get_json()["name"] == "python3"
    assert_error(
        admin.get("system/script_type/cobol"), 404, "Script engine type 'cobol' not found."
    )


def test_disabled_scripting_answers_503(app, admin, monkeypatch):
    save_script(admin, NAME, "event.request.parameters['filter'] = 'id=2'")
    monkeypatch.setitem(app.config, "SCRIPTING_DISABLE", "all")
    body = {"type": "python", "content": "pass"}
    assert_error(
        admin.post("system/event_script/db.get.pre_process", json=body),
        503,
        "All scripting is disabled for this instance.",
    )
    assert_error(admin.get("db/_table/todo"), 503, "All scripting is disabled for this instance.")
    assert admin.get("system/script_type").get_json() == {"resource": []}
    assert admin.get("system/event_script").status_code == 200  # reading them still works

    monkeypatch.setitem(app.config, "SCRIPTING_DISABLE", "nodejs, python")
    assert_error(
        admin.post("system/event_script/db.get.pre_process", json=body),
        503,
        "Scripting with python is disabled for this instance.",
    )
    names = [i["name"] for i in admin.get("system/script_type").get_json()["resource"]]
    assert "python" not in names
    assert "python3" in names
    save_script(admin, "db.get.pre_process", "pass", "python3")


def test_script_code_linked_from_a_file_service(admin):
    files = admin.get("system/service", query_string={"filter": "name=files"}).get_json()
    files_id = files["resource"][0]["id"]
    code = "event.request.parameters['filter'] = 'id=3'"
    uploaded = admin.post("files/pick.py", data=code.encode())
    assert uploaded.status_code == 201, uploaded.get_json()
    save_script(admin, NAME, "", storage_service_id=files_id, storage_path="pick.py")
    assert [r["id"] for r in admin.get("db/_table/todo").get_json()["resource"]] == [3]

    # a write through the API to the linked file is seen at once, by every process
    changed = "event.request.parameters['filter'] = 'id=1'"
    assert admin.post("files/pick.py", data=changed.encode()).status_code == 201
    assert [r["id"] for r in admin.get("db/_table/todo").get_json()["resource"]] == [1]

    assert admin.delete("files/pick.py").status_code == 200
    error = assert_error(admin.get("db/_table/todo"), 500)
    assert error["message"].startswith(f"Script '{NAME}' could not be read from 'files/pick.py'")

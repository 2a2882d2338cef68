"""Response wrapping: DF_ALWAYS_WRAP_RESOURCES, DF_RESOURCE_WRAPPER and the ``wrap`` option.

The settings are read per request, so a test changes them on the ``app``
fixture's config before calling. The seeded ``db`` service's sample database
holds the three-row ``todo`` table.
"""

from __future__ import annotations

import pytest

from app.wrapping import shape, wrapped_list
from tests.conftest import assert_error
from tests.scripting.helpers import EXAMPLES, save_script

TODO = "db/_table/todo"


def names(rows):
    return [row["name"] for row in rows]


def test_lists_are_wrapped_under_resource_by_default(admin):
    body = admin.get(TODO).get_json()
    assert list(body) == ["resource"]
    assert names(body["resource"]) == ["Try the API docs", "Create a role", "Add an app"]
    assert list(admin.get("system/role").get_json()) == ["resource"]


def test_wrap_false_answers_the_bare_array(admin):
    body = admin.get(TODO, query_string={"wrap": "false", "fields": "id"}).get_json()
    assert body == [{"id": 1}, {"id": 2}, {"id": 3}]
    listing = admin.get("db", query_string={"as_list": "true", "wrap": "0"}).get_json()
    assert isinstance(listing, list) and "_table" in listing


def test_a_list_with_meta_stays_wrapped(admin):
    body = admin.get(TODO, query_string={"wrap": "false", "include_count": "true"}).get_json()
    assert set(body) == {"resource", "meta"}
    assert body["meta"]["count"] == 3
    assert len(body["resource"]) == 3


def test_system_resources_follow_the_same_rule(app, admin):
    created = admin.post("system/role", json={"resource": [{"name": "clerk"}]})
    assert created.status_code == 201
    bare = admin.get("system/role", query_string={"wrap": "false", "fields": "name"})
    assert bare.get_json() == [{"name": "clerk"}]
    app.config["RESOURCE_WRAPPER"] = "records"
    renamed = admin.get("system/role", query_string={"fields": "name"}).get_json()
    assert renamed == {"records": [{"name": "clerk"}]}
    made = admin.post("system/role", json={"records": [{"name": "buyer"}, {"name": "seller"}]})
    assert made.status_code == 201
    assert len(made.get_json()["records"]) == 2
    listed = admin.get("system/role", query_string={"fields": "name"}).get_json()["records"]
    assert names(listed) == ["clerk", "buyer", "seller"]


def test_a_configured_wrapper_renames_the_key_and_is_read_in_bodies(app, admin):
    app.config["RESOURCE_WRAPPER"] = "records"
    body = admin.get(TODO, query_string={"fields": "id"}).get_json()
    assert body == {"records": [{"id": 1}, {"id": 2}, {"id": 3}]}
    counted = admin.get(TODO, query_string={"include_count": "1", "limit": "1"}).get_json()
    assert list(counted) == ["records", "meta"] and counted["meta"]["count"] == 3
    created = admin.post(TODO, json={"records": [{"name": "Ship it"}, {"name": "Rest"}]})
    assert created.status_code == 200, created.get_json()
    ids = [row["id"] for row in created.get_json()["records"]]
    assert len(ids) == 2
    # records sent under the default name still work, and a bare array as ever
    assert admin.post(TODO, json={"resource": [{"name": "Old style"}]}).status_code == 200
    assert admin.post(TODO, json=[{"name": "Bare"}]).status_code == 200
    patched = admin.patch(TODO, json={"records": [{"id": ids[0], "complete": True}]})
    assert patched.get_json() == {"records": [{"id": ids[0]}]}
    one = admin.get(f"{TODO}/{ids[0]}").get_json()
    assert one["name"] == "Ship it" and one["complete"] in (True, 1)
    every = admin.get(TODO, query_string={"fields": "name"}).get_json()["records"]
    assert names(every)[3:] == ["Ship it", "Rest", "Old style", "Bare"]
    xml = admin.get(TODO, query_string={"fields": "id"}, headers={"Accept": "application/xml"})
    assert b"<dfapi><records><item><id>1</id></item>" in xml.data


def test_wrap_true_forces_wrapping_when_the_setting_is_off(app, admin):
    app.config["ALWAYS_WRAP_RESOURCES"] = False
    assert admin.get(TODO, query_string={"fields": "id"}).get_json() == [
        {"id": 1},
        {"id": 2},
        {"id": 3},
    ]
    forced = admin.get(TODO, query_string={"fields": "id", "wrap": "true"}).get_json()
    assert forced == {"resource": [{"id": 1}, {"id": 2}, {"id": 3}]}
    counted = admin.get(TODO, query_string={"include_count": "true"}).get_json()
    assert set(counted) == {"resource", "meta"}
    created = admin.post(TODO, json={"resource": [{"name": "Unwrapped"}]})
    assert created.status_code == 200
    assert list(created.get_json()[0]) == ["id"]
    assert isinstance(admin.get("system/role").get_json(), list)


def test_errors_and_single_records_are_never_touched(app, admin):
    app.config["RESOURCE_WRAPPER"] = "records"
    for wrap in ("false", "true"):
        one = admin.get(f"{TODO}/2", query_string={"wrap": wrap}).get_json()
        assert one == {"id": 2, "name": "Create a role", "complete": False}
        assert_error(
            admin.get(f"{TODO}/99", query_string={"wrap": wrap}),
            404,
            "Record with identifier '99' not found.",
        )
    batch = admin.post(
        TODO,
        query_string={"wrap": "false", "continue": "true"},
        json={"records": [{"name": "Fine"}, {"name": "Fine"}]},
    )
    assert batch.status_code == 400
    error = batch.get_json()["error"]
    assert set(batch.get_json()) == {"error"} and error["code"] == 1000
    assert isinstance(error["context"]["resource"], list)  # the envelope keeps its shape


@pytest.mark.parametrize("setting", [True, False])
def test_post_process_scripts_see_the_list_under_resource(app, admin, setting):
    app.config["ALWAYS_WRAP_RESOURCES"] = setting
    app.config["RESOURCE_WRAPPER"] = "records"
    save_script(admin, "db._table.todo.get.post_process", EXAMPLES["transform_response"]["python"])
    response = admin.get(TODO)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    rows = body["records"] if setting else body
    assert rows[0]["title"] == "Try the API docs (done)"
    assert "complete" not in rows[0]


def test_shape_leaves_anything_but_a_list_answer_alone(app):
    with app.test_request_context("/api/v2/x?wrap=false"):
        app.config["RESOURCE_WRAPPER"] = "records"
        assert shape({"resource": [1], "meta": {"count": 1}}) == {
            "records": [1],
            "meta": {"count": 1},
        }
        assert shape({"resource": [1]}) == [1]
        assert shape({"resource": "_table/todo", "method": "GET"}) == {
            "resource": "_table/todo",
            "method": "GET",
        }
        assert shape({"resource": [1], "out_param": 2}) == {"resource": [1], "out_param": 2}
        assert shape({"error": {"code": 400}}) == {"error": {"code": 400}}
        assert shape([{"id": 1}]) == [{"id": 1}]
        assert wrapped_list({"records": [1], "resource": [2]}) == [1]
        assert wrapped_list({"resource": [2]}) == [2]
        assert wrapped_list({"records": {"id": 1}}) is None


def test_settings_come_from_df_environment_variables(
    stores, backend, tmp_path, spare_app, monkeypatch
):
    monkeypatch.setenv("DF_ALWAYS_WRAP_RESOURCES", "false")
    monkeypatch.setenv("DF_RESOURCE_WRAPPER", "records")
    application = spare_app(stores(backend), str(tmp_path / "storage"))
    assert application.config["ALWAYS_WRAP_RESOURCES"] is False
    assert application.config["RESOURCE_WRAPPER"] == "records"


def test_file_folder_listings_are_wrapped_whatever_is_asked(app, admin):
    """DreamFactory force-wraps folder listings (cleanResources with force_wrap)."""
    app.config["ALWAYS_WRAP_RESOURCES"] = False
    assert admin.post("files/docs/").status_code == 201
    for wrap in ({}, {"wrap": "false"}):
        body = admin.get("files/", query_string={"as_list": "true", **wrap}).get_json()
        assert isinstance(body, dict) and "docs/" in body["resource"]
    app.config["RESOURCE_WRAPPER"] = "records"
    listed = admin.get("files/", query_string={"fields": "path"}).get_json()
    assert {"path": "docs/"} in listed["records"]

"""Writing records through ``_table`` (SqlDbTest's write cases, reference 4.1, 4.4 and 13.E)."""

from __future__ import annotations

from tests.conftest import assert_error
from tests.services.sql.conftest import measure, todo

NO_RECORDS = (
    "No record(s) detected in request. Please make sure record(s) are wrapped in a "
    "'resource' tag. Example: {&quot;resource&quot;:"
    "[{&quot;record&quot;:1},{&quot;record&quot;:2}]}"
)


def test_create_wrapped_and_bare(sql):
    response = sql.post("todo", json={"resource": [{"name": "a"}, {"name": "b", "complete": True}]})
    assert response.status_code == 200
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}]}
    response = sql.post("todo", json=[{"name": "c"}])
    assert response.get_json() == {"resource": [{"id": 3}]}
    assert [r["name"] for r in sql.rows(todo)] == ["a", "b", "c"]


def test_create_with_fields(sql):
    response = sql.post("todo", query_string={"fields": "*"}, json={"resource": [{"name": "c"}]})
    assert response.get_json() == {"resource": [{"id": 1, "name": "c", "complete": None}]}
    response = sql.post(
        "todo", query_string={"fields": "name,complete"}, json=[{"name": "d", "complete": True}]
    )
    assert response.get_json() == {"resource": [{"name": "d", "complete": True}]}


def test_create_refuses_a_single_object_an_empty_body_and_an_id(sql):
    assert_error(sql.post("todo", json={"name": "x"}), 400, NO_RECORDS)
    assert_error(sql.post("todo", json={"resource": []}), 400, NO_RECORDS)
    assert_error(sql.post("todo"), 400, NO_RECORDS)
    assert_error(
        sql.post("todo/1", json=[{"name": "x"}]),
        400,
        "Create record by identifier not currently supported.",
    )
    assert sql.rows(todo) == []


def test_create_errors_are_batch_errors(sql):
    error = assert_error(
        sql.post("todo", json=[{"name": None}]),
        400,
        "Batch Error: Not all requested records could be created.",
        code=1000,
    )
    assert error["context"] == {
        "error": [0],
        "resource": [
            {
                "code": 400,
                "context": {"name": ["Field 'name' can not be NULL."]},
                "message": "Field 'name' can not be NULL.",
                "status_code": 400,
            }
        ],
    }
    error = assert_error(sql.post("todo", json=[{"complete": True}]), 400, code=1000)
    assert error["context"]["resource"][0]["message"] == "Required field 'name' can not be NULL."
    error = assert_error(sql.post("todo", json=[{"nope": 1}]), 400, code=1000)
    assert error["context"]["resource"][0]["message"] == "No valid fields were found in record."


def test_duplicate_is_a_400_saying_duplicate(todos):
    error = assert_error(todos.post("todo", json=[{"name": "test1"}]), 400, code=1000)
    assert "duplicate" in error["context"]["resource"][0]["message"].lower()


def test_default_mode_stops_at_the_first_failure_and_keeps_earlier_records(sql):
    error = assert_error(
        sql.post("todo", json=[{"name": "a"}, {"name": None}, {"name": "c"}]), 400, code=1000
    )
    assert error["context"]["error"] == [1]
    assert len(error["context"]["resource"]) == 2
    assert error["context"]["resource"][0] == {"id": 1}
    assert [r["name"] for r in sql.rows(todo)] == ["a"]


def test_continue_goes_on_after_failures(sql):
    response = sql.post(
        "todo",
        query_string={"continue": "true"},
        json=[{"name": "a"}, {"name": None}, {"name": "c"}],
    )
    error = assert_error(
        response, 400, "Batch Error: Not all requested records could be created.", code=1000
    )
    assert error["context"]["error"] == [1]
    assert error["context"]["resource"][0] == {"id": 1}
    assert error["context"]["resource"][2]["id"] > 1
    assert [r["name"] for r in sql.rows(todo)] == ["a", "c"]


def test_rollback_writes_nothing(sql):
    response = sql.post("todo?rollback=true", json={"resource": [{"name": "x"}, {"name": None}]})
    error = assert_error(
        response,
        400,
        "Batch Error: Not all requested records could be created. All changes rolled back.",
        code=1000,
    )
    assert error["context"]["error"] == [1]
    assert error["context"]["resource"][0] == {"id": 1}
    assert error["context"]["resource"][1]["message"] == "Field 'name' can not be NULL."
    assert sql.rows(todo) == []


def test_rollback_and_continue_together(sql):
    assert_error(
        sql.post("todo?rollback=true&continue=true", json=[{"name": "x"}]),
        400,
        "Rollback and continue operations can not be requested at the same time.",
    )


def test_options_in_the_body(sql):
    response = sql.post("todo", json={"resource": [{"name": "x"}], "fields": "name"})
    assert response.get_json() == {"resource": [{"name": "x"}]}
    response = sql.post(
        "todo", json={"resource": [{"name": "y"}, {"name": None}], "rollback": True}
    )
    assert_error(response, 400, code=1000)
    assert [r["name"] for r in sql.rows(todo)] == ["x"]


def test_update_by_id(todos):
    response = todos.patch("todo/1", json={"complete": True})
    assert response.status_code == 200
    assert response.get_json() == {"id": 1}
    response = todos.put("todo/2", query_string={"fields": "*"}, json={"name": "renamed"})
    assert response.get_json() == {"id": 2, "name": "renamed", "complete": True}
    assert_error(
        todos.patch("todo/9", json={"name": "x"}), 404, "Record with identifier '9' not found."
    )
    error = assert_error(
        todos.patch("todo/1", json={"name": None}), 400, "Field 'name' can not be NULL."
    )
    assert error["context"] == {"name": ["Field 'name' can not be NULL."]}
    assert todos.rows(todo)[0]["complete"] is True


def test_update_by_ids_records_and_filter(todos):
    response = todos.patch("todo?ids=1,2", json={"resource": [{"complete": False}]})
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}]}
    response = todos.put(
        "todo",
        query_string={"fields": "id,name"},
        json={"resource": [{"id": 3, "name": "three"}, {"id": 1, "name": "one"}]},
    )
    assert response.get_json() == {
        "resource": [{"id": 3, "name": "three"}, {"id": 1, "name": "one"}]
    }
    response = todos.patch(
        "todo", query_string={"filter": "complete = false"}, json={"complete": True}
    )
    assert response.get_json() == {"resource": [{"id": 1}, {"id": 2}]}
    assert [r["complete"] for r in todos.rows(todo)] == [True, True, None]
    single = todos.patch("todo", json={"id": 3, "complete": False})
    assert single.get_json() == {"id": 3}


def test_update_batch_modes(todos):
    error = assert_error(
        todos.patch("todo?rollback=true", json=[{"id": 1, "name": "x"}, {"id": 2, "name": None}]),
        400,
        "Batch Error: Not all requested records could be updated. All changes rolled back.",
        code=1000,
    )
    assert error["context"]["resource"][0] == {"id": 1}
    assert todos.rows(todo)[0]["name"] == "test1"
    error = assert_error(
        todos.patch("todo?continue=true", json=[{"id": 9, "name": "x"}, {"id": 2, "name": "two"}]),
        400,
        "Batch Error: Not all requested records could be updated.",
        code=1000,
    )
    assert error["context"]["resource"][0]["status_code"] == 404
    assert todos.rows(todo)[1]["name"] == "two"


def test_update_requires_ids(todos):
    assert_error(todos.patch("todo", json=[{"name": "x"}]), 400, code=1000)
    assert_error(todos.patch("todo"), 400, NO_RECORDS)


def test_upsert(todos, admin):
    assert_error(todos.put("todo/7", json={"name": "seven"}), 404)
    admin.patch(f"system/service/{todos.service_id}", json={"config": {"allow_upsert": True}})
    response = todos.put("todo/7", json={"name": "seven"})
    assert response.get_json() == {"id": 7}
    assert todos.rows(todo)[-1] == {"id": 7, "name": "seven", "complete": None}


def test_delete_by_id_ids_records_filter(todos):
    assert todos.delete("todo/1").get_json() == {"id": 1}
    assert_error(todos.get("todo/1"), 404)
    assert_error(todos.delete("todo/99"), 404, "Record with identifier '99' not found.")
    response = todos.delete("todo", query_string={"ids": "2", "fields": "*"})
    assert response.get_json() == {"resource": [{"id": 2, "name": "test2", "complete": True}]}
    todos.post("todo", json=[{"name": "a", "complete": False}, {"name": "b", "complete": False}])
    response = todos.delete("todo", json={"resource": [{"id": 3}]})
    assert response.get_json() == {"resource": [{"id": 3}]}
    response = todos.delete("todo", query_string={"filter": "(complete=false)"})
    assert response.get_json() == {"resource": [{"id": 4}, {"id": 5}]}
    assert todos.rows(todo) == []


def test_delete_needs_a_target_or_force(todos):
    assert_error(todos.delete("todo"), 400, "No filter or records given for delete request.")
    assert todos.delete("todo", query_string={"force": "true"}).get_json() == {"success": True}
    assert todos.rows(todo) == []


def test_delete_batch_error(todos):
    error = assert_error(
        todos.delete("todo", query_string={"ids": "1,9,2", "rollback": "true"}),
        400,
        "Batch Error: Not all requested records could be deleted. All changes rolled back.",
        code=1000,
    )
    assert error["context"]["error"] == [1]
    assert len(todos.rows(todo)) == 3


def test_expressions(sql):
    response = sql.post(
        "measure",
        query_string={"fields": "id,amount"},
        json=[{"created": {"expression": "NOW()"}, "amount": {"expression": "12.5"}}],
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["resource"] == [{"id": 1, "amount": 12.5}]
    response = sql.post(
        "measure", json=[{"day": {"expression": {"value": "CURRENT_DATE", "params": []}}}]
    )
    assert response.status_code == 200, response.get_json()
    assert sql.rows(measure)[1]["day"] is not None
    assert sql.rows(measure)[0]["created"] is not None
    for bad in ("(SELECT 1)", "NOW(); DROP TABLE measure", "SLEEP(5)", "1 OR 1=1"):
        response = sql.post("measure", json=[{"created": {"expression": bad}}])
        error = assert_error(response, 400, code=1000)
        assert (
            error["context"]["resource"][0]["message"]
            == f"SQL expression '{bad}' is not permitted."
        )
    assert len(sql.rows(measure)) == 2


def test_value_types_and_sizes_name_the_field(sql):
    """The message names the field, and ``context`` does too ({field: [message]}), so a form
    puts the message under that field's input (the admin console does)."""
    cases = [
        ({"code": "x" * 9}, "code"),
        ({"small": 40000}, "small"),
        ({"small": "abc"}, "small"),
        ({"amount": "123456.7"}, "amount"),
        ({"day": "not a date"}, "day"),
        ({"data": "%%%"}, "data"),
        ({"ratio": {"a": 1}}, "ratio"),
    ]
    for record, field in cases:
        error = assert_error(sql.post("measure", json=[record]), 400, code=1000)
        refused = error["context"]["resource"][0]
        assert f"'{field}'" in refused["message"], record
        assert refused["context"] == {field: [refused["message"]]}, record
    error = assert_error(sql.post("contact", json=[{"age": 3}]), 400, code=1000)
    assert error["context"]["resource"][0]["context"] == {
        "name": ["Required field 'name' can not be NULL."]
    }
    response = sql.post("measure", json=[{"code": "12345678", "small": -5, "data": "aGk="}])
    assert response.status_code == 200
    assert sql.rows(measure)[0]["data"] == b"hi"


def test_automatic_fields(sql, admin):
    field_types = {
        "measure.created": "timestamp_on_create",
        "measure.modified": "timestamp_on_update",
        "measure.created_by": "user_id_on_create",
        "measure.modified_by": "user_id_on_update",
    }
    response = admin.patch(
        f"system/service/{sql.service_id}", json={"config": {"field_types": field_types}}
    )
    assert response.status_code == 200, response.get_json()
    response = sql.post("measure", json=[{"code": "a", "created_by": 99}])
    assert response.status_code == 200, response.get_json()
    row = sql.rows(measure)[0]
    assert row["created"] is not None and row["modified"] is not None
    assert row["created_by"] == 1 and row["modified_by"] == 1
    sql.execute("UPDATE measure SET created_by = 5, modified_by = 5, modified = NULL")
    sql.patch("measure/1", json={"code": "b"})
    row = sql.rows(measure)[0]
    assert row["created_by"] == 5 and row["modified_by"] == 1
    assert row["modified"] is not None


def test_write_answers_with_fields_and_related(todos):
    response = todos.delete("todo/1", query_string={"fields": "*"})
    assert response.get_json() == {"id": 1, "name": "test1", "complete": False}
    response = todos.put("todo/2", json={"resource": [{"complete": False}]})
    assert response.get_json() == {"id": 2}
    assert todos.rows(todo)[0]["complete"] is False
    response = todos.patch("todo/3", query_string={"fields": "nope"}, json={"complete": True})
    assert_error(response, 400, "Invalid field requested: nope")


def test_enumerated_values_name_the_field(sql):
    if sql.kind == "postgresql":
        sql.execute("CREATE TYPE mood AS ENUM ('happy', 'sad')")
        sql.execute("CREATE TABLE feeling (id serial PRIMARY KEY, mood mood)")
    elif sql.kind == "mysql":
        sql.execute(
            "CREATE TABLE feeling (id INTEGER AUTO_INCREMENT PRIMARY KEY, mood ENUM('happy','sad'))"
        )
    else:
        sql.execute("CREATE TABLE feeling (id INTEGER PRIMARY KEY, mood VARCHAR(5))")
    try:
        assert sql.get(query_string={"refresh": "true"}).status_code == 200
        assert sql.post("feeling", json=[{"mood": "happy"}]).status_code == 200
        if sql.kind != "sqlite":
            error = assert_error(sql.post("feeling", json=[{"mood": "angry"}]), 400, code=1000)
            assert "'mood'" in error["context"]["resource"][0]["message"]
        assert sql.get("feeling", query_string={"fields": "mood"}).get_json() == {
            "resource": [{"mood": "happy"}]
        }
    finally:
        sql.execute("DROP TABLE feeling")
        if sql.kind == "postgresql":
            sql.execute("DROP TYPE mood")

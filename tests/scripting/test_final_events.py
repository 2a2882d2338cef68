"""Final event scripts (``<path>.<verb>``): run on the settled response, never change it."""

from __future__ import annotations

from tests.scripting.helpers import save_script

RECORD = """
count = len(event.response.content['resource'])
status = event.response.status_code
platform.api.post('db/_table/todo', {'resource': [
    {'name': 'final %s %s saw %d rows, %s' % (event.request.method, event.resource, count, status)}
]})
event.response.content = {'changed': True}
return {'content': 'ignored', 'status_code': 500}
"""


def todo_names(admin) -> list[str]:
    return [r["name"] for r in admin.get("db/_table/todo").get_json()["resource"]]


def test_a_final_script_sees_the_response_and_cannot_change_it(admin):
    save_script(admin, "db._table.contact.get", RECORD)
    contacts = admin.get("db/_table/contact", query_string={"limit": 2})
    assert contacts.status_code == 200
    assert len(contacts.get_json()["resource"]) == 2
    assert "changed" not in contacts.get_json()
    assert "final GET contact saw 2 rows, 200" in todo_names(admin)


def test_generic_and_specific_final_scripts_run_after_post_process(admin):
    note = "platform.api.post('db/_table/todo', {{'resource': [{{'name': {name!r}}}]}})"
    save_script(admin, "db._table.{table_name}.get", note.format(name="generic final"))
    save_script(admin, "db._table.contact.get", note.format(name="specific final"))
    marker = "event.response.content['post'] = 'seen'"
    save_script(admin, "db._table.contact.get.post_process", marker)
    assert admin.get("db/_table/contact").get_json()["post"] == "seen"
    names = todo_names(admin)
    assert names[-2:] == ["generic final", "specific final"]


def test_a_failing_final_script_leaves_the_response_and_is_counted(admin):
    save_script(admin, "db._table.contact.get", "raise ValueError('final went wrong')")
    response = admin.get("db/_table/contact", query_string={"limit": 1})
    assert response.status_code == 200
    assert len(response.get_json()["resource"]) == 1
    stats = admin.get("system/script_stats/db._table.contact.get").get_json()
    assert (stats["runs"], stats["errors"]) == (1, 1)
    assert "final went wrong" in stats["last_error"]


def test_a_final_script_runs_after_errors_too(admin):
    note = (
        "platform.api.post('db/_table/todo', {'resource': [{'name': 'final saw %s %s' % "
        "(event.response.status_code, event.response.content['error']['message'])}]})"
    )
    save_script(admin, "db._table.{table_name}.{id}.get", note)
    missing = admin.get("db/_table/contact/999999")
    assert missing.status_code == 404
    message = missing.get_json()["error"]["message"]
    assert f"final saw 404 {message}" in todo_names(admin)

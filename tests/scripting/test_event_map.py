"""``GET system/event``: the events of every service, as the admin UI's script editor reads them."""

from __future__ import annotations

from app.services.event_paths import map_for, target_for
from app.system_cache import ServiceInfo
from app.vocabulary.calls import ServiceRequest
from tests.conftest import USER_PASSWORD, Api, create_api_app, create_role, create_user


def test_services_only(admin):
    body = admin.get("system/event", query_string={"services_only": "true"}).get_json()
    names = body["resource"]
    assert names == sorted(names)
    assert {"db", "system", "user", "files"} <= set(names)


def test_sql_service_map(admin):
    body = admin.get("system/event", query_string={"service": "db"}).get_json()
    assert list(body) == ["db"]
    events = body["db"]
    assert events["db"] == {"type": "api", "endpoints": ["db.get"], "parameter": None}
    tables = events["db._table.{table_name}"]
    assert tables["type"] == "api"
    assert tables["endpoints"] == [f"db._table.{{table_name}}.{v}" for v in VERBS]
    assert {"contact", "todo"} <= set(tables["parameter"]["table_name"])
    record = events["db._table.{table_name}.{id}"]
    assert record["endpoints"][0] == "db._table.{table_name}.{id}.get"
    assert "db._schema.{table_name}" in events
    assert list(events) == sorted(events)


def test_scriptable_adds_the_script_names(admin):
    query = {"service": "system", "scriptable": "true"}
    events = admin.get("system/event", query_string=query).get_json()["system"]
    assert events["system.role"]["endpoints"][:4] == [
        "system.role.get",
        "system.role.get.pre_process",
        "system.role.get.post_process",
        "system.role.get.queued",
    ]
    assert events["system.script_type"]["endpoints"] == [
        "system.script_type.get",
        "system.script_type.get.pre_process",
        "system.script_type.get.post_process",
        "system.script_type.get.queued",
    ]


def test_as_list(admin):
    query = {"service": "db,files", "scriptable": "true", "as_list": "true"}
    names = admin.get("system/event", query_string=query).get_json()["resource"]
    assert "db._table.{table_name}.{id}.patch.post_process" in names
    assert "files.{file_path}.get.pre_process" in names
    assert "files.{folder_path}.post.queued" in names
    assert not any(n.startswith("system.") for n in names)
    assert len(names) == len(set(names))


def test_role_limits_the_services_listed(admin, client):
    db_id = admin.get("system/service", query_string={"filter": "name=db"}).get_json()
    db_id = db_id["resource"][0]["id"]
    system = admin.get("system/service", query_string={"filter": "name=system"}).get_json()
    system_id = system["resource"][0]["id"]
    role = create_role(
        admin,
        "events",
        [
            {"service_id": db_id, "component": "*", "verb_mask": 1, "requestor_mask": 1},
            {"service_id": system_id, "component": "event", "verb_mask": 1, "requestor_mask": 1},
        ],
    )
    _, key = create_api_app(admin, "events_app", role)
    create_user(admin, "events@example.com")
    user = Api(client, api_key=key)
    user.login("events@example.com", USER_PASSWORD, admin=False)
    names = user.get("system/event", query_string={"services_only": "true"}).get_json()
    assert names == {"resource": ["db", "system"]}


VERBS = ("get", "post", "put", "patch", "delete")


def _info(name: str, type_: str, config: dict | None = None) -> ServiceInfo:
    return ServiceInfo(1, name, None, None, type_, True, True, True, config or {})


def test_file_service_names(app):
    from app.services import SERVICE_TYPES

    with app.app_context():
        files = SERVICE_TYPES["local_file"](_info("files", "local_file", {"container": "x"}))
        root = target_for(files, ServiceRequest("GET", "files", ""))
        folder = target_for(files, ServiceRequest("GET", "files", "docs/"))
        file = target_for(files, ServiceRequest("DELETE", "files", "docs/a.txt"))
    assert (root.paths, root.resource) == (("files",), None)
    assert (folder.paths, folder.resource) == (("files.{folder_path}",), "docs/")
    assert (file.paths, file.resource) == (("files.{file_path}",), "docs/a.txt")


def test_openapi_document_names_scripted_service_events(app):
    from app.services import SERVICE_TYPES

    doc = {"paths": {"/items": {"get": {}}, "/items/{id}": {"get": {}, "delete": {}}}}
    with app.app_context():
        svc = SERVICE_TYPES["python"](_info("hello", "python", {"openapi": doc}))
        item = target_for(svc, ServiceRequest("DELETE", "hello", "items/7"))
        items = target_for(svc, ServiceRequest("GET", "hello", "items"))
        other = target_for(svc, ServiceRequest("GET", "hello", "else/where"))
        events = map_for(svc)
    assert (item.paths, item.resource) == (("hello.items.{id}",), {"id": "7"})
    assert (items.paths, items.resource) == (("hello.items",), None)
    assert (other.paths, other.resource) == (("hello",), "else/where")
    assert events["hello"]["endpoints"] == [f"hello.{v}" for v in VERBS]
    assert events["hello.items.{id}"]["endpoints"] == [
        "hello.items.{id}.get",
        "hello.items.{id}.delete",
    ]

"""``GET /api/v2/{service}?as_access_list=true``: the role components a service offers."""

from __future__ import annotations

from tests.conftest import Api, create_api_app, create_role


def components(resource: str, names: list[str]) -> list[str]:
    found = [f"{resource}/", f"{resource}/*"]
    for name in names:
        found += [f"{resource}/{name}/", f"{resource}/{name}/*"]
    return found


def test_a_database_lists_its_resources_and_every_table(admin):
    tables = admin.get("db/_table", query_string={"as_list": "true"}).get_json()["resource"]
    assert "todo" in tables
    listed = admin.get("db", query_string={"as_access_list": "true"}).get_json()
    assert listed == {
        "resource": ["", "*", *components("_schema", tables), *components("_table", tables)]
    }


def test_system_and_user_list_their_resources(admin):
    resources = admin.get("system", query_string={"as_list": "true"}).get_json()["resource"]
    listed = admin.get("system", query_string={"as_access_list": "true"}).get_json()["resource"]
    assert listed[:2] == ["", "*"]
    assert listed[2:] == [item for name in resources for item in (f"{name}/", f"{name}/*")]
    user = admin.get("user", query_string={"as_access_list": "true"}).get_json()["resource"]
    assert user == ["", "*"] + [
        item
        for name in ["password", "profile", "register", "session", "custom"]
        for item in (f"{name}/", f"{name}/*")
    ]


def reader(admin: Api, client, name: str, components: list[str]) -> Api:
    """A caller whose app role allows GET on these components of ``db``."""
    listed = admin.get("system/service", query_string={"filter": "name=db"}).get_json()
    service_id = listed["resource"][0]["id"]
    accesses = [
        {"service_id": service_id, "component": c, "verb_mask": 1, "requestor_mask": 1}
        for c in components
    ]
    _, key = create_api_app(admin, name, create_role(admin, name, accesses))
    return Api(client, api_key=key)


def test_a_role_sees_only_the_components_it_reaches(admin, client):
    caller = reader(admin, client, "todo only", ["", "_table/todo"])
    listed = caller.get("db", query_string={"as_access_list": "true"}).get_json()
    assert listed == {"resource": ["", "*", "_table/todo/", "_table/todo/*"]}


def test_a_wildcard_row_lists_the_resource_and_all_it_holds(admin, client):
    caller = reader(admin, client, "all tables", ["*"])
    tables = admin.get("db/_table", query_string={"as_list": "true"}).get_json()["resource"]
    listed = caller.get("db", query_string={"as_access_list": "true"}).get_json()["resource"]
    assert listed == ["", "*", *components("_schema", tables), *components("_table", tables)]

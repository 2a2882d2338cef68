"""``GET /api/v2/system``, ``system/service_type`` and ``system/environment``."""

from __future__ import annotations

from tests.conftest import ADMIN_KEY, assert_error
from tests.services.system.conftest import make_app, make_role

RESOURCE_KEYS = [
    "name",
    "label",
    "description",
    "class_name",
    "singleton",
    "read_only",
    "subscription_required",
]
EXPECTED_RESOURCES = {
    "admin",
    "admin/password",
    "admin/profile",
    "admin/session",
    "app",
    "cache",
    "config",
    "cors",
    "custom",
    "environment",
    "lookup",
    "role",
    "service",
    "service_type",
    "user",
}


def test_system_root_lists_resource_names(admin):
    body = admin.get("system").get_json()
    assert all(list(item) == ["name"] for item in body["resource"])
    names = [item["name"] for item in body["resource"]]
    assert EXPECTED_RESOURCES <= set(names)
    assert names == sorted(names)


def test_system_root_as_list_and_full(admin):
    as_list = admin.get("system", query_string={"as_list": "true"}).get_json()["resource"]
    assert EXPECTED_RESOURCES <= set(as_list) and all(isinstance(n, str) for n in as_list)
    full = admin.get("system", query_string={"fields": "*"}).get_json()["resource"]
    assert [f["name"] for f in full] == as_list
    by_name = {f["name"]: f for f in full}
    assert list(by_name["service"]) == RESOURCE_KEYS
    assert by_name["config"]["singleton"] is True
    assert by_name["service_type"]["read_only"] is True


def test_system_root_needs_an_admin(anon):
    assert anon.get("system").status_code == 400


def test_service_types(admin):
    items = admin.get("system/service_type").get_json()["resource"]
    names = [i["name"] for i in items]
    assert names == sorted(names)
    assert {"system", "sqlite", "local_file", "user"} <= set(names)
    sqlite = next(i for i in items if i["name"] == "sqlite")
    assert list(sqlite) == [
        "name",
        "label",
        "description",
        "group",
        "singleton",
        "dependencies_required",
        "subscription_required",
        "service_definition_editable",
        "config_schema",
    ]
    database = next(f for f in sqlite["config_schema"] if f["name"] == "database")
    assert database["required"] is True and database["type"] == "string"


def test_service_types_by_group(admin):
    items = admin.get("system/service_type", query_string={"group": "Database"}).get_json()
    assert items["resource"] and {i["group"] for i in items["resource"]} == {"Database"}
    several = admin.get("system/service_type", query_string={"group": "database,file"}).get_json()
    assert {i["group"] for i in several["resource"]} == {"Database", "File"}
    none = admin.get("system/service_type", query_string={"group": "Nope"}).get_json()
    assert none == {"resource": []}


def test_one_service_type_and_fields(admin):
    one = admin.get("system/service_type/sqlite").get_json()
    assert one["name"] == "sqlite" and one["group"] == "Database"
    picked = admin.get("system/service_type/sqlite", query_string={"fields": "name,label"})
    assert picked.get_json() == {"name": "sqlite", "label": "SQLite"}
    listed = admin.get("system/service_type", query_string={"fields": "name", "group": "User"})
    assert listed.get_json() == {"resource": [{"name": "user"}]}
    assert_error(admin.get("system/service_type/nope"), 404, "Service type 'nope' not found.")


def test_a_secret_config_field_is_described_as_password(admin, secret_type):
    item = admin.get(f"system/service_type/{secret_type}").get_json()
    fields = {f["name"]: f for f in item["config_schema"]}
    assert fields["password"]["type"] == "password"
    assert fields["host"]["required"] is True and fields["host"]["label"] == "Host"
    assert fields["port"]["default"] == 5432 and fields["port"]["type"] == "integer"


PICKLISTS = ("picklist", "multi_picklist")


def check_entry(entry: dict, where: str) -> None:
    """One ``config_schema`` entry has what the console's field editors read."""
    where = f"{where}.{entry.get('name')}"
    assert isinstance(entry["name"], str) and entry["name"], where
    assert isinstance(entry["label"], str) and entry["label"], where
    assert isinstance(entry["type"], str), where
    if entry["type"] == "array":
        items = entry.get("items")
        # The array editor maps a list of sub-fields, or edits plain text when items is "string".
        assert items == "string" or (isinstance(items, list) and items), where
        for sub in items if isinstance(items, list) else []:
            check_entry(sub, where)
    if entry["type"] == "object":
        shape = entry.get("object")
        assert isinstance(shape, dict) and set(shape) == {"key", "value"}, where
        for part in shape.values():
            assert isinstance(part["label"], str) and isinstance(part["type"], str), where
    if entry["type"] in PICKLISTS:
        values = entry.get("values")
        assert isinstance(values, list), where
        assert all(set(v) == {"name", "label"} for v in values), where


def test_every_config_schema_has_the_console_shape(admin):
    items = admin.get("system/service_type").get_json()["resource"]
    assert {"sqlite", "pgsql", "mysql", "local_file", "rws", "user", "smtp"} <= {
        i["name"] for i in items
    }
    assert any(i["group"] == "Script" for i in items)
    for item in items:
        for entry in item["config_schema"]:
            check_entry(entry, item["name"])


def test_config_schema_shapes_as_dreamfactory_sends_them(admin):
    def entries(type_name: str) -> dict:
        item = admin.get(f"system/service_type/{type_name}").get_json()
        return {e["name"]: e for e in item["config_schema"]}

    sqlite = entries("sqlite")
    assert sqlite["statements"]["items"] == "string"
    assert sqlite["options"]["object"] == {
        "key": {"label": "Name", "type": "string"},
        "value": {"label": "Value", "type": "string"},
    }
    assert set(sqlite["field_types"]["object"]) == {"key", "value"}
    assert entries("local_file")["public_path"]["items"] == "string"
    rws = entries("rws")
    assert [p["name"] for p in rws["parameters"]["items"]][:2] == ["name", "value"]
    assert rws["allowed_verbs"]["items"] == "string"
    email = entries("smtp")["parameters"]["items"]
    assert [p["name"] for p in email] == ["name", "value", "active"]


def test_scripted_types_describe_their_code_as_text(admin):
    """``content`` is ``text``, as DreamFactory's df-script describes it: the console's generic
    service form shows its script editor (and the link to a file) only for a ``text`` field
    named ``content`` (its scripted-service form shows the editor whatever the type)."""
    items = admin.get("system/service_type", query_string={"group": "Script"}).get_json()
    assert items["resource"]
    for item in items["resource"]:
        fields = {e["name"]: e for e in item["config_schema"]}
        assert fields["content"]["type"] == "text", item["name"]
        assert {"storage_service_id", "storage_path"} <= set(fields), item["name"]


def test_user_config_picklists_list_what_exists(admin):
    role_id = make_role(admin, "members", is_active=True)
    app_id = make_app(admin, "portal", is_active=True)
    item = admin.get("system/service_type/user").get_json()
    fields = {e["name"]: e for e in item["config_schema"]}
    role = fields["open_reg_role_id"]
    assert role["type"] == "picklist"
    assert {"name": role_id, "label": "members"} in role["values"]
    assert role["values"][0] == {"name": None, "label": ""}
    services = fields["invite_email_service_id"]["values"]
    assert all(v["name"] is None or isinstance(v["name"], int) for v in services)
    app_map = {e["name"]: e for e in fields["app_role_map"]["items"]}
    assert app_map["app_id"]["type"] == "picklist"
    assert {"name": app_id, "label": "portal"} in app_map["app_id"]["values"]
    assert {"name": role_id, "label": "members"} in app_map["role_id"]["values"]


def test_service_types_are_read_only(admin):
    response = admin.post("system/service_type", json={"name": "x"})
    assert_error(
        response,
        400,
        "Post requests for resource 'service_type' are not currently supported "
        "by the 'system' service.",
    )


AUTH_KEYS = {
    "admin",
    "user",
    "oauth",
    "adldap",
    "saml",
    "allow_open_registration",
    "open_reg_email_service_id",
    "allow_forever_sessions",
    "login_attribute",
}


def test_environment_without_credentials(anon, admin):
    role_id = make_role(admin, "guest")
    make_app(admin, "public", type=2, url="https://example.com", role_id=role_id)
    make_app(admin, "norole", type=2, url="https://example.com/x")
    make_app(admin, "headless", type=0, role_id=role_id)
    response = anon.get("system/environment")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["authentication", "apps"]
    auth = body["authentication"]
    assert set(auth) == AUTH_KEYS
    assert auth["admin"] == {
        "path": "system/admin/session",
        "verb": "POST",
        "payload": {"email": "string", "password": "string", "remember_me": "bool"},
    }
    assert auth["login_attribute"] == "email" and auth["allow_open_registration"] is False
    assert [a["name"] for a in body["apps"]] == ["public"]
    assert body["apps"][0] == {
        "id": 4,
        "name": "public",
        "description": None,
        "url": "https://example.com",
        "is_default": False,
        "allow_fullscreen_toggle": True,
        "requires_fullscreen": False,
        "toggle_location": "top",
    }


def test_environment_with_an_api_key_only(client):
    response = client.get(
        "/api/v2/system/environment", headers={"X-DreamFactory-API-Key": ADMIN_KEY}
    )
    assert response.status_code == 200
    assert "platform" not in response.get_json()


def test_environment_as_admin(admin):
    admin.patch("system/config", json={"default_app_id": 2})
    body = admin.get("system/environment").get_json()
    assert list(body) == ["authentication", "apps", "platform", "server", "client", "queue"]
    assert [a["name"] for a in body["apps"]] == ["admin", "api_docs", "file_manager"]
    assert [a["is_default"] for a in body["apps"]] == [False, True, False]
    assert body["apps"][0]["url"] == "http://localhost/admin/"
    assert body["platform"]["license"] == "OPEN SOURCE"
    assert set(body["platform"]) == {
        "version",
        "bitnami_demo",
        "is_hosted",
        "is_trial",
        "license",
        "secured_package_export",
        "license_key",
        "install_type",
    }
    assert set(body["server"]) == {"server_os", "release", "version", "host", "machine"}
    assert set(body["client"]) == {"user_agent", "ip_address", "locale"}


def test_environment_is_read_only(admin):
    assert admin.post("system/environment", json={}).status_code == 400

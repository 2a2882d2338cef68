"""``system/package``: DreamFactory's config packages, listed, exported and imported.

The round trip runs between two instances on different stores: the package
exported from the test's app is imported into a fresh instance on the next
backend's store, through HTTP on both sides.
"""

from __future__ import annotations

import io
import json
import zipfile

from tests.config_packages.conftest import MANIFEST, configure, found, members
from tests.conftest import ADMIN_EMAIL, assert_error, create_api_app, create_role
from tests.services.system.conftest import make_user, service_id


def test_the_manifest_lists_what_can_be_exported(admin):
    make_user(admin, "bob@example.com", first_name="Bob")
    response = admin.get("system/package")
    assert response.status_code == 200, response.get_json()
    manifest = response.get_json()
    assert {"version", "df_version", "secured", "description", "created_date"} <= set(manifest)
    assert manifest["secured"] is False
    system = manifest["service"]["system"]
    assert {"db", "files", "system"} <= set(system["service"])
    assert {"admin", "api_docs"} <= set(system["app"])
    assert system["user"] == [
        {"username": None, "email": "bob@example.com", "first_name": "Bob", "last_name": None}
    ]
    assert system["admin"][0]["email"] == ADMIN_EMAIL
    assert {"lookup", "cors", "email_template", "custom", "event_script", "limit"} <= set(system)
    db = manifest["service"]["db"]
    assert db["reachable"] is True
    assert "contact" in db["_schema"]
    assert "db" not in admin.get("system/package?system_only=true").get_json()["service"]


def test_the_caller_s_role_decides_what_is_listed_and_exported(admin, anon):
    system = service_id(admin, "system")
    accesses = [
        {"service_id": system, "component": "package", "verb_mask": 3, "requestor_mask": 1},
        {"service_id": system, "component": "role", "verb_mask": 1, "requestor_mask": 1},
    ]
    _, api_key = create_api_app(admin, "packager", create_role(admin, "packager", accesses))
    anon.api_key = api_key
    listed = anon.get("system/package").get_json()["service"]
    assert listed == {"system": {"role": ["packager"]}}
    assert (
        anon.post(
            "system/package", json={"service": {"system": {"role": ["packager"]}}}
        ).status_code
        == 200
    )
    refused = anon.post("system/package", json={"service": {"system": {"service": ["db"]}}})
    assert_error(refused, 401)  # a key alone, no user: as the API answers it directly


def test_a_package_downloads_with_secrets_left_out(admin):
    configure(admin)
    files = members(admin.post("system/package", json=MANIFEST))
    package = files["package.json"]
    assert package["version"] == "0.1"
    assert package["service"]["system"]["role"] == ["viewer"]
    assert package["service"]["db"]["_schema"] == ["notes"]
    assert package["secrets_left_out"] == {"system/service/warehouse": ["password"]}
    (service,) = files["system/service.json"]
    assert service["config"]["username"] == "u"
    assert "password" not in service["config"]
    (role,) = files["system/role.json"]
    assert role["role_service_access_by_role_id"][0]["component"] == "*"
    (user,) = files["system/user.json"]
    assert "password" not in user
    assert len(user["user_to_app_to_role_by_user_id"]) == 1
    assert files["db/_schema.json"][0]["name"] == "notes"
    assert files["system/cors.json"][0]["origin"] == "https://shop.example"


def test_secured_packages_and_unknown_items_are_refused(admin):
    assert_error(admin.post("system/package", json={**MANIFEST, "secured": True}), 400)
    missing = {"service": {"system": {"role": ["nobody"]}}}
    assert_error(admin.post("system/package", json=missing), 400)


def test_a_bad_package_is_refused(admin):
    body = admin.post("system/package", data=b"not a zip", content_type="application/zip")
    assert_error(body, 400, "The package is not a zip file.")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("other.json", "{}")
    response = admin.post("system/package", data=buffer.getvalue(), content_type="application/zip")
    assert_error(response, 400, "Cannot read package manifest (package.json).")


def test_an_import_into_a_fresh_instance_reproduces_the_configuration(admin, fresh):
    configure(admin)
    data = admin.post("system/package", json=MANIFEST).data
    response = fresh.post("system/package", data=data, content_type="application/zip")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["success"] is True
    assert [i for i in body["resource"] if "error" in i] == []
    apis = [item["api"] for item in body["resource"]]
    assert apis == [
        "system/role",
        "system/service",
        "system/app",
        "system/user",
        "system/cors",
        "system/lookup",
        "system/custom",
        "system/event_script",
        "db/_schema",
    ]
    warehouse = service_id(fresh, "warehouse")
    role = found(fresh, "role", "name='viewer'", "role_service_access_by_role_id,lookup_by_role_id")
    assert [(a["service_id"], a["component"]) for a in role["role_service_access_by_role_id"]] == [
        (warehouse, "*")
    ]
    assert [(lk["name"], lk["value"]) for lk in role["lookup_by_role_id"]] == [("region", "eu")]
    app = found(fresh, "app", "name='catalog'")
    assert app["role_id"] == role["id"]
    user = found(fresh, "user", "email='bob@example.com'", "user_to_app_to_role_by_user_id")
    assert [(r["app_id"], r["role_id"]) for r in user["user_to_app_to_role_by_user_id"]] == [
        (app["id"], role["id"])
    ]
    assert fresh.get("db/_schema/notes").status_code == 200
    assert fresh.get("system/custom/color").status_code == 200
    config = fresh.get(f"system/service/{warehouse}").get_json()["config"]
    assert config["username"] == "u"
    assert config.get("password") in (None, "")


def test_a_second_import_answers_each_conflict_on_its_own(admin, fresh):
    configure(admin)
    data = admin.post("system/package", json=MANIFEST).data
    assert (
        fresh.post("system/package", data=data, content_type="application/zip").status_code == 201
    )
    fresh.delete("system/custom/color")
    response = fresh.post("system/package", data=data, content_type="application/zip")
    assert response.status_code == 201, response.get_json()
    items = {item["api"]: item for item in response.get_json()["resource"]}
    assert "error" not in items["system/custom"]
    role = items["system/role"]
    assert role["error"] == {"code": 409, "message": "system/role 'viewer' exists already."}
    assert items["db/_schema"]["error"]["code"] == 409


def test_operators_export_and_import_from_the_command_line(app, admin, fresh, tmp_path):
    configure(admin)
    manifest_file = tmp_path / "manifest.json"
    manifest_file.write_text(json.dumps(MANIFEST))
    out = tmp_path / "config.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["package", "export", str(out), "--manifest", str(manifest_file)])
    assert result.exit_code == 0, result.output
    assert f"Exported to {out}." in result.output
    response = fresh.post("system/package", data=out.read_bytes(), content_type="application/zip")
    assert response.status_code == 201, response.get_json()
    result = runner.invoke(args=["package", "import", str(out), "--admin", ADMIN_EMAIL])
    assert result.exit_code == 0, result.output
    assert "system/role viewer: error 409: system/role 'viewer' exists already." in result.output
    result = runner.invoke(args=["package", "import", str(out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert "system/role viewer: overwritten" in result.output
    everything = tmp_path / "all.zip"
    result = runner.invoke(args=["package", "export", str(everything)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(everything) as archive:
        assert "system/role.json" in archive.namelist()
        assert "db/_schema.json" in archive.namelist()


def test_everything_listed_moves_to_a_fresh_instance(admin, fresh):
    configure(admin)
    listed = admin.get("system/package").get_json()
    data = admin.post("system/package", json=listed).data
    response = fresh.post("system/package", data=data, content_type="application/zip")
    assert response.status_code == 201, response.get_json()
    refused = [i for i in response.get_json()["resource"] if i.get("error", {}).get("code") != 409]
    assert [i for i in refused if "error" in i] == []
    assert fresh.get("db/_schema/notes").status_code == 200

"""Every seeded service answers a valid OpenAPI 3.1 document at ``_spec`` and via ``api_docs``."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.openapi.conftest import fetch_spec, operations, without_group

SEEDED = ("system", "api_docs", "files", "logs", "db", "user", "email")


@pytest.mark.parametrize("service", SEEDED)
def test_seeded_service_documents_validate(admin, service):
    document = fetch_spec(admin, service)
    assert document["servers"] == [
        {"url": f"/api/v2/{service}", "description": document["info"]["title"]}
    ]
    assert document["info"]["version"] == "2.0"
    assert document["paths"], service
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKeyHeader"]["name"] == "X-DreamFactory-API-Key"
    assert schemes["SessionTokenHeader"]["name"] == "X-DreamFactory-Session-Token"
    for item in document["paths"].values():
        for verb, op in item.items():
            if verb in ("get", "post", "put", "patch", "delete"):
                assert op["responses"]["default"] == {"$ref": "#/components/responses/Error"}


def test_every_registered_service_type_answers_a_document(admin):
    """A service of each registered type (the seeded ones and one of every other)."""
    from app.services import SERVICE_TYPES

    configs = {
        "smtp": {"host": "127.0.0.1", "port": 2525},
        "local_email": {},
        "pgsql": {"host": "127.0.0.1", "database": "x", "username": "u"},
        "mysql": {"host": "127.0.0.1", "database": "x", "username": "u"},
        "sqlite": {"database": "db.sqlite"},
        "local_file": {"container": "other"},
        "rws": {"base_url": "http://127.0.0.1:9/"},
    }
    seeded = {"system", "swagger", "user", "local_file", "sqlite"}
    for type_name in sorted(SERVICE_TYPES):
        if type_name in seeded or type_name not in configs:
            continue
        if type_name in ("pgsql", "mysql"):
            continue  # needs a reachable server: see test_sql_spec.py
        name = f"t_{type_name}"
        response = admin.post(
            "system/service",
            json={"resource": [{"name": name, "type": type_name, "config": configs[type_name]}]},
        )
        assert response.status_code == 201, response.get_json()
        fetch_spec(admin, name)


def test_system_document_describes_records_and_accounts(admin):
    document = fetch_spec(admin, "system")
    ops = operations(document)
    for resource in ("user", "admin", "role", "service", "app", "lookup", "cors"):
        assert ("GET", f"/{resource}") in ops
        assert ("POST", f"/{resource}") in ops
        assert ("PATCH", f"/{resource}/{{id}}") in ops
        assert ("DELETE", f"/{resource}/{{id}}") in ops
    assert ("GET", "/custom/{name}") in ops
    assert ("POST", "/admin/session") in ops
    assert ("GET", "/environment") in ops
    schemas = document["components"]["schemas"]
    role_in = schemas["RoleCreate"]
    assert role_in["required"] == ["name"]
    assert role_in["properties"]["name"]["maxLength"] == 64
    assert role_in["properties"]["role_service_access_by_role_id"]["type"] == "array"
    service_in = schemas["ServiceCreate"]["properties"]["name"]
    assert service_in["pattern"] == r"^[A-Za-z0-9_\-]+$"
    user_out = schemas["UserRecord"]["properties"]
    assert "password" not in user_out and "is_sys_admin" not in user_out
    assert user_out["email"] == {"type": "string"}
    assert user_out["phone"] == {"type": ["string", "null"]}
    # a CORS rule's method is stored as a mask and travels as a list of verbs
    assert schemas["CorsRecord"]["properties"]["method"]["type"] == "array"
    created = admin.post("system/cors", json={"path": "*", "origin": "*", "method": ["GET"]})
    assert created.status_code == 201, created.get_json()
    rule = created.get_json()["id"]
    assert admin.get(f"system/cors/{rule}").get_json()["method"] == ["GET"]
    # login needs no credentials: the operation says so
    login = document["paths"]["/admin/session"]["post"]
    assert {} in login["security"]
    assert "security" not in document["paths"]["/role"]["get"]


def test_user_document(admin):
    ops = operations(fetch_spec(admin, "user"))
    assert ops >= {
        ("GET", "/"),
        ("POST", "/session"),
        ("DELETE", "/session"),
        ("POST", "/password"),
        ("GET", "/profile"),
        ("POST", "/register"),
        ("GET", "/custom"),
        ("POST", "/custom"),
        ("PATCH", "/custom/{name}"),
        ("DELETE", "/custom/{name}"),
    }
    record = fetch_spec(admin, "user")["components"]["schemas"]["CustomRecord"]
    assert "user_id" not in record["properties"] and "id" not in record["properties"]


def test_file_document(admin):
    document = fetch_spec(admin, "files")
    paths = document["paths"]
    assert set(paths) == {"/", "/{folder_path}/", "/{file_path}"}
    upload = paths["/"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data", "application/json", "application/octet-stream"}
    assert "*/*" in paths["/{file_path}"]["get"]["responses"]["200"]["content"]
    listing = paths["/{folder_path}/"]["get"]
    named = {p["name"] for p in listing["parameters"] if "name" in p}
    assert {"limit", "offset", "include_count"} <= named
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"][0]
    assert set(page["properties"]["meta"]["properties"]) == {"count", "next"}


def test_api_docs_lists_services_with_their_document(admin):
    response = admin.get("api_docs")
    assert response.status_code == 200
    listed = {item["name"]: item for item in response.get_json()["resource"]}
    assert set(SEEDED) <= set(listed)
    assert listed["db"]["spec_url"] == "/api/v2/api_docs/db"
    assert listed["db"]["type"] == "sqlite"
    names = admin.get("api_docs", query_string={"as_list": "true"}).get_json()["resource"]
    assert set(SEEDED) <= set(names)
    via_docs = admin.get(listed["db"]["spec_url"], query_string={"openapi": "3.1"})
    assert via_docs.status_code == 200
    assert without_group(via_docs.get_json()) == fetch_spec(admin, "db")


def test_api_docs_errors(admin):
    assert_error(admin.get("api_docs/nope"), 404, "Could not find a service for nope")
    assert_error(admin.get("api_docs/db/more"), 404)
    assert_error(
        admin.post("api_docs", json={}),
        400,
        "Post requests without a resource are not currently supported by the 'api_docs' service.",
    )


def test_spec_without_credentials_is_refused(anon):
    assert_error(anon.get("db/_spec"), 400)


def test_deactivated_service_has_no_document(admin):
    db_id = admin.get("system/service", query_string={"filter": "name = 'db'"}).get_json()
    service_id = db_id["resource"][0]["id"]
    assert admin.patch(f"system/service/{service_id}", json={"is_active": False}).status_code == 200
    assert_error(admin.get("db/_spec"), 403, "Service db is deactivated.")
    listed = admin.get("api_docs", query_string={"as_list": "true"}).get_json()["resource"]
    assert "db" not in listed


NEEDS_A_SERVER = {"pgsql", "mysql"}
"""Types whose document reads a live database (see test_sql_spec.py)."""
CONFIGS = {
    "smtp": {"host": "127.0.0.1", "port": 2525},
    "local_file": {"container": "other"},
    "azure_blob": {"account_name": "docs", "account_key": "a2V5", "container": "files"},
    "sqlite": {"database": "db.sqlite"},
    "rws": {"base_url": "http://127.0.0.1:9/"},
}
"""Configs for types that need one; any other type is built with an empty config."""


def test_every_registered_type_has_a_valid_document(app):
    """Every type in SERVICE_TYPES, built directly as the admin would see it: valid in 3.1,
    and in the 3.0 ``_spec`` answers by default."""
    from openapi_spec_validator import OpenAPIV30SpecValidator, validate

    from app.openapi import build
    from app.openapi.access import Reach
    from app.openapi.convert import to_30
    from app.services import SERVICE_TYPES, build_service
    from app.system_cache import ServiceInfo

    with app.test_request_context():
        for index, (type_name, cls) in enumerate(sorted(SERVICE_TYPES.items())):
            if type_name in NEEDS_A_SERVER:
                continue
            info = ServiceInfo(
                id=1000 + index,
                name=f"t_{type_name}",
                label=cls.label,
                description=cls.description,
                type=type_name,
                is_active=True,
                mutable=True,
                deletable=True,
                config=CONFIGS.get(type_name, {}),
            )
            service = build_service(info)
            document = build(service, Reach(None, service.name, dict(cls.access_exceptions)))
            validate(document)
            assert document["paths"], type_name
            older = to_30(document)
            assert older["openapi"] == "3.0.3", type_name
            validate(older, cls=OpenAPIV30SpecValidator)
            assert older["paths"].keys() == document["paths"].keys(), type_name

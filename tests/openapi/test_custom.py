"""Services without a builder: the document they carry (``config.openapi``), or a catch-all."""

from __future__ import annotations

import yaml

from app.openapi.custom import own_document
from tests.conftest import USER_PASSWORD, Api, create_api_app, create_role, create_user
from tests.openapi.conftest import fetch_spec, operations

CARRIED = {
    "openapi": "3.1.0",
    "info": {"title": "Inventory", "version": "7", "description": "Remote inventory."},
    "tags": [{"name": "items", "description": "Stock items."}],
    "paths": {
        "/inventory/items": {
            "summary": "Items",
            "get": {
                "tags": ["items"],
                "operationId": "listItems",
                "responses": {
                    "200": {
                        "description": "Items",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Item"},
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                "requestBody": {"$ref": "#/components/requestBodies/NewItem"},
                "responses": {"201": {"description": "Created"}},
            },
        },
        "/items/{id}": {
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {"responses": {"200": {"description": "One item"}}},
            "delete": {"responses": {"204": {"description": "Gone"}}},
        },
    },
    "components": {
        "schemas": {
            "Item": {"type": "object", "properties": {"sku": {"type": "string"}}},
            "Unused": {"type": "string"},
        },
        "requestBodies": {
            "NewItem": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}
            }
        },
    },
}


def create_rws(admin: Api, name: str, openapi=None) -> int:
    config = {"base_url": "http://127.0.0.1:9/"}
    if openapi is not None:
        config["openapi"] = openapi
    response = admin.post(
        "system/service", json={"resource": [{"name": name, "type": "rws", "config": config}]}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


def test_a_carried_document_is_served_relative_to_the_service(admin):
    create_rws(admin, "inventory", CARRIED)
    document = fetch_spec(admin, "inventory")
    assert document["servers"][0]["url"] == "/api/v2/inventory"
    assert operations(document) == {
        ("GET", "/items"),
        ("POST", "/items"),
        ("GET", "/items/{id}"),
        ("DELETE", "/items/{id}"),
    }
    items = document["paths"]["/items"]
    assert items["summary"] == "Items"
    assert items["get"]["operationId"] == "listItems"
    assert items["get"]["tags"] == ["items"]
    assert items["post"]["responses"]["default"] == {"$ref": "#/components/responses/Error"}
    assert document["paths"]["/items/{id}"]["parameters"][0]["name"] == "id"
    components = document["components"]
    assert set(components["schemas"]) == {"Item", "Error"}  # what the kept paths use
    assert "NewItem" in components["requestBodies"]
    assert document["tags"] == [{"name": "items", "description": "Stock items."}]


def test_a_carried_30_document_keeps_its_version(admin):
    older = {
        "openapi": "3.0.3",
        "info": {"title": "Old", "version": "1"},
        "paths": {
            "/ping": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "pong",
                            "content": {
                                "application/json": {"schema": {"type": "string", "nullable": True}}
                            },
                        }
                    }
                }
            }
        },
    }
    create_rws(admin, "old", yaml.safe_dump(older))
    response = admin.get("old/_spec")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.0.3"
    from openapi_spec_validator import validate

    validate(document)
    assert ("GET", "/ping") in operations(document)


def test_a_role_sees_only_the_carried_paths_it_reaches(admin, client):
    sid = create_rws(admin, "inventory", CARRIED)
    rows = [
        {"service_id": sid, "component": "_spec", "verb_mask": 1, "requestor_mask": 1},
        {"service_id": sid, "component": "items", "verb_mask": 1 | 2, "requestor_mask": 1},
        {"service_id": sid, "component": "items/*", "verb_mask": 1, "requestor_mask": 1},
    ]
    role_id = create_role(admin, "stock", rows)
    _, api_key = create_api_app(admin, "stock-app", role_id)
    create_user(admin, "stock@example.com")
    clerk = Api(client, api_key=api_key)
    clerk.login("stock@example.com", USER_PASSWORD, admin=False)
    assert operations(fetch_spec(clerk, "inventory")) == {
        ("GET", "/items"),
        ("POST", "/items"),
        ("GET", "/items/{id}"),
    }


def test_without_a_document_every_path_and_verb(admin):
    create_rws(admin, "remote")
    document = fetch_spec(admin, "remote")
    verbs = {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert operations(document) == {(v, p) for v in verbs for p in ("/", "/{path}")}
    assert "*/*" in document["paths"]["/{path}"]["get"]["responses"]["200"]["content"]


def test_reading_carried_documents():
    text = yaml.safe_dump(CARRIED)
    assert own_document({"openapi": text}) == CARRIED
    assert own_document({"openapi": '{"openapi": "3.1.0", "paths": {}}'}) == {
        "openapi": "3.1.0",
        "paths": {},
    }
    assert own_document({"openapi": "paths: [unclosed"}) is None
    assert own_document({"openapi": "just text"}) is None
    assert own_document({"openapi": {"info": {}}}) is None  # no paths
    assert own_document({}) is None

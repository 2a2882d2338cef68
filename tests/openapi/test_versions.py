"""OpenAPI 3.0 as DreamFactory answers (what the console's Swagger UI reads), 3.1 on request."""

from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.openapi.conftest import (
    fetch_spec,
    fetch_spec_30,
    operations,
    validate_30,
    validate_31,
    without_group,
)
from tests.openapi.test_custom import create_rws
from tests.openapi.test_specs import SEEDED

GROUPS = {
    "system": "System",
    "api_docs": "API Doc",
    "files": "File",
    "logs": "File",
    "db": "Database",
    "user": "User",
    "email": "Email",
}
"""The seeded services' type groups, as ``info.group`` of their ``api_docs`` document."""


@pytest.mark.parametrize("service", SEEDED)
def test_seeded_documents_are_openapi_30_by_default(admin, service):
    document = fetch_spec_30(admin, service)
    assert operations(document) == operations(fetch_spec(admin, service))
    for name in ("3.0", "3.0.3", "3"):
        again = admin.get(f"{service}/_spec", query_string={"openapi": name}).get_json()
        assert again == document


@pytest.mark.parametrize("service", SEEDED)
def test_api_docs_answers_30_with_the_group_the_console_reads(admin, service):
    response = admin.get(f"api_docs/{service}")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.0.3"
    assert document["info"]["group"] == GROUPS[service]
    validate_30(without_group(document))
    assert without_group(document) == fetch_spec_30(admin, service)
    newer = admin.get(f"api_docs/{service}", query_string={"openapi": "3.1.0"}).get_json()
    assert newer["openapi"] == "3.1.0"
    assert newer["info"]["group"] == GROUPS[service]
    validate_31(without_group(newer))


def test_an_unknown_version_is_refused(admin):
    for path in ("db/_spec", "api_docs/db"):
        assert_error(
            admin.get(path, query_string={"openapi": "2.0"}),
            400,
            "Invalid value '2.0' for openapi: use 3.0 (the default) or 3.1.",
        )


def test_nullable_fields_become_nullable_in_30(admin):
    document = fetch_spec_30(admin, "system")
    phone = document["components"]["schemas"]["UserRecord"]["properties"]["phone"]
    assert phone == {"type": "string", "nullable": True}
    record = fetch_spec_30(admin, "db")["components"]["schemas"]["Table_contactRecord"]
    assert record["properties"]["notes"]["nullable"] is True
    assert "nullable" not in record["properties"]["first_name"]


NEWER = {
    "openapi": "3.1.0",
    "info": {"title": "Shop", "version": "1", "summary": "3.1 only"},
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "paths": {
        "/orders/{id}": {
            "parameters": [
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "exclusiveMinimum": 0},
                }
            ],
            "get": {
                "responses": {
                    "200": {
                        "description": "An order",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Order"},
                                "examples": {"one": {"value": {"id": 1}}},
                            }
                        },
                    }
                }
            },
            "put": {
                "requestBody": {
                    "content": {
                        "application/octet-stream": {
                            "schema": {
                                "type": "string",
                                "contentMediaType": "application/octet-stream",
                            }
                        }
                    }
                },
                "responses": {"204": {"description": "Stored"}},
            },
        }
    },
    "components": {
        "schemas": {
            "Order": {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "examples": [7, 8]},
                    "kind": {"const": "order"},
                    "note": {"type": ["string", "null"], "maxLength": 10},
                    "code": {"type": ["string", "integer"]},
                    "total": {"type": "number", "exclusiveMaximum": 1000},
                    "tags": {"type": "array", "prefixItems": [{"type": "string"}]},
                    "customer": {
                        "anyOf": [{"$ref": "#/components/schemas/Customer"}, {"type": "null"}]
                    },
                    "owner": {"$ref": "#/components/schemas/Customer", "description": "Who"},
                },
            },
            "Customer": {"type": ["object", "null"], "properties": {"name": {"type": "string"}}},
        }
    },
}
"""A carried document using what 3.1 (JSON Schema 2020-12) has and 3.0 has not."""


def test_a_carried_31_document_is_served_in_30(admin):
    create_rws(admin, "shop", NEWER)
    document = fetch_spec_30(admin, "shop")
    assert "jsonSchemaDialect" not in document and "summary" not in document["info"]
    item = document["paths"]["/orders/{id}"]
    assert item["parameters"][0]["schema"] == {
        "type": "integer",
        "minimum": 0,
        "exclusiveMinimum": True,
    }
    media = item["get"]["responses"]["200"]["content"]["application/json"]
    assert media["examples"] == {"one": {"value": {"id": 1}}}  # a media type's map stays
    binary = item["put"]["requestBody"]["content"]["application/octet-stream"]["schema"]
    assert binary == {"type": "string", "format": "binary"}
    schemas = document["components"]["schemas"]
    order = schemas["Order"]
    assert "$schema" not in order
    fields = order["properties"]
    assert fields["id"] == {"type": "integer", "example": 7}
    assert fields["kind"] == {"enum": ["order"]}
    assert fields["note"] == {"type": "string", "maxLength": 10, "nullable": True}
    assert fields["code"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert fields["total"] == {"type": "number", "maximum": 1000, "exclusiveMaximum": True}
    assert fields["tags"] == {"type": "array", "items": {}}
    assert fields["customer"] == {
        "allOf": [{"$ref": "#/components/schemas/Customer"}],
        "nullable": True,
    }
    assert fields["owner"] == {
        "allOf": [{"$ref": "#/components/schemas/Customer"}],
        "description": "Who",
    }
    assert schemas["Customer"]["type"] == "object" and schemas["Customer"]["nullable"] is True
    # asked for, the document is served as carried
    newer = fetch_spec(admin, "shop")
    assert newer["components"]["schemas"]["Order"]["properties"]["note"]["type"] == [
        "string",
        "null",
    ]


def test_the_docs_page_lists_documents_it_can_render(admin, client):
    """``/docs`` loads ``api_docs/{service}``: Swagger UI 5 renders 3.0 and 3.1 alike."""
    headers = {"X-DreamFactory-Session-Token": admin.token}
    listed = client.get("/api/v2/api_docs", headers=headers).get_json()["resource"]
    for item in listed:
        document = client.get(item["spec_url"], headers=headers).get_json()
        assert document["openapi"] == "3.0.3", item["name"]
        validate_30(without_group(document))

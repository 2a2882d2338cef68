"""Helpers for the OpenAPI tests: fetching a document and validating it.

The SQL service fixtures (``sql``: a service on a database of the backend
under test, with varied tables) are shared with ``tests/services/sql``.
"""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator, validate

from tests.services.sql.conftest import (  # noqa: F401 - fixtures used by these tests
    dispose_engines,
    service_database,
    service_servers,
    sql,
)


def fetch_spec(api, service: str, **query: Any) -> dict[str, Any]:
    """The service's document through ``_spec?openapi=3.1``, checked to be a valid 3.1 one."""
    response = api.get(f"{service}/_spec", query_string={"openapi": "3.1", **query})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)
    return document


def fetch_spec_30(api, service: str, **query: Any) -> dict[str, Any]:
    """The service's document through ``_spec`` as DreamFactory answers: valid OpenAPI 3.0."""
    response = api.get(f"{service}/_spec", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    document = response.get_json()
    assert document["openapi"] == "3.0.3"
    validate_30(document)
    return document


def validate_30(document: dict[str, Any]) -> None:
    validate(document, cls=OpenAPIV30SpecValidator)


def validate_31(document: dict[str, Any]) -> None:
    validate(document, cls=OpenAPIV31SpecValidator)


def without_group(document: dict[str, Any]) -> dict[str, Any]:
    """An ``api_docs`` document without DreamFactory's ``info.group`` (not an OpenAPI field)."""
    info = {k: v for k, v in document["info"].items() if k != "group"}
    return {**document, "info": info}


def operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    """(VERB, path) of every operation in a document."""
    return {
        (verb.upper(), path)
        for path, item in document["paths"].items()
        for verb in item
        if verb in ("get", "post", "put", "patch", "delete")
    }

"""Service payloads as DreamFactory's admin console sends them, built the way its form builds them.

Read from the console's service form (``df-admin-interface``: the service details
component and its base CRUD service), not copied from it:

- the form has one control per ``config_schema`` entry of the chosen type, started
  at the entry's ``default``, so every config field is sent, the untouched ones
  with their advertised default (``null`` for most);
- a create is ``POST system/service`` with ``{"resource": [record]}``, the record
  carrying ``id: null``, the form's root fields (``storage_service_id`` among them,
  ``null``) and ``service_doc_by_service_id`` (``{content, format}`` for remote
  and scripted services given a document, else ``null``); remote and scripted
  services ask for ``fields=*&related=service_doc_by_service_id``;
- an edit opens the record with ``related=service_doc_by_service_id`` and saves
  with ``PUT system/service/{id}``: the record as read, the form's values over
  it, and its config merged over the config read.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Api

DOC = "service_doc_by_service_id"


def service_type(api: Api, name: str) -> dict[str, Any]:
    response = api.get(f"system/service_type/{name}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def form_config(kind: dict[str, Any], **filled: Any) -> dict[str, Any]:
    """The form's config: every field of the type at its default, then what the user typed."""
    config = {entry["name"]: entry["default"] for entry in kind["config_schema"]}
    config.update(filled)
    return config


def create_record(
    kind: dict[str, Any], name: str, config: dict[str, Any], doc: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "type": kind["name"],
        "name": name,
        "label": "",
        "description": "",
        "is_active": True,
        "storage_service_id": None,
        DOC: doc,
        "config": config,
        "id": None,
    }


def create(
    api: Api,
    kind: dict[str, Any],
    name: str,
    config: dict[str, Any],
    doc: dict[str, Any] | None = None,
):
    """The console's create; remote and scripted services ask for the record and its doc."""
    query = {}
    if kind["group"] in ("Remote Service", "Script"):
        query = {"fields": "*", "related": DOC}
    body = {"resource": [create_record(kind, name, config, doc)]}
    return api.post("system/service", json=body, query_string=query)


def open_record(api: Api, service_id: int) -> dict[str, Any]:
    response = api.get(f"system/service/{service_id}", query_string={"related": DOC})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def save(
    api: Api,
    kind: dict[str, Any],
    record: dict[str, Any],
    edits: dict[str, Any] | None = None,
    doc: dict[str, Any] | None = None,
):
    """The console's save of an opened record: the form (started from the record) over it."""
    form = form_config(kind, **record["config"])
    form.update(edits or {})
    body = {
        **record,
        "type": record["type"],
        "name": record["name"],
        "label": record["label"],
        "description": record["description"],
        "is_active": record["is_active"],
        "storage_service_id": None,
        "config": {**record["config"], **form},
        DOC: {**(record.get(DOC) or {}), **doc} if doc else None,
    }
    return api.put(f"system/service/{record['id']}", json=body)

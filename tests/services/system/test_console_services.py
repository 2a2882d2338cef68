"""Services created, opened and saved with the admin console's payloads (see ``tests.console``).

Database services are in ``tests/services/sql/test_console_payloads.py`` (they need
a database of each backend); here: a local file service, a scripted one, and the
``service_doc_by_service_id`` relation the console reads and writes on every
service it opens and saves.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
import yaml

from app.models import Service
from tests import console
from tests.conftest import assert_error
from tests.services.system.conftest import make_services

DOC = console.DOC

DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "Greeter", "version": "1"},
    "paths": {"/hello": {"get": {"responses": {"200": {"description": "A greeting"}}}}},
}
YAML_DOCUMENT = """openapi: 3.0.3
info:
  title: Greeter
  version: '2'
paths:
  /bye:
    post:
      responses:
        '200':
          description: A farewell
"""


def stored_config(store, name: str) -> dict:
    return store.scalar(sa.select(Service.config).where(Service.name == name))


def spec_paths(api, service: str) -> set[str]:
    response = api.get(f"{service}/_spec")
    assert response.status_code == 200, response.get_data(as_text=True)
    return set(response.get_json()["paths"])


def script_type(admin) -> dict:
    """A scripted type the console offers (it hides ``python``, DreamFactory's Python 2)."""
    names = {i["name"] for i in admin.get("system/service_type").get_json()["resource"]}
    return console.service_type(admin, "v8js" if "v8js" in names else "python3")


GREETING = {
    "v8js": "event.response.content = {greeting: 'hello ' + event.resource};",
    "python3": "event.response.content = {'greeting': 'hello ' + event.resource}",
}


# -- a local file service ------------------------------------------------------------------


def test_local_file_service_from_the_console(admin, store):
    kind = console.service_type(admin, "local_file")
    config = console.form_config(kind, container="site", excel_content="")
    response = console.create(admin, kind, "site", config)
    assert response.status_code == 201, response.get_json()
    (created,) = response.get_json()["resource"]
    assert stored_config(store, "site") == {"container": "site", "public_path": []}
    assert admin.post("site/docs/").status_code == 201

    record = console.open_record(admin, created["id"])
    assert record[DOC] is None
    saved = console.save(admin, kind, record, {"public_path": ["docs/"]})
    assert saved.status_code == 200, saved.get_json()
    assert stored_config(store, "site") == {"container": "site", "public_path": ["docs/"]}


# -- a scripted service ----------------------------------------------------------------------


def test_scripted_service_from_the_console(admin, store):
    kind = script_type(admin)
    config = console.form_config(kind, content=GREETING[kind["name"]], service_definition="")
    doc = {"content": json.dumps(DOCUMENT), "format": 0}
    response = console.create(admin, kind, "greet", config, doc)
    assert response.status_code == 201, response.get_json()
    (created,) = response.get_json()["resource"]
    assert created["config"]["content"] == GREETING[kind["name"]]
    assert created[DOC]["service_id"] == created["id"] and created[DOC]["format"] == 0
    assert json.loads(created[DOC]["content"]) == DOCUMENT
    assert admin.get("greet/world").get_json() == {"greeting": "hello world"}
    assert spec_paths(admin, "greet") == {"/hello"}

    record = console.open_record(admin, created["id"])
    assert json.loads(record[DOC]["content"]) == DOCUMENT
    saved = console.save(
        admin, kind, record, {"cache_ttl": None}, {"content": YAML_DOCUMENT, "format": 1}
    )
    assert saved.status_code == 200, saved.get_json()
    assert spec_paths(admin, "greet") == {"/bye"}
    reopened = console.open_record(admin, created["id"])[DOC]
    assert reopened["service_id"] == created["id"] and reopened["format"] == 0  # kept as JSON
    assert json.loads(reopened["content"]) == yaml.safe_load(YAML_DOCUMENT)
    assert stored_config(store, "greet")["cache_ttl"] == 0

    # Saved without a document (the console sends null): the service has none any more.
    record = console.open_record(admin, created["id"])
    assert console.save(admin, kind, record).status_code == 200
    assert console.open_record(admin, created["id"])[DOC] is None
    assert stored_config(store, "greet")["openapi"] is None
    assert spec_paths(admin, "greet") == {"/", "/{path}"}
    assert admin.get("greet/again").get_json() == {"greeting": "hello again"}


def test_an_empty_document_from_the_console_is_none(admin):
    kind = script_type(admin)
    config = console.form_config(kind, content=GREETING[kind["name"]])
    response = console.create(admin, kind, "plain", config, {"format": 0, "content": ""})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["resource"][0][DOC] is None


def test_remote_service_from_the_console(admin, store):
    kind = console.service_type(admin, "rws")
    # The console moves a typed document out of config.content into the relation.
    config = console.form_config(kind, base_url="http://127.0.0.1:9/api", content="")
    doc = {"content": YAML_DOCUMENT, "format": 1}
    response = console.create(admin, kind, "remote", config, doc)
    assert response.status_code == 201, response.get_json()
    (created,) = response.get_json()["resource"]
    assert created["config"]["parameters"] == [] and created["config"]["timeout"] == 30.0
    assert json.loads(created[DOC]["content"]) == yaml.safe_load(YAML_DOCUMENT)

    record = console.open_record(admin, created["id"])
    row = {"name": "key", "value": "v", "exclude": None, "outbound": None, "cache_key": None}
    saved = console.save(admin, kind, record, {"parameters": [row], "content": ""})
    assert saved.status_code == 200, saved.get_json()
    (stored,) = stored_config(store, "remote")["parameters"]
    assert stored["name"] == "key" and stored["exclude"] is False and stored["outbound"] is True
    assert stored_config(store, "remote")["openapi"] is None  # saved without a document


# -- the service_doc_by_service_id relation ---------------------------------------------------


def rws(name: str, **config) -> dict:
    return {"name": name, "type": "rws", "config": {"base_url": "http://127.0.0.1:9/", **config}}


def test_doc_relation_reads_the_carried_document(admin):
    admin.post("system/service", json={"resource": [rws("asobject", openapi=DOCUMENT)]})
    admin.post("system/service", json={"resource": [rws("astext", openapi=YAML_DOCUMENT)]})
    make_services(admin, "lite")
    listed = admin.get(
        "system/service", query_string={"related": DOC, "filter": "type in ('rws','sqlite')"}
    ).get_json()["resource"]
    docs = {r["name"]: r[DOC] for r in listed}
    assert docs["lite"] is None
    as_object = docs["asobject"]
    assert as_object["format"] == 0 and json.loads(as_object["content"]) == DOCUMENT
    assert set(as_object) == {"service_id", "format", "content"}
    assert docs["astext"]["format"] == 0
    assert json.loads(docs["astext"]["content"]) == yaml.safe_load(YAML_DOCUMENT)
    every = admin.get("system/service", query_string={"related": "*"}).get_json()["resource"]
    assert all(DOC in r for r in every)
    # Without the relation, the record is as it was (the document stays in the config).
    plain = admin.get("system/service", query_string={"filter": "name='astext'"}).get_json()
    assert DOC not in plain["resource"][0]
    assert plain["resource"][0]["config"]["openapi"] == yaml.safe_load(YAML_DOCUMENT)


def test_doc_relation_written_nested(admin, store):
    body = {**rws("remote"), DOC: {"content": YAML_DOCUMENT, "format": 1}}
    response = admin.post("system/service", json=body, query_string={"related": DOC})
    assert response.status_code == 201, response.get_json()
    service_id = response.get_json()["id"]
    assert json.loads(response.get_json()[DOC]["content"]) == yaml.safe_load(YAML_DOCUMENT)
    assert stored_config(store, "remote")["openapi"] == yaml.safe_load(YAML_DOCUMENT)
    assert spec_paths(admin, "remote") == {"/bye"}

    # PATCH with the relation alone changes the document and keeps the rest of the config.
    patched = admin.patch(
        f"system/service/{service_id}",
        json={DOC: {"service_id": service_id, "content": json.dumps(DOCUMENT), "format": 0}},
        query_string={"related": DOC},
    )
    assert patched.status_code == 200, patched.get_json()
    assert json.loads(patched.get_json()[DOC]["content"]) == DOCUMENT
    assert stored_config(store, "remote")["base_url"] == "http://127.0.0.1:9/"
    assert spec_paths(admin, "remote") == {"/hello"}

    # The relation decides over a document in the config sent beside it.
    both = {"config": {"openapi": YAML_DOCUMENT}, DOC: {"content": json.dumps(DOCUMENT)}}
    assert admin.patch(f"system/service/{service_id}", json=both).status_code == 200
    assert spec_paths(admin, "remote") == {"/hello"}

    # A null relation, or a null service_id in it (DreamFactory's detach), removes it.
    detach = {DOC: {"service_id": None, "content": json.dumps(DOCUMENT)}}
    assert admin.patch(f"system/service/{service_id}", json=detach).status_code == 200
    assert stored_config(store, "remote")["openapi"] is None
    admin.patch(f"system/service/{service_id}", json={DOC: {"content": YAML_DOCUMENT}})
    assert admin.patch(f"system/service/{service_id}", json={DOC: None}).status_code == 200
    read = admin.get(f"system/service/{service_id}", query_string={"related": DOC}).get_json()
    assert read[DOC] is None
    assert spec_paths(admin, "remote") == {"/", "/{path}"}


def test_doc_relation_errors(admin):
    (lite,) = make_services(admin, "lite")
    # A database builds its own document: none can be given, but null is fine.
    assert admin.patch(f"system/service/{lite}", json={DOC: None}).status_code == 200
    assert_error(
        admin.patch(f"system/service/{lite}", json={DOC: {"content": json.dumps(DOCUMENT)}}),
        400,
        "Services of type 'sqlite' do not take an OpenAPI document.",
    )
    (remote,) = [admin.post("system/service", json=rws("remote")).get_json()["id"]]
    for bad, message in (
        ({"content": "[1, 2]"}, "Must be an OpenAPI document: an object."),
        ({"content": json.dumps(DOCUMENT), "format": 2}, "format"),
        ("text", "must be an object"),
    ):
        error = assert_error(admin.patch(f"system/service/{remote}", json={DOC: bad}), 400)
        assert message in json.dumps(error), error

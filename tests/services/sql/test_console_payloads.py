"""A database service created, opened and saved with the admin console's payloads.

The console sends every config field of the type, the untouched ones at their
advertised default (mostly ``null``), then checks the connection with
``GET {service}/_table``; saving sends the record as read with the form over it.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Service
from tests import console
from tests.services.sql.conftest import SERVICE_TYPES


def test_database_service_from_the_console(app, admin, backend, service_database):
    _, typed = service_database
    kind = console.service_type(admin, SERVICE_TYPES[backend])
    config = console.form_config(kind, **typed)
    assert config["statements"] is None and config["options"] is None
    response = console.create(admin, kind, "consoledb", config)
    assert response.status_code == 201, response.get_json()
    (created,) = response.get_json()["resource"]
    tables = admin.get("consoledb/_table")
    assert tables.status_code == 200, tables.get_json()
    assert "todo" in {t["name"] for t in tables.get_json()["resource"]}

    record = console.open_record(admin, created["id"])
    assert record[console.DOC] is None
    assert record["config"]["statements"] == [] and record["config"]["options"] == {}
    edits = {"max_records": 50, "statements": None, "field_types": None, "options": None}
    saved = console.save(admin, kind, record, edits)
    assert saved.status_code == 200, saved.get_json()
    with app.app_context():
        from app.extensions import db

        stored = db.session.scalar(sa.select(Service.config).where(Service.name == "consoledb"))
        db.session.remove()
    assert stored["max_records"] == 50
    assert stored["statements"] == [] and stored["options"] == {} and stored["field_types"] == {}
    if "password" in typed and typed["password"]:
        assert stored["password"] == typed["password"]  # the mask sent back keeps it
    assert admin.get("consoledb/_table/todo").status_code == 200

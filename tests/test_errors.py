"""The error envelope, pinned for every source of an error a client can see.

Like datasette's ``test_error_shape``: whatever fails — routing, the body,
validation, access control, a service, the database or a bug — the client gets
``{"error": {"code", "context", "message", "status_code"}}`` with DreamFactory's
status and message, and never a traceback or SQL.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import ClassVar
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

from app.access import authz
from app.services import SERVICE_TYPES
from app.services.base import BaseService
from app.vocabulary.calls import ServiceRequest
from tests import dbservers
from tests.conftest import (
    ADMIN_KEY,
    assert_error,
    create_api_app,
    create_role,
    create_user,
    issue_token,
    make_app,
)

SECRET_DETAIL = "boom: secret detail 0xDEADBEEF"


class BoomService(BaseService):
    """A test-only service type whose every call fails with an unexpected exception."""

    type = "test_boom"
    label = "Boom"
    group = "Test"
    description = "Raises."
    access_exceptions: ClassVar[dict[str, int]] = {}

    def handle(self, request: ServiceRequest):
        raise RuntimeError(SECRET_DETAIL)


@pytest.fixture
def boom(app, monkeypatch):
    """A service ``boom`` of the raising type."""
    from app.extensions import db
    from app.models import Service

    monkeypatch.setitem(SERVICE_TYPES, BoomService.type, BoomService)
    with app.app_context():
        db.session.add(Service(name="boom", label="Boom", type=BoomService.type, config={}))
        db.session.commit()
        db.session.remove()
    return "/api/v2/boom"


# Routing -------------------------------------------------------------------------------


def test_unknown_service(admin):
    assert_error(admin.get("nope"), 404, "Could not find a service for nope")
    assert_error(admin.get("/api/nope/x"), 404, "Could not find a service for nope")


def test_unknown_service_without_credentials_is_an_access_error_first(anon):
    assert_error(anon.get("nope"), 400, authz.NO_CREDENTIALS)


def test_non_api_path(client):
    assert_error(client.get("/no"), 404, "Resource not found.")
    # two segments or more are the public storage route's (/{file service}/{path})
    assert_error(client.get("/no/such/page"), 404, "Could not find a service for no")


def test_method_not_allowed_by_the_route(client):
    response = client.post("/status")
    assert_error(response, 405, "Method not allowed.")
    assert "GET" in response.headers["Allow"]


def test_status_lines_carry_the_standard_reason_phrases(app, admin, client):
    """``404 Not Found`` as the HTTP standard writes it, never werkzeug's ``404 NOT FOUND``,
    for an answer of any origin: a service, routing, a file download, a created record."""
    assert admin.get("nope").status == "404 Not Found"
    assert client.get("/no").status == "404 Not Found"
    assert client.post("/status").status == "405 Method Not Allowed"
    assert admin.get("system/service").status == "200 OK"
    created = admin.post("system/role", json={"name": "phrase"})
    assert created.status == "201 Created"
    box = Path(app.config["STORAGE_PATH"]) / "app"
    box.mkdir(parents=True, exist_ok=True)
    (box / "a.txt").write_text("hello")
    ranged = admin.get("files/a.txt", headers={"Range": "bytes=0-1"})
    assert ranged.status == "206 Partial Content"


def test_unknown_verb(admin):
    assert_error(admin.call("PROPFIND", "system"), 405, "The method 'PROPFIND' is not allowed.")
    tunnelled = admin.post("system", headers={"X-HTTP-Method": "BREW"})
    assert_error(tunnelled, 405, "The method 'BREW' is not allowed.")


def test_unknown_resource(admin):
    assert_error(admin.get("system/nope"), 404, "Resource 'nope' not found for service 'system'.")


def test_unsupported_verb(admin):
    assert_error(
        admin.delete("system/environment"),
        400,
        "Delete requests for resource 'environment' are not currently supported "
        "by the 'system' service.",
    )
    assert_error(
        admin.post("system"),
        400,
        "Post requests without a resource are not currently supported by the 'system' service.",
    )


def test_inactive_service(admin, app):
    from app.extensions import db
    from app.models import Service

    with app.app_context():
        db.session.execute(
            sa.update(Service).where(Service.name == "files").values(is_active=False)
        )
        db.session.commit()
    assert_error(admin.get("files"), 403, "Service files is deactivated.")


# Bodies and validation -----------------------------------------------------------------


@pytest.mark.parametrize("body", ["{bad", '{"a": 1', "[1,]", '{"a": nan}'])
def test_malformed_json(admin, body):
    response = admin.post("system/service", data=body, content_type="application/json")
    assert_error(response, 400, "Invalid or malformed JSON.")


def test_validation_error(admin):
    error = assert_error(admin.patch("system/service/3", json={"name": "bad name!"}), 400)
    message = "Service name should only contain letters, numbers, underscores and dashes."
    assert error["message"] == f"Invalid data supplied. {message}"
    assert error["context"] == {"name": [message]}


def test_batch_error(admin):
    response = admin.post("system/service", json={"resource": [{"name": "bad name!"}]})
    error = assert_error(response, 400, code=1000)
    assert error["message"].startswith("Batch Error: Not all requested records could be created.")
    assert error["context"]["error"] == [0]
    inner = error["context"]["resource"][0]
    assert list(inner) == ["code", "context", "message", "status_code"]
    assert inner["status_code"] == 400


def test_record_not_found(admin):
    assert_error(admin.get("system/role/99"), 404, "Record with identifier '99' not found.")


# Access control ------------------------------------------------------------------------


def test_access_denials(app, client, admin, anon):
    from tests.conftest import Api

    assert_error(anon.get("system/service"), 400, authz.NO_CREDENTIALS)
    assert_error(Api(client, api_key=ADMIN_KEY).get("system/service"), 400, authz.NO_TOKEN)

    role_id = create_role(
        admin,
        "env_only",
        [{"service_id": 1, "component": "environment", "verb_mask": 1, "requestor_mask": 1}],
    )
    _, key = create_api_app(admin, "limited", role_id)
    assert_error(
        Api(client, api_key=key).get("system/service"),
        401,
        "Unauthorized. User is not authenticated.",
    )
    user_id = create_user(admin, "user@example.com")
    token = issue_token(app, user_id, "user@example.com")
    assert_error(
        Api(client, token=token, api_key=key).get("system/service"),
        403,
        "Access Forbidden. GET access to component 'service' of service 'system' "
        "is not allowed by this user's role.",
    )
    assert_error(Api(client, token=token).get("system/service"), 400, authz.NO_API_KEY)


def test_bad_token(anon):
    anon.token = "not-a-jwt"
    error = assert_error(anon.get("system/environment"), 401)
    assert error["message"].startswith("Invalid token: ")


# Failures of the server itself ---------------------------------------------------------


def test_unexpected_exception_in_a_service(admin, app, boom, app_logs):
    response = admin.get(boom)
    error = assert_error(response, 500, "An internal error occurred.")
    assert error["context"] is None
    assert SECRET_DETAIL not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    records = [r for r in app_logs.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert records, app_logs.text
    assert "Traceback" in app_logs.text and SECRET_DETAIL in app_logs.text


def test_trace_only_in_debug(admin, app, boom):
    app.config["DEBUG"] = True
    response = admin.get(boom)
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert list(error) == ["code", "context", "message", "trace", "status_code"]
    assert isinstance(error["trace"], list) and all(isinstance(t, str) for t in error["trace"])
    assert any(SECRET_DETAIL in line for line in error["trace"])


def test_unexpected_exception_outside_the_api(stores, backend, tmp_path, app_logs, spare_app):
    application = spare_app(stores(backend), str(tmp_path / "storage"))

    @application.get("/test-only-boom")
    def raise_error():
        raise KeyError(SECRET_DETAIL)

    response = application.test_client().get("/test-only-boom")
    assert_error(response, 500, "An internal error occurred.")
    assert SECRET_DETAIL not in response.get_data(as_text=True)
    assert SECRET_DETAIL in app_logs.text


def _broken_url(url: str, tmp_path) -> str:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'no-such-folder' / 'store.sqlite'}"
    return parsed.set(database="dftest_no_such_database_0f3a").render_as_string(False)


def _assert_no_leak(response, *secrets: str) -> None:
    text = response.get_data(as_text=True)
    for word in ("SELECT", "cache_stamp", "sqlalchemy", "Traceback", *secrets):
        assert word not in text, text


def test_unreachable_system_store(stores, backend, tmp_path, app_logs, spare_app):
    url = _broken_url(stores(backend), tmp_path)
    application = spare_app(url, str(tmp_path / "storage"))
    response = application.test_client().get(
        "/api/v2/system/environment", headers={"X-DreamFactory-API-Key": ADMIN_KEY}
    )
    assert_error(response, 500, "An internal error occurred.")
    _assert_no_leak(response, "no_such_database", "no-such-folder")
    assert "Traceback" in app_logs.text


def test_missing_tables(backend, tmp_path_factory, tmp_path, app_logs):
    url = dbservers.create_database(backend, tmp_path_factory, label="empty")
    application = make_app(url, str(tmp_path / "storage"))
    try:
        client = application.test_client()
        for _ in range(2):  # the failed transaction is rolled back: the next request is clean
            response = client.get(
                "/api/v2/system/environment", headers={"X-DreamFactory-API-Key": ADMIN_KEY}
            )
            assert_error(response, 500, "An internal error occurred.")
            _assert_no_leak(response)
        assert "cache_stamp" in app_logs.text
    finally:
        with application.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()
        dbservers.drop_database(url)


# Message encoding and key order --------------------------------------------------------


def test_messages_are_html_entity_encoded(admin):
    error = assert_error(admin.get("/api/v2/a%3Cb%3E%22c'd"), 404)
    assert error["message"] == "Could not find a service for a&lt;b&gt;&quot;c'd"
    error = assert_error(admin.get("system/role/x&y"), 404)
    assert error["message"] == "Record with identifier 'x&amp;y' not found."


def test_key_order_in_the_raw_body(admin):
    raw = admin.get("nope").get_data(as_text=True)
    assert raw == (
        '{"error":{"code":404,"context":null,'
        '"message":"Could not find a service for nope","status_code":404}}'
    )


# Content negotiation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "how", [{"headers": {"Accept": "application/xml"}}, {"query_string": {"accept": "xml"}}]
)
def test_xml_list_and_error(admin, how):
    query = {"fields": "id,name", **how.get("query_string", {})}
    response = admin.get("system/service", query_string=query, headers=how.get("headers"))
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "dfapi"
    names = [item.findtext("name") for item in root.find("resource")]
    assert names == ["system", "api_docs", "files", "logs", "db", "user", "email"]

    error_response = admin.get("nope", **how)
    assert error_response.status_code == 404
    assert error_response.mimetype == "application/xml"
    error = ElementTree.fromstring(error_response.data).find("error")
    assert [child.tag for child in error] == ["code", "context", "message", "status_code"]
    assert error.findtext("message") == "Could not find a service for nope"
    assert error.findtext("status_code") == "404"


@pytest.mark.parametrize(
    "how", [{"headers": {"Accept": "text/csv"}}, {"query_string": {"accept": "text/csv"}}]
)
def test_csv_list_and_error(admin, how):
    query = {"fields": "id,name", **how.get("query_string", {})}
    response = admin.get("system/service", query_string=query, headers=how.get("headers"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["id", "name"]
    assert rows[1] == ["1", "system"]
    assert len(rows) == 8

    error_response = admin.get("nope", **how)
    assert error_response.status_code == 404
    assert error_response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(error_response.get_data(as_text=True))))
    assert rows == [
        ["code", "context", "message", "status_code"],
        ["404", "", "Could not find a service for nope", "404"],
    ]


def test_json_is_the_default(admin):
    for accept in (None, "", "*/*", "application/json, text/plain", "text/html"):
        headers = {"Accept": accept} if accept is not None else {}
        response = admin.get("nope", headers=headers)
        assert response.mimetype == "application/json", accept


def test_payload_too_large(stores, backend, tmp_path, spare_app):
    application = spare_app(stores(backend), str(tmp_path / "storage"), MAX_CONTENT_LENGTH=64)
    client = application.test_client()
    for kwargs in (
        {"json": {"name": "x" * 200}},
        {"data": {"name": "x" * 200}},
        {"data": "x" * 200, "content_type": "text/plain"},
    ):
        response = client.post("/api/v2/system/admin/session", **kwargs)
        assert_error(response, 413, "Request payload is too large.")

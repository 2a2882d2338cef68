"""Exporting an app as a package: ``GET system/app/{id}?pkg=true``.

The package is DreamFactory's layout (``contents``), answered as a download
named ``<app name>.dfpkg``:

- ``description.json``: the app's name, description, ``is_active``, type, path,
  URL and full-screen settings (as DreamFactory's ``Packager``; no key, no role);
- ``schema=`` (JSON, ``{"<service name or id>": ["table", ...]}``): those tables'
  definitions in ``schema.json``, as ``GET {service}/_schema?ids=...`` describes them;
- ``include_data=true`` (which DreamFactory leaves unimplemented): the records of
  those tables in ``data.json``, read page by page in primary key order;
- ``include_files=true``: a storage app's files, from its folder.

Everything is read through the dispatcher as the caller (``call_internal``), so a
table, record or file the caller may not read is a 403 and no package. Services
themselves (DreamFactory's ``service=``, ``services.json``) are not exported:
instance configuration is ``system/package``'s part.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from typing import Any

import orjson

from app import system_cache
from app.dispatch.calls import Caller
from app.models import App
from app.responses import dumps
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import BadRequest, NotFound
from app.vocabulary.flags import to_bool

DESCRIPTION_FIELDS = (
    "name",
    "description",
    "is_active",
    "type",
    "path",
    "url",
    "requires_fullscreen",
    "allow_fullscreen_toggle",
    "toggle_location",
)
"""The app fields a package carries (DreamFactory's ``packageAppDescription``)."""

PAGE = 500
"""Records read per call when exporting a table's data."""


def export(app: App, request: ServiceRequest) -> ServiceResponse:
    if request.param("service"):
        raise BadRequest(
            "App packages do not carry services here (service=): export them with "
            "system/package, or create them before importing the package."
        )
    reader = Reader(request.actor)
    schemas = wanted_tables(request.param("schema"))
    with tempfile.TemporaryFile() as scratch:
        with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as out:
            description = {f: getattr(app, f) for f in DESCRIPTION_FIELDS}
            out.writestr("description.json", dumps(description))
            described = [(s, reader.tables(s, names)) for s, names in schemas]
            if described:
                document = [{"name": s, "table": tables} for s, tables in described]
                out.writestr("schema.json", dumps({"service": document}))
            if described and to_bool(request.param("include_data")):
                data = [
                    {
                        "name": service,
                        "table": [
                            {"name": t["name"], "record": reader.records(service, t)}
                            for t in tables
                        ],
                    }
                    for service, tables in described
                ]
                out.writestr("data.json", dumps({"service": data}))
            if to_bool(request.param("include_files")) and app.type == 1:
                reader.copy_files(app, out)
        scratch.seek(0)
        body = scratch.read()
    name = re.sub(r"[^\w .-]", "_", app.name)
    return ServiceResponse(
        content=body,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.dfpkg"'},
    )


def wanted_tables(text: str | None) -> list[tuple[str, list[str]]]:
    """``schema=``'s services (by name or id) and their tables."""
    if not text:
        return []
    try:
        wanted = orjson.loads(text)
    except orjson.JSONDecodeError:
        wanted = None
    if not isinstance(wanted, dict):
        raise BadRequest("schema must be a JSON object of service names to lists of table names.")
    found = []
    for key, tables in wanted.items():
        if isinstance(tables, str):
            tables = [t.strip() for t in tables.split(",") if t.strip()]
        if not isinstance(tables, list) or not all(isinstance(t, str) for t in tables):
            raise BadRequest(f"schema: the tables of service '{key}' must be a list of names.")
        info = system_cache.get_service_by_id(int(key)) if key.isdigit() else None
        found.append((info.name if info is not None else key.lower(), tables))
    return [(service, tables) for service, tables in found if tables]


class Reader:
    """Reads through the dispatcher as the caller."""

    def __init__(self, actor: Any) -> None:
        self.caller = Caller(actor)

    def get(self, service: str, resource: str, params: dict[str, str] | None = None) -> Any:
        return self.caller.call("GET", service, resource, params=params)

    def tables(self, service: str, names: list[str]) -> list[dict[str, Any]]:
        answer = self.get(service, "_schema", {"ids": ",".join(names)})
        tables = answer.get("resource", []) if isinstance(answer, dict) else answer
        found = {t["name"].lower() for t in tables}
        for name in names:
            if name.lower() not in found:
                raise NotFound(f"Table '{name}' does not exist in service '{service}'.")
        return tables

    def records(self, service: str, table: dict[str, Any]) -> list[dict[str, Any]]:
        keys = table.get("primary_key") or []
        params = {"limit": str(PAGE)}
        if keys:
            params["order"] = ",".join(keys)
        found: list[dict[str, Any]] = []
        while True:
            params["offset"] = str(len(found))
            page = self.get(service, f"_table/{table['name']}", params).get("resource", [])
            if not page:
                return found
            found.extend(page)

    def copy_files(self, app: App, out: zipfile.ZipFile) -> None:
        """The app's folder, zipped by its file service, into the package (folder name off)."""
        info = system_cache.get_service_by_id(app.storage_service_id or 0)
        folder = (app.storage_container or "").strip("/")
        if info is None or not folder:
            return
        try:
            response = self.get(info.name, f"{folder}/", {"zip": "true"})
        except NotFound:
            return  # no folder, no files (as DreamFactory)
        with tempfile.TemporaryFile() as scratch:
            for piece in response.response:
                scratch.write(piece)
            response.close()
            scratch.seek(0)
            with zipfile.ZipFile(scratch) as folder_zip:
                for entry in folder_zip.infolist():
                    name = entry.filename.removeprefix(f"{folder}/")
                    if not name:
                        continue
                    if entry.is_dir():
                        out.writestr(name, b"")
                        continue
                    with folder_zip.open(entry) as source, out.open(name, "w") as target:
                        shutil.copyfileobj(source, target, 1024 * 1024)

"""``system/app`` with DreamFactory's app packages: import on ``POST``, export on ``GET``.

- ``POST system/app`` with a ``.dfpkg`` uploaded (multipart, field ``file``) or an
  ``import_url``, plus optionally ``storage_service_id`` and ``storage_container``
  (query or body): the package's tables, records and files are imported (``importer``)
  and the app of its ``description.json`` is created → 201 with the app record (with
  ``package``: ``{"tables_reused": ["db/contact", ...], "records_skipped":
  {"db/contact": 5}}`` when tables that existed were reused or rows already there were
  skipped: ``importer``). As DreamFactory's ``Packager``: the name is the description's
  ``api_name`` or ``name``, ``active`` stands for ``is_active`` (default true), the type
  defaults to 0; a storage app (type 1) goes into ``storage_service_id`` (default: the
  first ``local_file`` service) under the folder ``storage_container`` (default: the
  name camel-cased, ``Address Book`` → ``AddressBook``), and types 1 and 3 need a
  ``path``, type 2 a ``url``. Other app fields sent with the package (``role_id``,
  ``name``...) override the description's; an ``api_key`` in a package is ignored, so
  every import gets a key of its own. The app record is checked before anything is
  written and created last; if it fails, the import is undone.
- ``GET system/app/{id}?pkg=true``: the app as a package (``exporter``).

Any other ``POST`` or ``GET`` is the plain record resource (``services.system.applications``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from app import system_cache
from app.dispatch.app_packages import exporter
from app.dispatch.app_packages.contents import read_package
from app.dispatch.app_packages.importer import Folder, Import
from app.dispatch.app_packages.source import open_package, wants_import
from app.models import App
from app.schemas.app import AppSchema
from app.services import build_service
from app.services.files import FileService
from app.services.files.paths import clean
from app.services.system import resource
from app.services.system.applications import AppResource, storage_app_errors
from app.services.system.records.batch import run_single
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import BadRequest, ValidationFailed
from app.vocabulary.flags import to_bool

logger = logging.getLogger(__name__)

APP_FIELDS = frozenset(AppSchema().fields) - {"api_key"}
"""The app fields a package's description (or the import request) may set."""

STORAGE = 1
"""App type: files in a folder of a file service."""


def camelize(name: str) -> str:
    """DreamFactory's default folder of an app: words (split on space, ``_``, ``-``) joined,
    each starting upper case."""
    words = name.replace("_", " ").replace("-", " ").split(" ")
    return "".join(w[:1].upper() + w[1:] for w in words)


def default_storage_id() -> int | None:
    """The first ``local_file`` service, where DreamFactory puts an app that names none."""
    for info in system_cache.all_services():
        if info.type == "local_file":
            return info.id
    return None


def package_record(
    description: dict[str, Any], overrides: dict[str, Any], storage_id: Any, folder: Any
) -> dict[str, Any]:
    """The app record to create, from the description and the request (module docstring)."""
    record = {k: v for k, v in description.items() if k in APP_FIELDS}
    record["name"] = description.get("api_name") or description.get("name")
    if "active" in description and "is_active" not in description:
        record["is_active"] = description["active"]
    record.setdefault("is_active", True)
    record.update({k: v for k, v in overrides.items() if k in APP_FIELDS})
    if not isinstance(record["name"], str) or not record["name"].strip():
        raise BadRequest("No App name provided in description.json")
    kind = record.get("type", 0)
    record["type"] = int(kind) if isinstance(kind, str) and kind.isdigit() else kind
    if record["type"] == STORAGE:
        record["storage_service_id"] = storage_id or default_storage_id()
        record["storage_container"] = str(folder or camelize(record["name"])).strip("/")
    else:
        record["storage_service_id"] = record["storage_container"] = None
    for key in ("path", "url"):
        if isinstance(record.get(key), str):
            record[key] = record[key].lstrip("/")
    if record["type"] in (STORAGE, 3) and not record.get("path"):
        raise BadRequest("No Application Path provided in description.json")
    if record["type"] == 2 and not record.get("url"):
        raise BadRequest("No Application URL provided in description.json")
    return record


def target_folder(record: dict[str, Any]) -> Folder:
    """The new folder a storage app's files go to (400 when it exists already)."""
    info = system_cache.get_service_by_id(record["storage_service_id"])
    files = build_service(info) if info is not None else None
    if info is None or not isinstance(files, FileService):
        raise BadRequest("Invalid Storage Service provided.")
    path = clean(record["storage_container"], "storage container")
    if not path:
        raise BadRequest("The storage container must name a folder for the app's files.")
    if files.storage.entry_kind(path) is not None:
        raise BadRequest(
            f"Folder '{path}/' already exists in storage service '{info.name}': "
            "choose another storage_container."
        )
    return Folder(service=info, path=path, public=files.is_public(path))


@resource
class AppPackageResource(AppResource):
    def post(self, request: ServiceRequest, rest: list[str]) -> ServiceResponse:
        if not wants_import(request):
            return super().post(request, rest)
        if rest:
            raise BadRequest("Create record by identifier not currently supported.")
        overrides = request.payload if isinstance(request.payload, dict) else {}
        with open_package(request) as handle:
            package = read_package(handle, current_app.config["FILE_MAX_UPLOAD_SIZE"])
            record = package_record(
                package.app,
                overrides,
                request.option("storage_service_id"),
                request.option("storage_container"),
            )
            data = self.check_new(record)
            folder = target_folder(data) if data.get("type") == STORAGE else None
            job = Import(request.actor)
            job.run(package, folder)
            try:
                app = run_single(lambda: self.write(App(), record, creating=True))
            except BaseException:
                job.rollback()
                raise
        logger.info(
            "app_package=import app_id=%s tables=%d files=%d user_id=%s",
            app.id,
            sum(len(t) for t in package.tables.values()),
            len(package.files),
            self.actor_user_id(),
        )
        answer = self.output_one(app, write=False)
        if job.summary():
            answer["package"] = job.summary()
        return ServiceResponse(answer, status=201)

    def check_new(self, record: dict[str, Any]) -> dict[str, Any]:
        """The app record as validated, once it is known it would be created: valid, its name
        free, its storage a file service."""
        fresh = App()
        data = self.validate(record, creating=True)
        self.check_unique(fresh, data)
        self.check_references(data)
        if data.get("type") == STORAGE:
            errors = storage_app_errors(fresh, data)
            if errors:
                raise ValidationFailed(errors)
        return data

    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest and to_bool(request.param("pkg")):
            return exporter.export(self.find(rest[0]), request)
        return super().get(request, rest)

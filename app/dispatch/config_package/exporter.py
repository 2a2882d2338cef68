"""A package built from a manifest (``POST system/package`` with a JSON body).

The manifest is DreamFactory's: ``service.system.{resource}`` lists what to export
(names; e-mails for users and admins; ids; ``{"id"|"name"|"email": ...}``; or
``{"ids": [...]}`` / ``{"filter": "..."}`` for a resource as a whole) and
``service.{db}._schema`` the tables of a database service. Roles come with their
service accesses and lookups, users and admins with their app roles and lookups.
Masked values (``**********``: service config secrets, private lookups) are dropped
from the records and named in the manifest's ``secrets_left_out``; passwords are
never read. The zip is answered for download, or with ``storage`` stored in a file
service, as DreamFactory takes it: a service name, or ``{"name"|"id": service,
"folder"|"path": ... (default ``__EXPORTS``), "filename"|"file": ... (default host and
time; ``.zip`` added)}``. The folder is made when missing (and removed again if the
file cannot be written); the answer is DreamFactory's ``{"success": true, "path": <the
file's URL on this host>, "is_public": <whether the folder is public>}``.
"""

from __future__ import annotations

import io
import logging
import socket
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import has_request_context
from flask import request as http_request

from app import system_cache
from app.dispatch.calls import Caller, call
from app.dispatch.config_package import manifest as manifests
from app.services import build_service
from app.services.describe import MASK
from app.services.files import LocalFileService
from app.services.files.paths import clean
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import ApiError, BadRequest, NotFound, NotImplementedYet

logger = logging.getLogger(__name__)

DEFAULT_FOLDER = "__EXPORTS"
"""Where a stored package goes when the manifest names no folder (DreamFactory's)."""

RELATIONS = {
    "role": "role_service_access_by_role_id,lookup_by_role_id",
    "user": "user_to_app_to_role_by_user_id,lookup_by_user_id",
    "admin": "user_to_app_to_role_by_user_id,lookup_by_user_id",
}
"""The relations exported with each record of a resource."""


def export(caller: Caller, manifest: Any) -> ServiceResponse | dict[str, Any]:
    if not isinstance(manifest, dict) or not isinstance(manifest.get("service"), dict):
        raise BadRequest("No items found in package manifest.")
    if manifest.get("secured"):
        raise BadRequest(
            "Secured (password-encrypted) packages are not supported: "
            "secrets are left out of every package instead."
        )
    target = _target(manifest["storage"]) if manifest.get("storage") else None
    header = manifests.header(str(manifest.get("description") or ""))
    files: dict[str, list[Any]] = {}
    listed: dict[str, Any] = {}
    left_out: dict[str, Any] = {}
    for service, resources in manifest["service"].items():
        if not isinstance(resources, dict):
            raise BadRequest(f"Exporting files of service '{service}' is not supported.")
        for resource, details in resources.items():
            if resource == "reachable":
                continue
            records = _gather(caller, service, resource, details)
            for record in records:
                if resource in manifests.PEOPLE:
                    record.pop("password", None)
                _drop_masked(record, f"{service}/{resource}/{_label(resource, record)}", left_out)
            files[f"{service}/{resource}.json"] = records
            listed.setdefault(service, {})[resource] = [_label(resource, r) for r in records]
    package = {**header, "service": listed}
    if left_out:
        package["secrets_left_out"] = left_out
    data = _zip(package, files)
    if target is not None:
        return _store(caller, target, data)
    name = _filename(None)
    return ServiceResponse(
        content=data,
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _gather(caller: Caller, service: str, resource: str, details: Any) -> list[dict[str, Any]]:
    if resource != "_schema" and service != "system":
        raise NotImplementedYet(f"Exporting {service}/{resource} is not supported.")
    if service == "system" and resource not in manifests.SYSTEM_RESOURCES:
        raise BadRequest(f"Exporting system/{resource} is not supported.")
    if resource == "_schema":
        return [_one(caller, service, f"_schema/{_text(t)}", {}) for t in _as_list(details)]
    params: dict[str, str] = {}
    if resource in RELATIONS:
        params["related"] = RELATIONS[resource]
    if isinstance(details, dict):  # a selection of the whole resource
        if details.get("ids"):
            ids = details["ids"]
            params["ids"] = ",".join(map(str, ids)) if isinstance(ids, list) else str(ids)
        elif details.get("filter"):
            params["filter"] = str(details["filter"])
        else:
            raise BadRequest(f"No resource ids or filter provided for {service}/{resource}.")
        return caller.records(service, resource, params)
    found: list[dict[str, Any]] = []
    for item in _as_list(details):
        found.extend(_select(caller, resource, item, params))
    return found


def _select(caller: Caller, resource: str, item: Any, params: dict[str, str]) -> list[Any]:
    if isinstance(item, dict):
        item = item.get("id") or item.get("email") or item.get("name")
    if isinstance(item, int) or (isinstance(item, str) and item.isdigit()):
        return [_one(caller, "system", f"{resource}/{item}", params)]
    if not isinstance(item, str) or not item:
        raise BadRequest(f"Invalid item {item!r} for system/{resource}.")
    key = "email" if resource in manifests.PEOPLE else "name"
    if resource == "cors":
        key = "path"
    quoted = item.replace("'", "''")
    records = caller.records("system", resource, {**params, "filter": f"{key}='{quoted}'"})
    if not records:
        raise BadRequest(f"Resource not found for system/{resource}: {item}.")
    return records


def _one(caller: Caller, service: str, resource: str, params: dict[str, str]) -> Any:
    return caller.call("GET", service, resource, params=params)


def _as_list(details: Any) -> list[Any]:
    if isinstance(details, str):
        return [d for d in details.split(",") if d]
    if isinstance(details, list):
        return details
    raise BadRequest(f"Invalid manifest items: {details!r}.")


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value or "/" in value:
        raise BadRequest(f"Invalid table name {value!r}.")
    return value


def _label(resource: str, record: dict[str, Any]) -> Any:
    if resource in manifests.PEOPLE:
        return record.get("email")
    if resource == "cors":
        return record.get("path")
    return record.get("name", record.get("id"))


def _drop_masked(record: Any, where: str, left_out: dict[str, Any]) -> None:
    """Remove every masked value from a record (nested too), naming where in ``left_out``."""
    if isinstance(record, list):
        for item in record:
            _drop_masked(item, where, left_out)
        return
    if not isinstance(record, dict):
        return
    for key in list(record):
        value = record[key]
        if value == MASK:
            del record[key]
            left_out.setdefault(where, []).append(key)
        elif isinstance(value, dict | list):
            _drop_masked(value, where, left_out)


def _zip(package: dict[str, Any], files: dict[str, list[Any]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("package.json", orjson.dumps(package))
        for name, records in files.items():
            archive.writestr(name, orjson.dumps(records))
    return buffer.getvalue()


def _filename(wanted: Any) -> str:
    name = str(wanted or "") or (
        f"{socket.gethostname()}_{datetime.now(UTC).strftime('%Y-%m-%d_%H.%M.%S')}"
    )
    if "/" in name or name.startswith("."):
        raise BadRequest(f"Invalid package file name '{name}'.")
    return name if name.endswith(".zip") else f"{name}.zip"


@dataclass(frozen=True)
class Target:
    """Where a package is stored: a file service, a folder of it, a file name."""

    service: str
    files: LocalFileService
    folder: str
    name: str


def _target(storage: Any) -> Target:
    """The manifest's ``storage``, checked before anything is gathered."""
    if isinstance(storage, dict):
        service = storage.get("name") or storage.get("id")
        folder = storage.get("folder") or storage.get("path") or DEFAULT_FOLDER
        wanted = storage.get("filename") or storage.get("file")
    else:
        service, folder, wanted = storage, DEFAULT_FOLDER, None
    info = (
        system_cache.get_service_by_id(int(service))
        if isinstance(service, int) or str(service).isdigit()
        else system_cache.get_service_info(str(service))
    )
    files = build_service(info) if info is not None else None
    if info is None or not isinstance(files, LocalFileService):
        raise BadRequest(f"Storage service '{service}' not found or not a file service.")
    cleaned = clean(str(folder), "storage folder")
    if not cleaned:
        raise BadRequest("The storage folder must name a folder of the file service.")
    return Target(info.name, files, cleaned, _filename(wanted))


def _store(caller: Caller, target: Target, data: bytes) -> dict[str, Any]:
    """The zip written into the target's folder (made if missing, removed again if the
    write fails), answered as DreamFactory does with the file's URL."""
    service, folder = target.service, target.folder
    made = False
    try:
        caller.call("GET", service, f"{folder}/")
    except NotFound:
        caller.call("POST", service, f"{folder}/")
        made = True
    try:
        caller.call(
            "POST", service, f"{folder}/{target.name}", content=data, content_type="application/zip"
        )
    except BaseException:
        if made:
            _remove_folder(caller, service, folder)
        raise
    base = http_request.host_url.rstrip("/") if has_request_context() else ""
    return {
        "success": True,
        "path": f"{base}/api/v2/{service}/{folder}/{target.name}",
        "is_public": target.files.is_public(folder),
    }


def _remove_folder(caller: Caller, service: str, folder: str) -> None:
    """Take back the folder made for a package that could not be written, without the
    caller's access checks since this export made it (logged if it fails)."""
    request = ServiceRequest.internal(
        "DELETE",
        service,
        f"{folder}/",
        params={"force": "true"},
        actor=caller.actor,
        requestor=caller.requestor,
    )
    try:
        call(request)
    except ApiError:
        logger.exception("package_export undo=remove %s/%s/ failed", service, folder)

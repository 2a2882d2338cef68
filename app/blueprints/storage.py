"""The storage controller: ``GET /{service}/{path}`` serves public files without credentials.

DreamFactory's ``StorageController`` (reference §7.4): the service must be a
file service (400 otherwise, 404 when unknown, 403 when deactivated) and the
path one of its ``public_path`` folders or under one (403 otherwise); the file
is then sent with the same headers, conditional GETs and ranges as the API's
download. The route sits under ``DF_STORAGE_ROUTE_PREFIX`` (empty: at the
root, so ``/files/public/index.html``); werkzeug prefers routes with fixed
segments, so ``/api/...``, ``/status`` and the other pages are never shadowed.
Errors use our JSON envelope (house rule) with DreamFactory's messages and
statuses, where DreamFactory itself answers plain text.

Apps of type 1 (storage) launch through this route (``system/app``'s
``launch_url``), which is how a static web app in a public folder is hosted.
"""

from __future__ import annotations

from flask import Blueprint, request

from app import system_cache
from app.access.lookups import substitute_lookups
from app.services import SERVICE_TYPES, build_service
from app.services.files import FileService
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest

bp = Blueprint("storage", __name__)

NOT_FILES = "Service requested is not a file storage service."


@bp.get("/<service>/<path:path>")
def serve(service: str, path: str):
    info = system_cache.require_service_info(service.lower())
    info = substitute_lookups(ServiceRequest(method="GET", service=info.name, resource=path), info)
    cls = SERVICE_TYPES.get(info.type)
    if cls is None or not issubclass(cls, FileService):
        raise BadRequest(NOT_FILES)
    files = build_service(info)
    assert isinstance(files, FileService)
    headers = {key.lower(): value for key, value in request.headers.items()}
    return files.public_file(path, headers)


def url_prefix(prefix: str | None) -> str | None:
    """The blueprint's URL prefix for ``DF_STORAGE_ROUTE_PREFIX`` (None for the root)."""
    prefix = (prefix or "").strip("/")
    return f"/{prefix}" if prefix else None

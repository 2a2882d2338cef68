"""``system/package``: DreamFactory's config package resource.

- ``GET system/package`` (``system_only``): what can be exported (``manifest``);
- ``POST system/package`` with a JSON manifest: the package (``exporter``);
- ``POST system/package`` with a zip body (``application/zip`` or any binary type):
  the package imported (``importer``). DreamFactory's ``import_url`` and multipart
  ``files`` upload are not taken: the zip is the body.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.dispatch.calls import Caller
from app.dispatch.config_package import exporter, importer, manifest
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, NotFound, PayloadTooLarge
from app.vocabulary.flags import to_bool

ZIP_MAGIC = b"PK"


@resource
class PackageResource(Resource):
    name = "package"
    label = "Package"
    description = "Export and import of the instance's configuration as a package."

    def get(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            raise NotFound(f"Resource '{request.resource}' not found.")
        return manifest.listing(Caller.of(request), to_bool(request.param("system_only")))

    def post(self, request: ServiceRequest, rest: list[str]) -> Any:
        if rest:
            raise NotFound(f"Resource '{request.resource}' not found.")
        data = zip_body(request)
        if data is not None:
            return importer.import_package(Caller.of(request), data)
        if request.option("import_url"):
            raise BadRequest("Importing a package from a URL is not supported: send the zip.")
        return exporter.export(Caller.of(request), request.payload)


def zip_body(request: ServiceRequest) -> bytes | None:
    """The uploaded package, or None for a JSON manifest."""
    if request.content[:2] == ZIP_MAGIC:
        return request.content
    if request.stream is None or isinstance(request.stream, dict):
        return None
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge("The package is too large.")
    if not data:
        return None
    if data[:2] != ZIP_MAGIC:
        raise BadRequest("The package is not a zip file.")
    return data

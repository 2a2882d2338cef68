"""``system/package``: DreamFactory's config package resource.

- ``GET system/package`` (``system_only``): what can be exported (``manifest``);
- ``POST system/package`` with a JSON manifest: the package (``exporter``);
- ``POST system/package`` with a package, as DreamFactory takes it: uploaded
  (multipart, field ``files``), by ``import_url`` (query or body), or as the body
  itself (``application/zip`` or any binary type): the package imported
  (``importer``; ``overwrite=true`` updates records this instance has already). A
  ``.dfpkg`` (uploaded or by URL) is an app package, imported as ``POST system/app``
  imports it, as DreamFactory does here too.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.dispatch.app_packages import source
from app.dispatch.app_packages.contents import EXTENSION
from app.dispatch.calls import Caller, call_internal
from app.dispatch.config_package import exporter, importer, manifest
from app.services.base import Resource
from app.services.system import resource
from app.vocabulary.calls import ServiceRequest, ServiceResponse
from app.vocabulary.errors import BadRequest, NotFound, PayloadTooLarge
from app.vocabulary.flags import to_bool

ZIP_MAGIC = b"PK"

FIELD = "files"
"""The multipart field DreamFactory reads a package from."""

ZIP = "zip"
"""The extension of a config package's file."""


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
        overwrite = to_bool(request.option("overwrite"))
        if source.wants_import(request):
            if source.extension(source.package_name(request, FIELD)) == EXTENSION:
                return app_package(request)
            with source.open_package(request, FIELD, (ZIP, EXTENSION)) as handle:
                data = handle.read()
            return importer.import_package(Caller.of(request), data, overwrite)
        data = zip_body(request)
        if data is not None:
            return importer.import_package(Caller.of(request), data, overwrite)
        return exporter.export(Caller.of(request), request.payload)


def app_package(request: ServiceRequest) -> ServiceResponse:
    """An app package sent here: imported by ``POST system/app``, as the caller."""
    forwarded = ServiceRequest.internal(
        "POST",
        "system",
        "app",
        params=request.params,
        payload=request.payload,
        actor=request.actor,
        requestor=request.requestor,
    )
    forwarded.stream = request.stream
    return call_internal(forwarded)


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

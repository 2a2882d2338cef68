"""A file service's document (DreamFactory's file API, reference section 7).

``/`` and ``/{folder_path}/`` are folders (a trailing slash marks one):
listed with ``GET``, written into with ``POST`` (a raw body named by
``X-File-Name``, a new folder named by ``X-Folder-Name``, multipart
``files``, JSON items, or a ``url`` to import), removed with ``DELETE``.
``/{file_path}`` is a file: downloaded with ``GET`` (or described with
``include_properties``), written with ``POST``/``PUT``, removed with
``DELETE``. Role components of files are paths (``f1/``, ``f1/*``); a path
parameter stands for any path, so the document shows what ``*`` reaches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.openapi import builder
from app.openapi.document import JSON, SUCCESS_SCHEMA, operation, path_param, records_of
from app.services.files import FileService

if TYPE_CHECKING:
    from app.openapi.access import Reach
    from app.openapi.document import Spec

ENTRY: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string"},
        "name": {"type": "string"},
        "type": {"type": "string", "enum": ["file", "folder"]},
        "content_type": {"type": ["string", "null"]},
        "last_modified": {"type": ["string", "null"]},
        "content_length": {"type": ["integer", "null"]},
    },
}
ITEM: dict[str, Any] = {
    "type": "object",
    "description": "A folder ({name, type: folder}) or a file ({name, type: file, content}).",
    "properties": {
        "name": {"type": "string"},
        "path": {"type": "string"},
        "type": {"type": "string", "enum": ["file", "folder"]},
        "content": {"type": "string"},
        "is_base64": {"type": "boolean"},
    },
}
PAGE_META: dict[str, Any] = {
    "type": "object",
    "properties": {"count": {"type": "integer"}, "next": {"type": "integer"}},
}
"""A paged listing's ``meta`` (``include_count``, ``limit``)."""


def paged(listing: dict[str, Any]) -> dict[str, Any]:
    """A listing's schema with the ``meta`` of its page."""
    return {**listing, "properties": {**listing["properties"], "meta": PAGE_META}}


ANYTHING: dict[str, Any] = {"*/*": {"schema": {}}}
BINARY: dict[str, Any] = {"type": "string", "contentMediaType": "application/octet-stream"}


def _flag(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": "boolean"}, "description": description}


def _header(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "schema": {"type": "string"}, "description": description}


LIST_PARAMS = (
    _flag("include_folders", "List folders (default true)."),
    _flag("include_files", "List files (default true)."),
    _flag("full_tree", "List everything below, not just this folder."),
    {"name": "search", "in": "query", "schema": {"type": "string"}, "description": "Name part."},
    "as_list",
    "id_field",
    "fields",
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0},
        "description": "Entries to return at most (absent or 0: all). Not in DreamFactory.",
    },
    {
        "name": "offset",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0},
        "description": "Entries to skip first. Not in DreamFactory.",
    },
    _flag("include_count", "Add meta.count, the number of entries (meta.next: the next page)."),
    _flag("include_properties", "Describe the folder itself instead."),
    _flag("zip", "Download the folder as a zip archive."),
)
WRITE_PARAMS = (
    _header("X-File-Name", "Store the raw body as this file."),
    _header("X-Folder-Name", "Create this folder."),
    {
        "name": "url",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Import from a URL.",
    },
    _flag("extract", "Unpack an uploaded .zip into the folder."),
    _flag("clean", "With extract: drop the archive's top folder."),
    _flag("check_exist", "Fail when the file or folder exists."),
)


def _upload(spec: Spec) -> dict[str, Any]:
    items = records_of(spec.define("FileItem", ITEM))
    return {
        "required": False,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": BINARY}},
                }
            },
            JSON: {"schema": items},
            "application/octet-stream": {"schema": BINARY},
        },
    }


@builder(FileService)
def build_files(service: FileService, spec: Spec, reach: Reach) -> None:
    entry = spec.define("FileEntry", ENTRY)
    listing = {"anyOf": [paged(records_of(entry)), paged(records_of({"type": "string"})), entry]}
    written = {"anyOf": [entry, records_of(entry)]}
    folder_content = {JSON: {"schema": listing}, "application/zip": {"schema": BINARY}}
    upload = _upload(spec)
    success = spec.define("Success", SUCCESS_SCHEMA)
    tag = spec.tag(service.name, service.info.description or "Files and folders.")
    delete_body = {"required": False, "content": {JSON: {"schema": records_of(ITEM)}}}
    folder = path_param("folder_path", {"type": "string", "minLength": 1}, "A folder path.")
    for path, component, params in (("/", "", []), ("/{folder_path}/", "{folder_path}/", [folder])):
        spec.add(
            path,
            component,
            {
                "get": operation("List a folder", content=folder_content, params=LIST_PARAMS),
                "post": operation(
                    "Add files or folders", written, status=201, params=WRITE_PARAMS, body=upload
                ),
                "delete": operation(
                    "Delete a folder (force: with content) or the listed items",
                    written,
                    params=(
                        _flag("force", "Delete a folder that is not empty."),
                        _flag("content_only", "Keep the folder, delete what it holds."),
                    ),
                    body=delete_body,
                ),
                "patch": operation("Update the folder's properties", success),
            },
            parameters=params,
            tag=tag,
        )
    file = path_param("file_path", {"type": "string", "minLength": 1}, "A file path.")
    raw = {"required": False, "content": {"*/*": {"schema": BINARY}}}
    file_params = (_flag("check_exist", "Fail when the file exists."),)
    spec.add(
        "/{file_path}",
        "{file_path}",
        {
            "get": operation(
                "Download a file (or describe it with include_properties)",
                content=ANYTHING,
                params=(
                    _flag("download", "Ask the browser to save it (attachment)."),
                    _flag("include_properties", "Answer the file's properties as JSON."),
                    _flag("content", "With include_properties: add the content (base64)."),
                ),
            ),
            "post": operation("Write a file", entry, status=201, params=file_params, body=raw),
            "put": operation("Write a file", entry, status=201, params=file_params, body=raw),
            "delete": operation("Delete a file", entry),
            "patch": operation("Update a file's properties (501 on local storage)", success),
        },
        parameters=[file],
        tag=tag,
    )

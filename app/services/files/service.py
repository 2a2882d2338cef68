"""File services as a REST API: ``FileService`` over any ``storage.Storage``, and ``local_file``.

``FileService`` reads DreamFactory's requests and shapes its answers; each
type (``LocalFileService`` here: a folder under the storage path;
``aws.S3FileService``: a bucket; ``azure.AzureBlobFileService``: a blob
container) only builds its storage.

The resource is a path in the container; a trailing ``/`` (or no path) names
a folder, anything else a file, as in DreamFactory (``PUT`` is handled as
``POST``). GET lists folders, sends files and zips folders; POST writes files
(raw body, ``X-File-Name``, multipart ``files``, JSON items, ``url=``
imports, zips with ``extract``) and creates folders; PATCH answers DreamFactory's
``{"success": true}``; DELETE removes files and folders. See reference §7 and
the modules beside this one for each operation and its safety rules.
"""

from __future__ import annotations

import errno
import importlib.util
import logging
from typing import Any, ClassVar

import orjson
from flask import current_app

from app.responses import dumps
from app.services.access_list import access_list
from app.services.base import BaseService, unsupported_verb
from app.services.files import delete, download, fetch, items, listing, upload
from app.services.files.config import LocalFileConfigSchema, container_problem, container_root
from app.services.files.local import LocalStorage
from app.services.files.paths import Container, base_name, clean, clean_name, folder_path, join
from app.services.files.reach import reach_of
from app.services.files.storage import Storage
from app.services.files.upload import Options
from app.vocabulary.calls import ServiceResponse
from app.vocabulary.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    InternalServerError,
    InvalidJson,
    NotFound,
    NotImplementedYet,
)
from app.vocabulary.flags import to_bool

logger = logging.getLogger(__name__)

PUBLIC_DENIED = "Access denied, please contact your system administrator."

MIN_CHUNK = 64 * 1024
"""Bytes: the smallest ``FILE_CHUNK_SIZE`` used, whatever is configured."""


def file_system_error(exc: OSError) -> ApiError:
    """The client's error for a file system failure (no server paths in the message)."""
    code = exc.errno
    if code == errno.ENAMETOOLONG:
        return BadRequest("The path or a name in it is too long.")
    if code in (errno.ENOTDIR, errno.EISDIR):
        return BadRequest("A file and a folder were mistaken for each other in the path.")
    if code in (errno.EEXIST, errno.ENOTEMPTY):
        return Conflict("The path changed while the request ran; try again.")
    if code in (errno.ENOSPC, errno.EDQUOT):
        return ApiError("There is not enough storage space left.", status=507)
    logger.error("file service operation failed: %s", exc)
    return InternalServerError(f"The file operation failed: {exc.strerror or 'unknown error'}.")


class FileService(BaseService):
    """A file service over any ``Storage``; each type builds its own in ``make_storage``."""

    group = "File"
    raw_body: ClassVar[bool] = True
    storage_name: ClassVar[str] = "this storage"
    """How messages name the storage (``local file storage``)."""
    client_library: ClassVar[tuple[str, str] | None] = None
    """The module and package of the client a remote type needs (unavailable without it)."""

    def __init__(self, info) -> None:
        super().__init__(info)
        settings = current_app.config
        self.storage: Storage = self.make_storage()
        self.public_paths = [
            clean(p, "public path") for p in self.config.get("public_path") or [] if p is not None
        ]
        self.chunk = max(int(settings["FILE_CHUNK_SIZE"]), MIN_CHUNK)
        self.max_upload = int(settings["FILE_MAX_UPLOAD_SIZE"])

    @classmethod
    def available(cls) -> tuple[bool, str]:
        if cls.client_library is None:
            return True, ""
        module, package = cls.client_library
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # blocked, or a broken install
            found = False
        return (True, "") if found else (False, f"the {package} package is not installed")

    def make_storage(self) -> Storage:
        raise NotImplementedError

    def access_components(self, request) -> list[str]:
        return listing.access_components(self.storage)

    # -- dispatch ---------------------------------------------------------------------------

    def handle(self, request) -> Any:
        self.storage = self.storage.with_reach(reach_of(request))
        try:
            return self.dispatch(request)
        except OSError as exc:
            raise file_system_error(exc) from None

    def dispatch(self, request) -> Any:
        is_folder = request.resource == "" or request.resource.endswith("/")
        path = clean(request.resource)
        is_folder = is_folder or not path
        method = "POST" if request.method == "PUT" else request.method
        if method == "GET":
            return self.get(request, path, is_folder)
        if method == "POST":
            return ServiceResponse(content=self.post(request, path, is_folder), status=201)
        if method == "PATCH":
            return self.patch(path, is_folder)
        if method == "DELETE":
            return self.delete(request, path, is_folder)
        raise unsupported_verb(request, self.name)

    def options(self, request) -> Options:
        return Options(
            extract=to_bool(request.param("extract")),
            clean=to_bool(request.param("clean")),
            check_exist=to_bool(request.param("check_exist")),
            chunk=self.chunk,
            max_size=self.max_upload,
        )

    # -- GET --------------------------------------------------------------------------------

    def get(self, request, path: str, is_folder: bool) -> Any:
        params = request.params
        if not is_folder and self.storage.kind(path) == "folder":
            is_folder = True  # ``GET files/docs`` lists the folder, as ``docs/`` would
        if not is_folder:
            if to_bool(params.get("include_properties")):
                return listing.file_properties(
                    self.storage,
                    path,
                    include_content=to_bool(params.get("content")),
                    as_base64=to_bool(params.get("is_base64", "true")),
                )
            response = download.file_response(
                self.storage,
                path,
                request.headers,
                to_bool(params.get("download")),
                self.chunk,
            )
            return ServiceResponse(content=response, status=response.status_code)
        if not path and to_bool(params.get("as_access_list")):
            return access_list(self.name, self.access_components(request), request)
        if to_bool(params.get("zip")):
            return ServiceResponse(content=download.zip_response(self.storage, path, self.chunk))
        if to_bool(params.get("include_properties")):
            return listing.folder_properties(self.storage, path)
        entries = listing.list_folder(
            self.storage,
            path,
            include_files=to_bool(params.get("include_files", "true")),
            include_folders=to_bool(params.get("include_folders", "true")),
            full_tree=to_bool(params.get("full_tree")),
        )
        if params.get("search"):
            entries = listing.search(entries, params["search"])
        return listing.clean_resources(entries, params)

    # -- POST -------------------------------------------------------------------------------

    def body(self, request) -> Any:
        """The raw body as something ``upload.chunks_of`` reads: the stream or the bytes.

        An internal call (a script's ``platform.api``) may bring only a payload: text
        is written as UTF-8, anything else as JSON.
        """
        if request.stream is not None and upload.uploaded_files(request.stream) is None:
            return request.stream
        if request.content or request.payload is None:
            return request.content
        if isinstance(request.payload, str):
            return request.payload.encode("utf-8")
        return dumps(request.payload)

    def payload(self, request) -> Any:
        """A JSON body (parsed here when it was too large for the controller to read)."""
        if request.payload is not None or request.stream is None:
            return request.payload
        if upload.uploaded_files(request.stream) is not None:
            return request.payload
        if not (request.content_type or "").endswith("json"):
            return None
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        raw = bytearray()
        while data := request.stream.read(self.chunk):  # to its end: a cut body raises there
            raw += data
            if len(raw) > limit:
                raise BadRequest(
                    "The JSON body is too large; upload files as raw or multipart bodies."
                )
        try:
            request.payload = orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError:
            raise InvalidJson() from None
        return request.payload

    def post(self, request, path: str, is_folder: bool) -> Any:
        options = self.options(request)
        files = upload.uploaded_files(request.stream)
        if not is_folder:
            name = base_name(path)
            if files is None:
                return upload.store(
                    self.storage,
                    path.rpartition("/")[0],
                    name,
                    self.body(request),
                    request.content_type,
                    options,
                )
            if len(files) > 1:
                raise BadRequest(f"Multiple files uploaded to a single REST resource '{name}'.")
            if not files:
                raise BadRequest(f"No file uploaded to REST resource '{name}'.")
            return upload.store(
                self.storage,
                path.rpartition("/")[0],
                name,
                files[0].stream,
                files[0].mimetype,
                options,
            )
        headers = request.headers
        if headers.get("x-file-name"):
            return upload.store(
                self.storage,
                path,
                headers["x-file-name"],
                self.body(request),
                request.content_type,
                options,
            )
        if headers.get("x-folder-name"):
            created = join(path, clean_name(headers["x-folder-name"], "folder name"))
            self.storage.create_folder(created, check_exist=True)
            return {"name": headers["x-folder-name"], "path": folder_path(created)}
        if request.param("url"):
            return self.import_url(request, path, options)
        if files:
            stored = upload.store_uploads(self.storage, path, files, options)
            return {"resource": stored}
        payload = self.payload(request)
        if items.names_no_item(payload):
            return {"resource": []}
        resources = delete.unwrap(payload)
        if resources:
            created = items.create_items(request, self.name, self.storage, path, resources, options)
            return {"resource": created}
        if not path:
            raise BadRequest("No resources given to create.")
        self.storage.create_folder(path, check_exist=True)
        return {"name": base_name(path), "path": folder_path(path)}

    def import_url(self, request, path: str, options: Options) -> Any:
        settings = current_app.config
        if not options.extract:  # a zip to unpack makes its folder (``upload.store``)
            self.storage.require_folder(path, f"Folder '{path}' does not exist.")
        with fetch.download(
            request.param("url"),
            timeout=float(settings["FILE_URL_IMPORT_TIMEOUT"]),
            chunk=self.chunk,
            max_size=self.max_upload,
            allow_private=bool(settings["FILE_URL_IMPORT_ALLOW_PRIVATE"]),
        ) as found:
            name = request.param("filename") or found.name
            return upload.store(self.storage, path, name, found.chunks, found.content_type, options)

    # -- PATCH and DELETE -------------------------------------------------------------------

    def patch(self, path: str, is_folder: bool) -> Any:
        if is_folder:
            listing.folder_properties(self.storage, path)
            return {"success": True}
        listing.file_properties(self.storage, path)
        raise NotImplementedYet(
            f"Updating file properties is not supported by {self.storage_name}."
        )

    def delete(self, request, path: str, is_folder: bool) -> Any:
        force = to_bool(request.param("force"))
        if not is_folder:
            self.storage.delete_file(path)
            return {"name": base_name(path), "path": path}
        resources = delete.unwrap(self.payload(request))
        if resources:
            return {"resource": delete.delete_items(self.storage, path, resources, force)}
        if not path and not to_bool(request.param("content_only")):
            raise BadRequest("No resources given for delete.")
        content_only = to_bool(request.param("content_only"))
        self.storage.delete_folder(path, force, content_only)
        return {"name": base_name(path), "path": folder_path(path)}

    # -- the public storage route -----------------------------------------------------------

    def is_public(self, path: str) -> bool:
        """Whether ``path`` is a public path or lies under one (``public_path`` config)."""
        return any(p == "" or path == p or path.startswith(p + "/") for p in self.public_paths)

    def public_file(self, path: str, headers: dict[str, str]):
        """The response for ``GET /{service}/{path}`` without credentials (reference §7.4).

        The path must be public both as asked and once symlinks are resolved; a folder
        is not a file (404), as in DreamFactory.
        """
        cleaned = clean(path)
        if not self.is_public(cleaned):
            raise Forbidden(PUBLIC_DENIED)
        if not self.is_public(self.storage.resolve(cleaned)):
            raise Forbidden(PUBLIC_DENIED)
        if path.endswith("/"):
            raise NotFound(f"The specified file '{cleaned}/' was not found in storage.")
        return download.file_response(self.storage, cleaned, headers, False, self.chunk, page=True)


class LocalFileService(FileService):
    type = "local_file"
    label = "Local File Storage"
    description = "File service supporting the local file system."
    config_schema = LocalFileConfigSchema
    storage_name = "local file storage"

    def make_storage(self) -> Storage:
        settings = current_app.config
        container = str(self.config.get("container") or "")
        problem = container_problem(
            container, settings["STORAGE_PATH"], settings.get("INSTANCE_PATH")
        )
        if problem:
            raise InternalServerError(
                "Local file service folder mis-configured. Please check configuration for "
                f"file service - {self.name}."
            )
        return LocalStorage(Container(container_root(container, settings["STORAGE_PATH"])))

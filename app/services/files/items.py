"""JSON resource lists posted to a folder: create folders and files, copy or move them.

Each item is ``{"name", "type": "folder"|"file", ...}``: a file with
``content`` (``is_base64`` to decode it), or a file or folder with
``source_path`` (another path of this container) to copy, moved when
``delete_source`` is true. Items are handled one by one; each result is
``{"name", "path", "type"}`` plus ``"error": {"message"}`` when it failed, as
DreamFactory answers; an object that is no item (``{"folder": {...}}``) names none and
creates nothing (``names_no_item``). A copy needs the caller's GET permission on the source
and a move also DELETE, checked with the same role rules as the URL, since the
source need not lie under the folder the request was authorized for.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

from app.access import authz
from app.services.files import upload
from app.services.files.archive import remove_quietly
from app.services.files.paths import (
    TMP_PREFIX,
    Container,
    base_name,
    clean_item_path,
    clean_name,
    folder_path,
    join,
    kind,
    parent_of,
    within,
)
from app.services.files.upload import Options
from app.vocabulary.errors import ApiError, BadRequest, NotFound
from app.vocabulary.flags import to_bool
from app.wrapping import wrapped_key

if TYPE_CHECKING:
    from app.services.files.storage import Storage


def _authorize(request: Any, verb: str, path: str) -> None:
    """The caller's role must allow ``verb`` on ``path`` (internal calls without actor pass)."""
    if request.actor is None:
        return

    authz.require(request.actor, verb, request.service, path)


def _source(request: Any, item: dict[str, Any], own_service: str) -> str:
    container = item.get("source_container")
    if container not in (None, "", own_service):
        raise BadRequest("Copying from another service or container is not supported.")
    path = clean_item_path(item["source_path"], "source_path")
    if not path:
        raise BadRequest("The source_path may not be the container root.")
    _authorize(request, "GET", path)
    if _moving(item):
        _authorize(request, "DELETE", path)
    return path


def _moving(item: dict[str, Any]) -> bool:
    return to_bool(item.get("delete_source"))


def copy_file(container: Container, source: str, target: str, move: bool, options: Options):
    real_source = container.locate(source, "GET")
    if not os.path.isfile(real_source):
        raise NotFound(f"File '{source}' does not exist.")
    real_target = upload.prepare_target(container, target, check_exist=True)
    if move:
        os.replace(container.locate_entry(source, "DELETE"), real_target)
        return
    with open(real_source, "rb") as handle:
        upload.write_atomic(real_target, handle, options.chunk, options.max_size)


def _skip_links(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if os.path.islink(os.path.join(folder, n)) or n.startswith(TMP_PREFIX)]


def copy_folder(container: Container, source: str, target: str, move: bool) -> None:
    real_source = container.locate(source, "GET")
    if not os.path.isdir(real_source):
        raise NotFound(f"Folder '{source}' does not exist.")
    if within(target, source):
        raise BadRequest(f"Folder '{source}/' cannot be copied into itself.")
    parent = parent_of(target)
    real_parent = container.require_folder(parent, f"Folder '{parent}' does not exist.")
    real_target = os.path.join(real_parent, base_name(target))
    if kind(real_target) is not None:
        raise BadRequest(f"Folder '{folder_path(target)}' already exists.")
    if move:
        os.rename(container.locate_entry(source, "DELETE"), real_target)
        return
    staging = tempfile.mkdtemp(prefix=TMP_PREFIX + "copy-", dir=real_parent)
    try:
        shutil.copytree(real_source, os.path.join(staging, "copy"), ignore=_skip_links)
        os.rename(os.path.join(staging, "copy"), real_target)
    finally:
        remove_quietly(staging)


def create_folder(container: Container, path: str, check_exist: bool) -> None:
    """``mkdir -p`` of ``path``; 400 when it exists and ``check_exist``, or is a file."""
    real = container.locate(path)
    if os.path.isdir(real):
        if check_exist:
            raise BadRequest(f"Folder '{folder_path(path)}' already exists.")
        return
    if os.path.lexists(real):
        raise BadRequest(f"'{path}' is a file; a folder cannot replace it.")
    container.ensure()
    os.makedirs(real, exist_ok=True)


def _content(item: dict[str, Any]) -> bytes:
    content = item.get("content")
    if not isinstance(content, str):
        raise BadRequest("A file's content must be a string.")
    if to_bool(item.get("is_base64")):
        try:
            return base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("The file's content is not valid base64.") from None
    return content.encode("utf-8")


def _one(request: Any, service: str, storage: Storage, folder: str, item, options):
    kind_of = item.get("type")
    name = item.get("name") or ""
    moving = _moving(item)
    if item.get("source_path"):
        source = _source(request, item, service)
        name = name or base_name(source)
        path = join(folder, clean_name(name))
        if kind_of == "folder":
            storage.copy_folder(source, path, moving)
            return {"name": name, "path": folder_path(path), "type": "folder"}
        storage.copy_file(source, path, moving, options)
        return {"name": name, "path": path, "type": "file"}
    path = join(folder, clean_name(name))
    if kind_of == "folder":
        storage.create_folder(path, options.check_exist)
        return {"name": name, "path": folder_path(path), "type": "folder"}
    if "content" not in item:
        raise BadRequest("A file needs 'content' or a 'source_path'.")
    storage.write_file(path, _content(item), options)
    return {"name": base_name(path), "path": path, "type": "file"}


ITEM_KEYS = ("type", "name", "source_path")
"""Keys of which an object posted alone must carry one to be read as a file or folder item."""


def names_no_item(payload: Any) -> bool:
    """Whether a body is an object keyed by something else than an item's fields, bare or
    under the wrapper (``{"folder": {"name": "x"}}``): DreamFactory finds no resources in
    such associative data, creates nothing and answers an empty list."""
    key = wrapped_key(payload)
    inner = payload[key] if key is not None else payload
    return isinstance(inner, dict) and bool(inner) and not any(k in inner for k in ITEM_KEYS)


def create_items(
    request: Any, service: str, storage: Storage, folder: str, items: list[Any], options
) -> list[dict[str, Any]]:
    """Every item's result, in order; one failing does not stop the others."""
    out = []
    for item in items:
        if not isinstance(item, dict):
            out.append({"error": {"message": "Each resource must be an object."}})
            continue
        kind_of = item.get("type")
        if kind_of not in ("file", "folder"):
            out.append(
                {
                    "name": item.get("name"),
                    "path": None,
                    "type": kind_of,
                    "error": {"message": "Each resource needs a type of 'file' or 'folder'."},
                }
            )
            continue
        try:
            out.append(_one(request, service, storage, folder, item, options))
        except ApiError as exc:
            out.append(_failed(item, folder, exc.message))
        except OSError as exc:
            out.append(_failed(item, folder, f"Failed to write: {exc.strerror}."))
    return out


def _failed(item: dict[str, Any], folder: str, message: str) -> dict[str, Any]:
    name = item.get("name") or ""
    path = f"{folder_path(folder)}{name}" if isinstance(name, str) else None
    if path is not None and item.get("type") == "folder":
        path += "/"
    return {"name": name, "path": path, "type": item.get("type"), "error": {"message": message}}

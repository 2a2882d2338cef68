"""Deleting files and folders.

A folder is first renamed to a scratch name in its parent (so it disappears
at once, whole) and then removed; ``content_only`` moves the content aside the
same way and keeps the folder. A link is removed itself, never what it points
to. Paths in a request body are container paths (DreamFactory's ``path``) or
names inside the folder of the URL (``name``); either must lie inside that
folder, so a role allowed to delete in ``public/`` cannot reach beyond it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any

from app.services.files.archive import clear
from app.services.files.paths import (
    TMP_PREFIX,
    Container,
    clean_item_path,
    folder_path,
    join,
    kind,
    within,
)
from app.vocabulary.errors import ApiError, BadRequest, NotFound
from app.wrapping import wrapped_key

if TYPE_CHECKING:
    from app.services.files.storage import Storage


def delete_file(container: Container, path: str) -> None:
    real = container.locate_entry(path)
    found = kind(real)
    if found is None:
        raise NotFound(f"File '{path}' does not exist in storage.")
    if found == "folder":
        raise BadRequest(f"'{path}' is a folder; delete it as '{path}/'.")
    os.unlink(real)


def delete_folder(
    container: Container, path: str, force: bool = False, content_only: bool = False
) -> None:
    real = container.locate_entry(path)
    found = kind(real)
    if found == "link" and not content_only:
        os.unlink(real)
        return
    if found == "link":
        real = container.locate(path)
        found = "folder" if os.path.isdir(real) else None
    if found != "folder":
        raise NotFound(f"Folder '{folder_path(path)}' does not exist in storage.")
    visible = [e for e in os.listdir(real) if not e.startswith(TMP_PREFIX)]
    if visible and not force:
        raise BadRequest("Directory not empty, can not delete without force option.")
    if content_only or not path:
        clear(real, keep="")
    else:
        trash = tempfile.mkdtemp(prefix=TMP_PREFIX + "del-", dir=os.path.dirname(real))
        os.rename(real, os.path.join(trash, "folder"))
        shutil.rmtree(trash, ignore_errors=True)


def _item_path(item: dict[str, Any], folder: str) -> str:
    given, name = item.get("path"), item.get("name")
    if given:
        path = clean_item_path(given)
    elif name:
        path = join(folder, clean_item_path(name, "name"))
    else:
        raise BadRequest("No path or name provided for resource.")
    if not within(path, folder) or path == folder:
        raise BadRequest(f"'{given or name}' is not inside the folder '{folder_path(folder)}'.")
    return path


def delete_items(
    storage: Storage, folder: str, items: list[Any], force: bool
) -> list[dict[str, Any]]:
    """DELETE with a body: each item's result, with ``error`` when it failed."""
    out = []
    for item in items:
        if not isinstance(item, dict):
            out.append({"error": {"message": "Each resource must be an object."}})
            continue
        given = item.get("path")
        kind_of = item.get("type")
        result = {"name": item.get("name"), "path": given, "type": kind_of}
        try:
            path = _item_path(item, folder)
            if kind_of not in ("file", "folder"):
                ends = str(given or item.get("name") or "").endswith("/")
                found = storage.entry_kind(path)
                kind_of = "folder" if ends or found == "folder" else "file"
                result["type"] = kind_of
            if kind_of == "folder":
                storage.delete_folder(path, force, False)
            else:
                storage.delete_file(path)
        except ApiError as exc:
            result["error"] = {"message": exc.message}
        except OSError as exc:
            result["error"] = {"message": f"Failed to delete: {exc.strerror}."}
        out.append(result)
    return out


def unwrap(payload: Any) -> list[Any]:
    """The items of a body: its ``resource`` list, a bare list, or one object."""
    key = wrapped_key(payload)
    if key is not None:
        payload = payload[key]
    if isinstance(payload, dict):
        return [payload] if payload else []
    return payload if isinstance(payload, list) else []

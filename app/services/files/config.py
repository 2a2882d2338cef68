"""The ``local_file`` config: where the container is, and which of its folders are public.

``container`` is a folder: relative names live under ``DF_STORAGE_PATH``
(``local`` or empty meaning ``app``, as in DreamFactory) and may not leave it,
nor be the storage path itself or its ``databases`` folder (where SQLite
services keep their files). Absolute paths are allowed anywhere except system
directories (``/``, ``/etc``, ``/proc``...) and folders holding the instance
folder (the system store and JWT secret) or the databases folder. Paths are
compared after resolving symlinks. The same check runs when a service is built,
since lookups in ``container`` are substituted only then.

``public_path`` lists folders (or files) of the container served without
credentials by the storage route (``blueprints/storage.py``); an empty entry
(or ``/``) makes the whole container public.
"""

from __future__ import annotations

import os
from typing import Any

from flask import current_app
from marshmallow import Schema, ValidationError, fields, validate, validates

SYSTEM_TREES = (
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/snap",
    "/sys",
    "/usr",
    "/var/cache",
    "/var/lib",
    "/var/mail",
    "/var/run",
    "/var/spool",
)
"""System folders a container may be neither equal to nor inside of."""

SYSTEM_DIRS = (
    "/",
    "/home",
    "/media",
    "/mnt",
    "/opt",
    "/srv",
    "/tmp",  # noqa: S108 - refused as a container, not used
    "/var",
    "/var/log",
    "/var/tmp",  # noqa: S108
)
"""Folders a container may be inside of, but not equal to."""


def container_root(container: str, storage_path: str) -> str:
    """The absolute path a ``container`` setting names (not resolved, may not exist)."""
    name = (container or "").strip()
    if name in ("", "local"):
        name = "app"
    if os.path.isabs(name):
        return os.path.normpath(name)
    return os.path.normpath(os.path.join(storage_path, name))


def _is_within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def container_problem(container: str, storage_path: str, instance_path: str | None) -> str | None:
    """Why ``container`` may not be a file service's container, or None when it may."""
    if not isinstance(container, str):
        return "The container must be a string."
    if "\x00" in container:
        return "The container may not contain NUL bytes."
    name = container.strip()
    storage = os.path.realpath(storage_path)
    real = os.path.realpath(container_root(name, storage_path))
    databases = os.path.join(storage, "databases")
    if not os.path.isabs(name):
        if ".." in name.replace("\\", "/").split("/") or not _is_within(real, storage):
            return "A relative container must stay inside the storage path."
        if real == storage or _is_within(real, databases):
            return "The container may not be the storage path itself or its databases folder."
        return None
    for tree in SYSTEM_TREES:
        if _is_within(real, os.path.realpath(tree)):
            return "The container may not be a system directory."
    if real in {os.path.realpath(d) for d in SYSTEM_DIRS}:
        return "The container may not be a system directory."
    guarded = [databases] + ([os.path.realpath(instance_path)] if instance_path else [])
    for folder in guarded:
        if _is_within(folder, real) or _is_within(real, folder):
            return "The container may not hold or lie in the instance or databases folder."
    return None


def public_path_problem(path: Any) -> str | None:
    if not isinstance(path, str):
        return "Public paths must be strings."
    if "\x00" in path:
        return "Public paths may not contain NUL bytes."
    if ".." in path.split("/"):
        return f"Public path '{path}' may not contain '..' segments."
    return None


def check_public_paths(value: list[str]) -> None:
    for path in value:
        problem = public_path_problem(path)
        if problem:
            raise ValidationError(problem)


def public_path_field(where: str) -> fields.List:
    """The ``public_path`` setting of a file service whose files are in ``where``."""
    return fields.List(
        fields.String(validate=validate.Length(max=255)),
        load_default=list,
        validate=check_public_paths,
        metadata={
            "label": "Public Path",
            "description": f"Folders (or files) of the {where} served without credentials.",
        },
    )


class LocalFileConfigSchema(Schema):
    container = fields.String(
        required=True,
        validate=validate.Length(min=1, max=255),
        metadata={
            "label": "Container",
            "description": (
                "Folder holding the files: relative to the storage path (e.g. 'app'), "
                "or an absolute path outside system directories."
            ),
        },
    )
    public_path = public_path_field("container")

    @validates("container")
    def check_container(self, value: str, **kwargs: Any) -> None:
        if "{" in value:  # a lookup: checked with its value when the service is built
            return
        problem = container_problem(
            value, current_app.config["STORAGE_PATH"], current_app.config.get("INSTANCE_PATH")
        )
        if problem:
            raise ValidationError(problem)

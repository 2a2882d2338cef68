"""What an app package (``.dfpkg``) holds, read and checked before anything is imported.

A package is DreamFactory's zip: ``description.json`` (the app record; ``app.json``
in older packages), optionally ``schema.json`` (``{"service": [{"name", "table":
[table definitions as _schema takes them]}]}``) and ``data.json`` (``{"service":
[{"name", "table": [{"name", "record": [...]}]}]}``), and every other entry a file
of the app. ``read_package`` refuses a package that is not a zip, that has an
unsafe entry (``..``, an absolute name, a link: ``files.archive.check``), no or
an invalid description, or JSON of the wrong shape, with a 400 naming the part;
nothing has been written then.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from app.services.files import archive
from app.vocabulary.errors import BadRequest

DESCRIPTION_FILES = ("description.json", "app.json")
"""Where the app record is, in the order DreamFactory looks (``app.json``: older packages)."""

META_FILES = (*DESCRIPTION_FILES, "schema.json", "data.json", "services.json")
"""Entries of a package that are not files of the app."""

EXTENSION = "dfpkg"
"""The file extension DreamFactory requires of an uploaded or downloaded package."""


@dataclass
class TableData:
    """Records to insert into one table of a database service."""

    service: str
    table: str
    records: list[dict[str, Any]]


@dataclass
class Package:
    """A checked package: the app record, tables per service, records, and the zip itself."""

    zip: zipfile.ZipFile
    app: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Service name → table definitions to create, in the order they can be created."""
    data: list[TableData] = field(default_factory=list)
    files: list[zipfile.ZipInfo] = field(default_factory=list)
    """The app's own files (and folders), every name checked."""


def read_package(handle: IO[bytes], max_size: int) -> Package:
    """The package in ``handle`` (a seekable binary file), checked as the module says."""
    try:
        package_zip = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BadRequest("The package is not a valid zip archive.") from None
    try:
        entries = archive.check(package_zip, max_size)
    except BadRequest as exc:
        raise BadRequest(f"The package is refused. {exc.message}") from None
    names = {info.filename for info, _ in entries}
    if "services.json" in names:
        raise BadRequest(
            "The package creates services (services.json), which app packages cannot do here: "
            "create the services first, then import the package without services.json."
        )
    description = next((n for n in DESCRIPTION_FILES if n in names), None)
    if description is None:
        raise BadRequest("No application description file in this package file.")
    app = _json(package_zip, description)
    if not isinstance(app, dict):
        raise BadRequest(f"Invalid App data provided: {description} must hold a JSON object.")
    tables = _schema(_json(package_zip, "schema.json")) if "schema.json" in names else {}
    data = _data(_json(package_zip, "data.json")) if "data.json" in names else []
    files = [info for info, parts in entries if parts and info.filename not in META_FILES]
    return Package(
        zip=package_zip, app=app, tables=tables, data=data_in_order(data, tables), files=files
    )


def _json(package_zip: zipfile.ZipFile, name: str) -> Any:
    try:
        return orjson.loads(package_zip.read(name))
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"{name} in the package is not valid JSON: {exc}.") from None
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise BadRequest(f"{name} in the package cannot be read: {exc}.") from None


def _services(document: Any, name: str) -> list[tuple[str, list[Any]]]:
    """``{"service": [{"name", "table": [...]}]}`` as (service name, tables) pairs."""
    services = document.get("service") if isinstance(document, dict) else None
    if not isinstance(services, list) or not services:
        raise BadRequest(f"{name} must be an object with a 'service' list of services.")
    pairs = []
    for item in services:
        service = item.get("name") if isinstance(item, dict) else None
        tables = item.get("table") if isinstance(item, dict) else None
        if not isinstance(service, str) or not service:
            raise BadRequest(f"{name}: every service needs a name.")
        if not isinstance(tables, list):
            raise BadRequest(f"{name}: service '{service}' needs a 'table' list.")
        for table in tables:
            if not isinstance(table, dict) or not isinstance(table.get("name"), str):
                raise BadRequest(f"{name}: every table of service '{service}' needs a name.")
        pairs.append((service.lower(), tables))  # service names are case-insensitive
    return pairs


def _schema(document: Any) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for service, tables in _services(document, "schema.json"):
        found.setdefault(service, []).extend(tables)
    return {service: creation_order(tables) for service, tables in found.items()}


def _data(document: Any) -> list[TableData]:
    found = []
    for service, tables in _services(document, "data.json"):
        for table in tables:
            records = table.get("record", [])
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise BadRequest(
                    f"data.json: the records of table '{table['name']}' must be a list of objects."
                )
            found.append(TableData(service, table["name"], records))
    return found


def references(table: dict[str, Any]) -> set[str]:
    """The tables a table definition's fields refer to (``ref_table``), lower case."""
    fields = table.get("field") if isinstance(table.get("field"), list) else []
    return {
        f["ref_table"].lower()
        for f in fields
        if isinstance(f, dict) and isinstance(f.get("ref_table"), str)
    }


def creation_order(tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tables with each one after the tables of the list it refers to (else as given)."""
    named = {t["name"].lower() for t in tables}
    done: set[str] = set()
    ordered: list[dict[str, Any]] = []
    waiting = list(tables)
    while waiting:
        ready = [
            t for t in waiting if (references(t) & named) - {t["name"].lower()} <= done
        ] or waiting[:1]  # a cycle: create in the given order and let the database say
        for table in ready:
            ordered.append(table)
            done.add(table["name"].lower())
        waiting = [t for t in waiting if all(t is not r for r in ready)]
    return ordered


def data_in_order(
    data: list[TableData], tables: dict[str, list[dict[str, Any]]]
) -> list[TableData]:
    """Records of created tables in creation order (referenced rows first), then the rest."""
    rank = {
        (service, table["name"].lower()): index
        for service, defs in tables.items()
        for index, table in enumerate(defs)
    }
    return sorted(data, key=lambda d: rank.get((d.service, d.table.lower()), len(rank)))

"""Importing an app package's tables, records and files, all or nothing.

Each write is an ordinary call through the dispatcher as the caller
(``call_internal``, requestor API), so the caller's role applies to every
table, record, file and setting the package creates, and event scripts run as
for any call. In order:

0. the tables of ``schema.json`` that exist already are looked at
   (``GET {service}/_schema/{table}``): reused when they have the package's
   fields, else the import is refused before anything is written (``existing``);
1. the other tables of ``schema.json``, one ``POST {service}/_schema?check_exist=true``
   each, referenced tables first;
2. the records of ``data.json``, one ``POST {service}/_table/{table}?rollback=true``
   per table (a bad record inserts none of the table's); into a table the import
   did not create, only the rows whose primary key is not there yet (``existing``);
3. for an app of type storage, its files unpacked into its folder
   (``POST {files}/{folder}/?extract=true``), which must not exist yet;
4. that folder made public (``public_path`` of the file service, through
   ``PATCH system/service/{id}``) unless it already is, so the app launches.

Every step done leaves an undo; when a later step (or the app record, which
the caller writes last) fails, the undos run in reverse order, without access
checks since they only take back what this import made: the tables created are
dropped (with their records), records added to tables that existed are
deleted, the folder is removed, the file service's public paths restored.
Reused tables and the rows they had are never touched.

A step's failure answers 400 naming the step and the table, folder or service,
with the service's message; a refusal of the caller's access (401, 403) and a
server-side failure (5xx) keep their status.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.dispatch.app_packages import existing
from app.dispatch.app_packages.contents import Package, TableData
from app.dispatch.calls import call, call_internal
from app.vocabulary.calls import Requestor, ServiceRequest
from app.vocabulary.errors import ApiError, NotFound

if TYPE_CHECKING:
    from app.system_cache import ServiceInfo

logger = logging.getLogger(__name__)

PACKAGE_ZIP = "package.zip"
"""The name the app's files are uploaded under (a zip, unpacked by the file service)."""


@dataclass(frozen=True)
class Folder:
    """Where a storage app's files go: a file service and a folder of it."""

    service: ServiceInfo
    path: str
    public: bool
    """Whether the folder is public already (its own or a parent's ``public_path``)."""


class Import:
    """One package's import as the caller ``actor``, with the undos of the steps done."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.undos: list[tuple[str, Callable[[], Any]]] = []
        self.found: dict[tuple[str, str], dict[str, Any]] = {}
        """Tables that exist already, as ``_schema`` describes them, by (service, lower name)."""
        self.reused: list[str] = []
        self.skipped: dict[str, int] = {}

    def run(self, package: Package, folder: Folder | None) -> None:
        """Every step of the module docstring; on failure, the steps done are undone."""
        try:
            self.find_existing(package)
            created = self.create_tables(package)
            self.insert_records(package, created)
            if folder is not None and package.files:
                self.store_files(package, folder)
                if not folder.public:
                    self.publish(folder)
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        """Undo the steps done, last first; an undo that fails is logged and the rest run."""
        while self.undos:
            what, undo = self.undos.pop()
            try:
                undo()
            except Exception:
                logger.exception("package_import undo=%r failed", what)

    def summary(self) -> dict[str, Any] | None:
        """What was reused or skipped (``{"tables_reused", "records_skipped"}``), if anything."""
        noted: dict[str, Any] = {}
        if self.reused:
            noted["tables_reused"] = self.reused
        if self.skipped:
            noted["records_skipped"] = self.skipped
        return noted or None

    # -- the steps ---------------------------------------------------------------------------

    def find_existing(self, package: Package) -> None:
        """Step 0: the tables of ``schema.json`` there already, refused when lacking fields."""
        gaps = []
        for service, tables in package.tables.items():
            for table in tables:
                found = self.describe(service, table["name"])
                if found is None:
                    continue
                missing = existing.missing_fields(table, found)
                if missing:
                    gaps.append((service, table["name"], missing))
                self.reused.append(f"{service}/{table['name']}")
        existing.refuse_incomplete(gaps)

    def describe(self, service: str, table: str) -> dict[str, Any] | None:
        """The existing table as ``_schema`` describes it, or None when there is none."""
        key = (service, table.lower())
        if key not in self.found:
            try:
                found = self.call(
                    f"Could not read table '{table}' of service '{service}'",
                    ServiceRequest.internal("GET", service, f"_schema/{table}"),
                    missing_ok=True,
                )
            except NotFound:
                return None
            except ApiError as exc:
                if exc.status in (401, 403):
                    return None  # not the caller's to read, so not to reuse: created as new
                raise
            self.found[key] = found if isinstance(found, dict) else {}
        return self.found[key]

    def create_tables(self, package: Package) -> set[tuple[str, str]]:
        created: set[tuple[str, str]] = set()
        for service, tables in package.tables.items():
            for table in tables:
                name = table["name"]
                if (service, name.lower()) in self.found:
                    continue  # reused
                self.call(
                    f"Could not create table '{name}' of service '{service}'",
                    ServiceRequest.internal(
                        "POST",
                        service,
                        "_schema",
                        params={"check_exist": "true"},
                        payload={"resource": [table]},
                    ),
                )
                self.undos.append(
                    (
                        f"drop {service}/{name}",
                        lambda s=service, n=name: self.force(
                            ServiceRequest.internal("DELETE", s, f"_schema/{n}")
                        ),
                    )
                )
                created.add((service, name.lower()))
        return created

    def insert_records(self, package: Package, created: set[tuple[str, str]]) -> None:
        for item in package.data:
            records = item.records
            if (item.service, item.table.lower()) not in created:
                records = self.new_rows(item)
            if not records:
                continue
            answer = self.call(
                f"Could not insert the records of table '{item.table}' of service '{item.service}'",
                ServiceRequest.internal(
                    "POST",
                    item.service,
                    f"_table/{item.table}",
                    params={"rollback": "true"},
                    payload={"resource": records},
                ),
            )
            if (item.service, item.table.lower()) in created:
                continue  # dropping the table takes its records
            keys = answer.get("resource") if isinstance(answer, dict) else None
            if keys:
                self.undos.append(
                    (
                        f"delete records of {item.service}/{item.table}",
                        lambda s=item.service, t=item.table, k=keys: self.force(
                            ServiceRequest.internal(
                                "DELETE", s, f"_table/{t}", payload={"resource": k}
                            )
                        ),
                    )
                )

    def new_rows(self, item: TableData) -> list[dict[str, Any]]:
        """The records of a table the import did not create whose key is not there yet."""
        found = self.describe(item.service, item.table)
        keys = existing.primary_key(found) if found else []
        wanted = [(r, existing.key_of(r, keys)) for r in item.records] if keys else []
        present: set[tuple[str, ...]] = set()
        for batch in existing.batches([k for _, k in wanted if k is not None]):
            rows = self.call(
                f"Could not read the records of table '{item.table}' of service '{item.service}'",
                ServiceRequest.internal(
                    "GET",
                    item.service,
                    f"_table/{item.table}",
                    params={
                        "filter": existing.key_filter(keys, batch),
                        "fields": ",".join(keys),
                        "limit": str(len(batch)),
                    },
                ),
            )
            for row in rows.get("resource", []) if isinstance(rows, dict) else []:
                present.add(existing.key_of(row, keys) or ())
        if not present:
            return item.records
        kept = [r for r, k in wanted if k is None or k not in present]
        self.skipped[f"{item.service}/{item.table}"] = len(item.records) - len(kept)
        return kept

    def store_files(self, package: Package, folder: Folder) -> None:
        """The app's files, repacked without the package's JSON, unpacked into the folder."""
        with tempfile.TemporaryFile() as scratch:
            with zipfile.ZipFile(scratch, "w", zipfile.ZIP_DEFLATED) as out:
                for info in package.files:
                    if info.is_dir():
                        out.writestr(info.filename, b"")
                        continue
                    with package.zip.open(info) as source, out.open(info.filename, "w") as target:
                        shutil.copyfileobj(source, target, 1024 * 1024)
            scratch.seek(0)
            request = ServiceRequest.internal(
                "POST",
                folder.service.name,
                f"{folder.path}/",
                params={"extract": "true"},
                headers={"X-File-Name": PACKAGE_ZIP},
                content_type="application/zip",
            )
            request.stream = scratch
            self.call(
                f"Could not store the app's files in folder '{folder.path}/' of service "
                f"'{folder.service.name}'",
                request,
            )
        self.undos.append(
            (
                f"remove {folder.service.name}/{folder.path}/",
                lambda: self.force(
                    ServiceRequest.internal(
                        "DELETE", folder.service.name, f"{folder.path}/", params={"force": "true"}
                    )
                ),
            )
        )

    def publish(self, folder: Folder) -> None:
        """Add the folder to the file service's public paths (its whole config is sent)."""
        config = dict(folder.service.config)
        before = list(config.get("public_path") or [])
        self.call(
            f"Could not make folder '{folder.path}/' of service '{folder.service.name}' public",
            ServiceRequest.internal(
                "PATCH",
                "system",
                f"service/{folder.service.id}",
                payload={"config": {**config, "public_path": [*before, f"{folder.path}/"]}},
            ),
        )
        self.undos.append(
            (
                f"restore the public paths of {folder.service.name}",
                lambda: self.force(
                    ServiceRequest.internal(
                        "PATCH",
                        "system",
                        f"service/{folder.service.id}",
                        payload={"config": {**config, "public_path": before}},
                    )
                ),
            )
        )

    # -- calls -------------------------------------------------------------------------------

    def call(self, what: str, request: ServiceRequest, missing_ok: bool = False) -> Any:
        """The step's answer, its request checked as the caller's; a failure names the step
        (a 404 stays itself with ``missing_ok``)."""
        request.actor = self.actor
        request.requestor = Requestor.API
        try:
            return call_internal(request).content
        except ApiError as exc:
            if missing_ok and exc.status == 404:
                raise NotFound(exc.message) from exc
            status = exc.status if exc.status in (401, 403) or exc.status >= 500 else 400
            raise ApiError(f"{what}: {exc.message}", status=status, context=exc.context) from exc

    def force(self, request: ServiceRequest) -> Any:
        """An undo: taking back what this import made, without the caller's access checks."""
        request.actor = self.actor
        request.requestor = Requestor.API
        return call(request).content
